import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  credentials,
  Metadata,
  makeGenericClientConstructor,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import {
  type PipelineOp,
  type PipelineResponse,
  StoreServiceClient,
} from '../../sdk/gen/wheelhouse/store/v1/store.js';
import { createLogger } from '../../sdk/logger.js';
import { ensureCa, ensureCert, ensureStorePki } from '../../sdk/pki/index.js';
import { rawMethod } from '../../test/raw-method.js';
import { scrape } from '../../test/scrape.js';
import { StoreClient } from '../client.js';
import { type Event, StoreError } from '../types.js';
import { type RunningStore, startStoreServer } from './start.js';

const dir = mkdtempSync(join(tmpdir(), 'store-server-'));
const pki = ensureStorePki(dir);
const ca = readFileSync(pki.caFile);
const logger = createLogger('store', { level: 'silent' });
let store: RunningStore;
let address: string;

function clientCreds(certFile?: string, keyFile?: string, caPem = ca) {
  return certFile && keyFile
    ? credentials.createSsl(caPem, readFileSync(keyFile), readFileSync(certFile))
    : credentials.createSsl(caPem);
}

function apiserverClient(): StoreClient {
  return new StoreClient({ address, credentials: clientCreds(pki.clientCertFile, pki.clientKeyFile) });
}

async function expectCode(promise: Promise<unknown>, code: status): Promise<ApiError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.code, code, `${status[err.code]}: ${err.message}`);
    return err;
  }
  assert.fail(`expected ${status[code]}, but it succeeded`);
}

before(async () => {
  store = await startStoreServer({
    backendUrl: `level://${join(dir, 'db')}`,
    listen: '127.0.0.1:0',
    metricsListen: '127.0.0.1:0',
    tls: { cert: readFileSync(pki.serverCertFile), key: readFileSync(pki.serverKeyFile), ca },
    allowedCommonNames: ['wheelhouse-apiserver'],
    watchBufferLimit: 20,
    logger,
  });
  address = `127.0.0.1:${store.port}`;
});

after(async () => {
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('store server over the Pipeline client', () => {
  it('serves create, get, list, count, update and delete with the store errors', async () => {
    const c = apiserverClient();
    try {
      const a = await c.create('/registry/pods/default/a', Buffer.from('A'));
      await expectCode(c.create('/registry/pods/default/a', Buffer.from('A')), status.ALREADY_EXISTS);
      const a2 = await c.update('/registry/pods/default/a', Buffer.from('A2'), a.modRevision);
      const conflict = await expectCode(
        c.update('/registry/pods/default/a', Buffer.from('A3'), a.modRevision),
        status.ABORTED,
      );
      assert.ok(conflict instanceof StoreError);
      assert.equal(conflict.current?.modRevision, a2.modRevision);
      assert.equal(conflict.current?.value.toString(), 'A2');
      await c.create('/registry/pods/default/b', Buffer.from('B'));
      const list = await c.list('/registry/pods/', { limit: 1 });
      assert.deepEqual(
        list.kvs.map((kv) => kv.key),
        ['/registry/pods/default/a'],
      );
      assert.equal(list.more, true);
      assert.equal((await c.count('/registry/pods/')).count, 2);
      assert.equal((await c.get('/registry/pods/default/a', a.modRevision)).kv?.value.toString(), 'A');
      const del = await c.delete('/registry/pods/default/b');
      assert.equal(del.prevKv.value.toString(), 'B');
      await expectCode(c.delete('/registry/pods/default/b'), status.NOT_FOUND);
      await expectCode(c.create('bad key', Buffer.from('x')), status.INVALID_ARGUMENT);
      await expectCode(c.create('/big', Buffer.alloc(1.5 * 1024 * 1024 + 1)), status.INVALID_ARGUMENT);
      await expectCode(c.get('/x', 1e9), status.FAILED_PRECONDITION);
    } finally {
      c.close();
    }
  });

  it('answers many pipelined requests, each under its own id', async () => {
    const c = apiserverClient();
    try {
      const writes = Array.from({ length: 300 }, (_, i) => c.create(`/many/${i}`, Buffer.from(`${i}`)));
      const reads = Array.from({ length: 100 }, (_, i) => c.get(`/many/${i}`));
      const created = await Promise.all(writes);
      for (const [i, kv] of created.entries()) assert.equal(kv.key, `/many/${i}`);
      await Promise.all(reads);
      const revisions = created.map((kv) => kv.modRevision).sort((x, y) => x - y);
      assert.equal(revisions[revisions.length - 1]! - revisions[0]!, 299, 'consecutive revisions');
    } finally {
      c.close();
    }
  });

  it('reports compaction as OUT_OF_RANGE with the compacted revision, unary and pipelined', async () => {
    const c = apiserverClient();
    try {
      const kv = await c.create('/compact/a', Buffer.from('1'));
      await c.update('/compact/a', Buffer.from('2'), kv.modRevision);
      const status0 = await c.status();
      assert.equal(await c.compact(status0.revision), status0.revision);
      const piped = await expectCode(c.get('/compact/a', kv.modRevision), status.OUT_OF_RANGE);
      assert.equal((piped as StoreError).compactRevision, status0.revision);
      const unary = await new Promise<ServiceError>((resolve) =>
        c.grpc.get({ key: '/compact/a', revision: String(kv.modRevision) }, (err) => resolve(err!)),
      );
      assert.equal(unary.code, status.OUT_OF_RANGE);
      assert.equal(unary.metadata.get('wheelhouse-compact-revision')[0], String(status0.revision));
      const watch = c.watch('/compact/', kv.modRevision);
      await expectCode(watch.next(), status.OUT_OF_RANGE);
      const st = await c.status();
      assert.equal(st.compactRevision, status0.revision);
      assert.equal(st.backend, 'level');
    } finally {
      c.close();
    }
  });

  it('returns the current key-value in a trailer on a unary ABORTED', async () => {
    const c = apiserverClient();
    try {
      const kv = await c.create('/unary/a', Buffer.from('1'));
      await c.update('/unary/a', Buffer.from('2'), kv.modRevision);
      const err = await new Promise<ServiceError>((resolve) =>
        c.grpc.update(
          {
            key: '/unary/a',
            value: Buffer.from('3'),
            expectedModRevision: String(kv.modRevision),
            ttlSeconds: '0',
          },
          (e) => resolve(e!),
        ),
      );
      assert.equal(err.code, status.ABORTED);
      assert.ok(err.metadata.get('wheelhouse-current-bin')[0] instanceof Buffer);
    } finally {
      c.close();
    }
  });
});

/** Sends `ops` on a raw Pipeline stream in one message and collects the response messages until every op is answered. */
async function pipelineOnce(c: StoreClient, ops: PipelineOp[]): Promise<PipelineResponse[]> {
  const stream = c.grpc.pipeline();
  const messages: PipelineResponse[] = [];
  let answered = 0;
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (res: PipelineResponse) => {
      messages.push(res);
      answered += res.results.length;
      if (answered >= ops.length) resolve();
    });
    stream.on('error', reject);
  });
  stream.write({ ops });
  await done;
  stream.end();
  stream.cancel();
  return messages;
}

const bytes = (s: string) => Buffer.from(s);

describe('store server Pipeline protocol', () => {
  it('answers each operation of a message under its id, errors per operation', async () => {
    const c = apiserverClient();
    try {
      const a = await c.create('/proto/a', bytes('A'));
      await c.update('/proto/a', bytes('A2'), a.modRevision);
      const ops: PipelineOp[] = [
        { id: '11', op: { $case: 'create', value: { key: '/proto/b', value: bytes('B'), ttlSeconds: '0' } } },
        { id: '12', op: { $case: 'create', value: { key: '/proto/a', value: bytes('x'), ttlSeconds: '0' } } },
        {
          id: '13',
          op: {
            $case: 'update',
            value: {
              key: '/proto/a',
              value: bytes('x'),
              expectedModRevision: String(a.modRevision),
              ttlSeconds: '0',
            },
          },
        },
        { id: '14' },
        { id: '15', op: { $case: 'get', value: { key: '/proto/a', revision: '0' } } },
        { id: '16', op: { $case: 'delete', value: { key: '/proto/missing', expectedModRevision: '0' } } },
        { id: '17', op: { $case: 'count', value: { prefix: '/proto/' } } },
      ];
      const results = new Map(
        (await pipelineOnce(c, ops)).flatMap((m) => m.results).map((r) => [r.id, r.result]),
      );
      assert.equal(results.size, ops.length, 'every id answered once');
      assert.equal(results.get('11')?.$case, 'create');
      const codeOf = (id: string) => {
        const r = results.get(id);
        assert.equal(r?.$case, 'error', `${id}: expected an error, got ${r?.$case}`);
        return r.value;
      };
      assert.equal(codeOf('12').code, status.ALREADY_EXISTS);
      const conflict = codeOf('13');
      assert.equal(conflict.code, status.ABORTED);
      assert.equal(conflict.current?.value.toString(), 'A2');
      assert.equal(codeOf('14').code, status.INVALID_ARGUMENT);
      assert.equal(codeOf('16').code, status.NOT_FOUND);
      const got = results.get('15');
      assert.equal(got?.$case === 'get' && got.value.kv?.value.toString(), 'A2');
      assert.equal(results.get('17')?.$case, 'count');
    } finally {
      c.close();
    }
  });

  it('answers reads no later than the writes of the same message, and a group commit in one message', async () => {
    const c = apiserverClient();
    try {
      await c.create('/order/existing', bytes('E'));
      const writes: PipelineOp[] = Array.from({ length: 50 }, (_, i) => ({
        id: String(100 + i),
        op: { $case: 'create', value: { key: `/order/${i}`, value: bytes(`${i}`), ttlSeconds: '0' } },
      }));
      const read: PipelineOp = {
        id: '1',
        op: { $case: 'get', value: { key: '/order/existing', revision: '0' } },
      };
      const messages = await pipelineOnce(c, [...writes, read]);
      // Alone first when the sync waits in the thread pool; in the same message as the
      // writes when the WAL write is made from the event loop (store/wal/inline-writes.ts).
      assert.ok(
        messages[0]!.results.some((r) => r.id === '1'),
        `the read comes in the first message: ${messages.map((m) => m.results.length)}`,
      );
      const batch = messages.at(-1)!.results.filter((r) => r.id !== '1');
      assert.equal(batch.length, 50, 'the 50 writes of one sync come together');
      const revisions = batch.map((r) =>
        r.result?.$case === 'create' ? Number(r.result.value.kv?.modRevision) : 0,
      );
      assert.equal(Math.max(...revisions) - Math.min(...revisions), 49, 'consecutive revisions of one batch');
    } finally {
      c.close();
    }
  });

  it('splits a large burst of answers into messages of at most 256 results', async () => {
    const c = apiserverClient();
    try {
      await c.create('/burst/a', bytes('A'));
      const ops: PipelineOp[] = Array.from({ length: 600 }, (_, i) => ({
        id: String(i + 1),
        op: { $case: 'get', value: { key: '/burst/a', revision: '0' } },
      }));
      const messages = await pipelineOnce(c, ops);
      const sizes = messages.map((m) => m.results.length);
      assert.ok(Math.max(...sizes) <= 256, `message sizes ${sizes}`);
      assert.equal(new Set(messages.flatMap((m) => m.results.map((r) => r.id))).size, 600);
    } finally {
      c.close();
    }
  });
});

describe('store server watch', () => {
  it('streams replay then live events, and progress notifications', async () => {
    const c = apiserverClient();
    try {
      const first = await c.create('/watch/a', Buffer.from('1'));
      const ac = new AbortController();
      const events: Event[] = [];
      const revisions: number[] = [];
      const done = (async () => {
        for await (const batch of c.watch('/watch/', first.modRevision - 1, {
          signal: ac.signal,
          progressIntervalMs: 50,
        })) {
          events.push(...batch.events);
          revisions.push(batch.revision);
          if (events.length === 3 && batch.events.length === 0) ac.abort();
        }
      })();
      await c.update('/watch/a', Buffer.from('2'), first.modRevision);
      await c.delete('/watch/a');
      await done;
      assert.deepEqual(
        events.map((e) => [e.type, e.kv.value.toString(), e.prevKv?.value.toString()]),
        [
          ['put', '1', undefined],
          ['put', '2', '1'],
          ['delete', '', '2'],
        ],
      );
      assert.equal(revisions[0], first.modRevision - 1, 'the first answer names the start revision');
    } finally {
      c.close();
    }
  });

  it('sends a progress notification at once on RequestProgress, pipelined and unary', async () => {
    const c = apiserverClient();
    const ac = new AbortController();
    try {
      await c.create('/progress/p/a', Buffer.from('1'));
      const it = c
        .watch('/progress/p/', 0, { signal: ac.signal, progressIntervalMs: 60_000 })
        [Symbol.asyncIterator]();
      const start = await it.next();
      assert.equal(start.value?.events.length, 0, 'the first answer names the start revision');
      // At once means well inside the 60 s idle interval: the bound leaves room for a loaded host.
      const within = async (ms: number) => {
        let timer: NodeJS.Timeout | undefined;
        const batch = await Promise.race([
          it.next(),
          new Promise<'late'>((r) => {
            timer = setTimeout(() => r('late'), ms);
          }),
        ]).finally(() => clearTimeout(timer));
        assert.ok(batch !== 'late' && !batch.done, `no progress notification within ${ms} ms of the request`);
        return batch.value;
      };

      await c.create('/progress/q/a', Buffer.from('x'));
      const revision = await c.requestProgress();
      const viaPipeline = await within(15_000);
      assert.deepEqual(viaPipeline.events, []);
      assert.ok(
        viaPipeline.revision >= revision,
        `progress at ${viaPipeline.revision}, asked at ${revision}`,
      );

      await c.create('/progress/q/b', Buffer.from('x'));
      const unary = await new Promise<number>((resolve, reject) =>
        c.grpc.requestProgress({}, (err, res) => (err ? reject(err) : resolve(Number(res.revision)))),
      );
      assert.ok(unary > revision, 'the unary answer names the current revision');
      const viaUnary = await within(15_000);
      assert.ok(viaUnary.revision >= unary, `progress at ${viaUnary.revision}, asked at ${unary}`);
    } finally {
      ac.abort();
      c.close();
    }
  });

  it('cuts off a watcher that stops reading, and the client resumes it with nothing lost', async () => {
    const c = apiserverClient();
    try {
      const start = (await c.status()).revision;
      const watch = c.watch('/slow/', start);
      assert.deepEqual((await watch.next()).value?.events, []);
      const value = Buffer.alloc(200 * 1024, 1);
      // The watcher is not read while 60 large values are written: the transport fills up, then the queue.
      for (let i = 0; i < 60; i++) await c.create(`/slow/${i}`, value);
      const seen: number[] = [];
      for await (const batch of watch) {
        seen.push(...batch.events.map((e) => e.kv.modRevision));
        if (seen.length >= 60) break;
      }
      assert.deepEqual(
        seen,
        Array.from({ length: 60 }, (_, i) => start + 1 + i),
      );
      const scraped = await scrape(`https://127.0.0.1:${store.metricsPort}/metrics`, {
        ca: pki.caFile,
        cert: { certFile: pki.clientCertFile, keyFile: pki.clientKeyFile },
      });
      assert.equal(scraped.status, 200, scraped.body);
      const metrics = scraped.body;
      const fellBehind = /wheelhouse_store_watchers_fell_behind_total\{[^}]*\} (\d+)/.exec(metrics);
      assert.ok(Number(fellBehind?.[1]) >= 1, 'the cut-off is counted');
      assert.match(metrics, /wheelhouse_store_batch_writes_count/);
      assert.match(metrics, /wheelhouse_store_write_seconds_bucket/);
      assert.match(metrics, /wheelhouse_store_revision\{[^}]*\} \d+/);
      const keys = /wheelhouse_store_keys\{[^}]*\} (\d+)/.exec(metrics);
      assert.ok(Number(keys?.[1]) >= 60, `the live keys are counted: ${keys?.[0]}`);
    } finally {
      c.close();
    }
  });
});

describe('store server access', () => {
  const call = (creds: ReturnType<typeof credentials.createSsl>) => {
    const client = new StoreServiceClient(address, creds);
    return new Promise<ServiceError | null>((resolve) =>
      client.status({}, (err) => {
        client.close();
        resolve(err);
      }),
    );
  };

  it('lets the apiserver certificate in', async () => {
    assert.equal(await call(clientCreds(pki.clientCertFile, pki.clientKeyFile)), null);
  });

  it('refuses a client without a certificate with UNAUTHENTICATED', async () => {
    assert.equal((await call(clientCreds()))?.code, status.UNAUTHENTICATED);
  });

  it('refuses another identity of the same CA with PERMISSION_DENIED', async () => {
    const storeCa = ensureCa(join(dir, 'pki', 'store'), 'ca');
    const other = ensureCert(join(dir, 'other'), storeCa, 'kubelet', {
      commonName: 'kubelet',
      usage: 'client',
    });
    assert.equal((await call(clientCreds(other.certFile, other.keyFile)))?.code, status.PERMISSION_DENIED);
  });

  it('refuses the right name signed by another CA with UNAUTHENTICATED', async () => {
    const foreignCa = ensureCa(join(dir, 'foreign'), 'ca');
    const forged = ensureCert(join(dir, 'foreign'), foreignCa, 'apiserver', {
      commonName: 'wheelhouse-apiserver',
      usage: 'client',
    });
    assert.equal((await call(clientCreds(forged.certFile, forged.keyFile)))?.code, status.UNAUTHENTICATED);
  });
});

describe('store server robustness', () => {
  it('survives garbage messages and abandoned streams', async () => {
    const Raw = makeGenericClientConstructor(
      {
        pipeline: rawMethod('/wheelhouse.store.v1.StoreService/Pipeline', { request: true, response: true }),
        get: rawMethod('/wheelhouse.store.v1.StoreService/Get'),
      },
      'Raw',
    );
    const raw = new Raw(address, clientCreds(pki.clientCertFile, pki.clientKeyFile));
    const garbage = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x12, 0x99]);
    const unaryErr = await new Promise<ServiceError | null>((resolve) =>
      raw.makeUnaryRequest(
        '/wheelhouse.store.v1.StoreService/Get',
        (b: Buffer) => b,
        (b: Buffer) => b,
        garbage,
        new Metadata(),
        {},
        (err: ServiceError | null) => resolve(err),
      ),
    );
    assert.ok(unaryErr && unaryErr.code !== status.OK);
    const stream = raw.makeBidiStreamRequest(
      '/wheelhouse.store.v1.StoreService/Pipeline',
      (b: Buffer) => b,
      (b: Buffer) => b,
    );
    const ended = new Promise((resolve) => {
      stream.on('error', resolve);
      stream.on('end', resolve);
    });
    stream.on('data', () => {});
    stream.write(garbage);
    await ended;
    // Abandon pipelines mid-flight, many times over.
    for (let i = 0; i < 20; i++) {
      const c = apiserverClient();
      const inflight = Array.from({ length: 20 }, (_, j) => c.create(`/abandon/${i}/${j}`, Buffer.from('x')));
      c.close();
      await Promise.allSettled(inflight);
    }
    raw.close();
    const c = apiserverClient();
    try {
      assert.ok((await c.status()).revision > 0, 'the store still serves');
      // Abandoned writes may or may not have committed, but never half of a key.
      for (const kv of (await c.list('/abandon/')).kvs) assert.equal(kv.value.toString(), 'x');
    } finally {
      c.close();
    }
  });
});
