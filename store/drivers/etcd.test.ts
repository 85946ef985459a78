import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { credentials, status } from '@grpc/grpc-js';
import { ensureStorePki } from '../../sdk/pki/index.js';
import { backendSuite } from '../backend-suite.js';
import { StoreClient } from '../client.js';
import { openBackend } from '../registry.js';
import { spawnStore } from '../spawn-store.js';
import { type EtcdCluster, etcdAvailable, startEtcdCluster } from '../testing/etcd-cluster.js';
import { type Backend, type Event, StoreError, type WatchBatch } from '../types.js';
import { type EtcdBackend, parseEtcdLocation } from './etcd.js';
import './index.js';

const available = etcdAvailable();
let cluster: EtcdCluster;
let prefixes = 0;
/** A prefix no earlier test wrote under: every test gets an empty backend on the shared cluster. */
const freshPrefix = () => `/t${process.pid}-${prefixes++}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** A backend under a fresh prefix whose calls and watches go to member `first` until it fails. */
function openVia(first: number, prefix = freshPrefix()): Promise<Backend> {
  const order = [first, ...cluster.endpoints.keys()].filter((i, n, all) => all.indexOf(i) === n);
  return openBackend(`etcd://${order.map((i) => cluster.endpoints[i]).join(',')}${prefix}`);
}

interface Ack {
  readonly revision: number;
  readonly startedAt: number;
  readonly ackedAt: number;
}

/**
 * Writers creating new keys as fast as they are acknowledged. A write that fails is
 * never sent again: its outcome may be unknown, so its key is only remembered.
 */
function startWriters(b: Backend, workers = 8) {
  let running = true;
  const acked = new Map<string, Ack>();
  const failed = new Set<string>();
  const errors: unknown[] = [];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let n = 0; running; n++) {
      const key = `/load/${w}/${n}`;
      const startedAt = Date.now();
      try {
        const kv = await b.create(key, Buffer.from(key));
        acked.set(key, { revision: kv.modRevision, startedAt, ackedAt: Date.now() });
      } catch (err) {
        failed.add(key);
        errors.push(err);
        await sleep(20);
      }
    }
  });
  return {
    acked,
    failed,
    errors,
    /** Acknowledged writes that were sent after `at`. */
    sentAfter: (at: number) => [...acked.values()].filter((a) => a.startedAt > at),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** Collects a watch in the background; `events` grows as batches come. */
function watchInto(iterable: AsyncIterable<WatchBatch>) {
  const events: Event[] = [];
  let failure: unknown;
  const done = (async () => {
    for await (const batch of iterable) events.push(...batch.events);
  })().catch((err) => {
    failure = err;
  });
  return { events, done, failure: () => failure };
}

/** Every acknowledged write is stored at its revision, and the watch saw each applied write once, in order. */
async function checkNothingLost(b: Backend, writers: ReturnType<typeof startWriters>, events: Event[]) {
  const stored = new Map((await b.list('/load/')).kvs.map((kv) => [kv.key, kv.modRevision]));
  for (const [key, ack] of writers.acked) assert.equal(stored.get(key), ack.revision, `acknowledged ${key}`);
  for (const key of stored.keys())
    assert.ok(writers.acked.has(key) || writers.failed.has(key), `unknown key ${key}`);
  const revisions = events.map((e) => e.kv.modRevision);
  for (let i = 1; i < revisions.length; i++) {
    assert.ok(
      revisions[i]! > revisions[i - 1]!,
      `watch revisions go ${revisions[i - 1]} then ${revisions[i]}`,
    );
  }
  assert.deepEqual(
    events.map((e) => [e.kv.key, e.kv.modRevision]),
    [...stored].sort((x, y) => x[1] - y[1]),
    'the watch delivered every stored write once, in order',
  );
}

describe('etcd driver', { skip: available ? false : 'etcd is not installed (/usr/bin/etcd)' }, () => {
  before(async () => {
    cluster = await startEtcdCluster();
  });
  after(async () => {
    await cluster?.close();
  });

  backendSuite('etcd', (options) => openBackend(cluster.url(freshPrefix()), options));

  it('parses endpoints, the key prefix and the TLS files from the URL', () => {
    assert.deepEqual(parseEtcdLocation('a:2379,b:2379/wh/?cacert=/ca&cert=/c&key=/k'), {
      endpoints: ['a:2379', 'b:2379'],
      prefix: '/wh',
      caFile: '/ca',
      certFile: '/c',
      keyFile: '/k',
    });
    assert.throws(() => parseEtcdLocation(''), /names no endpoint/);
    assert.throws(() => parseEtcdLocation('a:2379?cert=/c'), /both cert and key/);
    assert.throws(() => parseEtcdLocation('a:2379?tls=1'), /unknown etcd:\/\/ parameter tls/);
  });

  it('answers a progress request dropped while its watch replayed once the watch is synced', async () => {
    const b = await openBackend(cluster.url(freshPrefix()));
    const ac = new AbortController();
    try {
      const from = (await b.create('/p/0', Buffer.from('0'))).modRevision;
      for (let i = 0; i < 3; i++) await b.create(`/q/${i}`, Buffer.from('x'));
      // Behind etcd's revision on a quiet prefix: replaying, so this etcd's answers cannot be trusted yet.
      const it = b
        .watch('/p/', from, { progressIntervalMs: 60_000, signal: ac.signal })
        [Symbol.asyncIterator]();
      const first = it.next();
      await sleep(100);
      await b.requestProgress();
      const written = (await b.create('/p/1', Buffer.from('1'))).modRevision;
      const event = await first;
      assert.ok(!event.done);
      assert.deepEqual(
        event.value.events.map((e) => e.kv.modRevision),
        [written],
      );
      // The event proves the watch synced; the answer it was owed follows without another request.
      // Within 15 s: the idle interval is 60 s, and a loaded host can take seconds.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), 15_000);
      });
      const progress = await Promise.race([it.next(), late]).finally(() => clearTimeout(timer));
      assert.notEqual(progress, 'late', 'no progress notification after the watch synced');
      if (progress === 'late' || progress.done) return;
      assert.deepEqual(progress.value.events, []);
      assert.ok(progress.value.revision >= written);
    } finally {
      ac.abort();
      await b.close();
    }
  });

  it('keeps prefixes apart and refuses a write whose guard fails with the current key-value', async () => {
    const a = await openBackend(cluster.url(freshPrefix()));
    const b = await openBackend(cluster.url(freshPrefix()));
    try {
      const kv = await a.create('/registry/pods/x', Buffer.from('a'));
      assert.equal((await b.get('/registry/pods/x')).kv, undefined);
      assert.equal((await b.count('')).count, 0);
      await b.create('/registry/pods/x', Buffer.from('b'));
      const err = await a.update('/registry/pods/x', Buffer.from('a2'), kv.modRevision - 1).catch((e) => e);
      assert.ok(err instanceof StoreError && err.storeReason === 'Conflict');
      assert.equal(err.current?.value.toString(), 'a');
      assert.equal(err.current?.key, '/registry/pods/x');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('survives SIGKILL of the leader it talks to: writes resume within seconds, nothing acknowledged is lost', async (t) => {
    const leader = await cluster.leader();
    const b = await openVia(leader);
    const ac = new AbortController();
    try {
      const watch = watchInto(b.watch('/load/', b.currentRevision(), { signal: ac.signal }));
      const writers = startWriters(b);
      await waitFor('writes before the kill', () => writers.acked.size >= 50, 10_000);
      const killedAt = Date.now();
      await cluster.kill(leader);
      await waitFor('writes after the kill', () => writers.sentAfter(killedAt).length >= 20, 30_000);
      const resumedMs = Math.min(...writers.sentAfter(killedAt).map((a) => a.ackedAt)) - killedAt;
      await writers.stop();
      t.diagnostic(`writes resumed ${resumedMs} ms after the kill; ${writers.failed.size} failed meanwhile`);
      // An election takes 1–2 election timeouts (1 s each by default); the rest is headroom
      // for a loaded host, whose members, short of CPU, may need several elections.
      assert.ok(resumedMs < 15_000, `writes resumed ${resumedMs} ms after the leader was killed`);
      const last = Math.max(...[...writers.acked.values()].map((a) => a.revision));
      await waitFor(
        'the watch to catch up',
        () => (watch.events.at(-1)?.kv.modRevision ?? 0) >= last,
        10_000,
      );
      assert.equal(watch.failure(), undefined);
      assert.notEqual(
        (b as EtcdBackend).endpoint,
        cluster.endpoints[leader],
        'the driver moved to another member',
      );
      await checkNothingLost(b, writers, watch.events);
    } finally {
      ac.abort();
      await b.close();
      await cluster.restart(leader);
      await cluster.healthy();
    }
  });

  it('writes on without a failure while a follower is killed; a watch on that follower moves on', async () => {
    const leader = await cluster.leader();
    const follower = (leader + 1) % cluster.members.length;
    const prefix = freshPrefix();
    const writer = await openVia(leader, prefix);
    const reader = await openVia(follower, prefix);
    const ac = new AbortController();
    try {
      const watch = watchInto(reader.watch('/load/', writer.currentRevision(), { signal: ac.signal }));
      const writers = startWriters(writer);
      await waitFor('writes before the kill', () => writers.acked.size >= 50, 10_000);
      const killedAt = Date.now();
      await cluster.kill(follower);
      await waitFor('writes after the kill', () => writers.sentAfter(killedAt).length >= 100, 10_000);
      await writers.stop();
      assert.deepEqual(writers.errors, [], 'no write failed');
      const last = Math.max(...[...writers.acked.values()].map((a) => a.revision));
      await waitFor(
        'the watch to catch up',
        () => (watch.events.at(-1)?.kv.modRevision ?? 0) >= last,
        10_000,
      );
      assert.equal(watch.failure(), undefined);
      assert.notEqual((reader as EtcdBackend).endpoint, cluster.endpoints[follower], 'the watch moved');
      await checkNothingLost(writer, writers, watch.events);
    } finally {
      ac.abort();
      await writer.close();
      await reader.close();
      await cluster.restart(follower);
      await cluster.healthy();
    }
  });

  it('fails writes and reads with UNAVAILABLE within seconds without quorum, and recovers with it', async (t) => {
    const leader = await cluster.leader();
    const others = [1, 2].map((d) => (leader + d) % cluster.members.length);
    const b = await openVia(leader);
    try {
      await b.create('/q/before', Buffer.from('x'));
      await Promise.all(others.map((i) => cluster.kill(i)));
      const unavailable = async (what: string, call: () => Promise<unknown>) => {
        const started = Date.now();
        const err = await call().then(
          () => assert.fail(`${what} succeeded without quorum`),
          (e: unknown) => e,
        );
        const tookMs = Date.now() - started;
        t.diagnostic(`${what} without quorum failed after ${tookMs} ms: ${(err as Error).message}`);
        assert.ok(err instanceof StoreError, `${what}: ${err}`);
        assert.equal(err.code, status.UNAVAILABLE, err.message);
        assert.ok(tookMs < 9000, `${what} took ${tookMs} ms to fail`);
      };
      await unavailable('a create', () => b.create('/q/during', Buffer.from('x')));
      await unavailable('a read', () => b.get('/q/before'));
      await unavailable('an update', () => b.update('/q/before', Buffer.from('y'), 0));
      await cluster.restart(others[0]!);
      const restartedAt = Date.now();
      for (let i = 0; ; i++) {
        try {
          await b.create(`/q/after/${i}`, Buffer.from('x'));
          break;
        } catch (err) {
          if (Date.now() - restartedAt > 15_000) throw err;
          await sleep(100);
        }
      }
      t.diagnostic(`writes recovered ${Date.now() - restartedAt} ms after a second member came back`);
      assert.equal(
        (await b.get('/q/before')).kv?.value.toString(),
        'x',
        'the write before the loss is there',
      );
    } finally {
      await b.close();
      for (const i of others) if (!cluster.members[i]!.child) await cluster.restart(i);
      await cluster.healthy();
    }
  });

  it('serves one etcd through two store processes: same revisions, every write watched once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-etcd-replicas-'));
    const pki = ensureStorePki(dir); // made once, before both processes would race to make it
    const url = cluster.url(freshPrefix());
    const stores = [0, 1].map(() => spawnStore(dir, ['--backend', url]));
    const clients: StoreClient[] = [];
    const ac = new AbortController();
    try {
      const tls = credentials.createSsl(
        readFileSync(pki.caFile),
        readFileSync(pki.clientKeyFile),
        readFileSync(pki.clientCertFile),
      );
      for (const store of stores) {
        clients.push(new StoreClient({ address: `127.0.0.1:${await store.port()}`, credentials: tls }));
      }
      const [writer, reader] = clients as [StoreClient, StoreClient];
      const start = (await reader.count('/')).revision;
      const events: Event[] = [];
      const watching = (async () => {
        for await (const batch of reader.watch('/registry/', start, { signal: ac.signal })) {
          events.push(...batch.events);
        }
      })().catch(() => {});
      const acked: [string, number][] = [];
      for (let round = 0; round < 10; round++) {
        const kvs = await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            writer.create(`/registry/pods/p${round}-${i}`, Buffer.from('x')),
          ),
        );
        acked.push(...kvs.map((kv): [string, number] => [kv.key, kv.modRevision]));
        const updated = await writer.update(kvs[0]!.key, Buffer.from('y'), kvs[0]!.modRevision);
        acked.push([updated.key, updated.modRevision]);
        // Read-your-writes through the other replica: etcd's reads are linearizable.
        assert.equal((await reader.get(updated.key)).kv?.modRevision, updated.modRevision);
      }
      acked.sort((x, y) => x[1] - y[1]);
      const last = acked.at(-1)![1];
      await waitFor('the watch to catch up', () => (events.at(-1)?.kv.modRevision ?? 0) >= last, 10_000);
      assert.deepEqual(
        events.map((e) => [e.kv.key, e.kv.modRevision]),
        acked,
      );
      ac.abort();
      await watching;
    } finally {
      ac.abort();
      for (const client of clients) client.close();
      for (const store of stores) store.child.kill('SIGTERM');
      await Promise.all(stores.map((s) => s.exited()));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('talks TLS to an etcd that requires client certificates (--etcd-cafile/certfile/keyfile)', async () => {
    const secure = await startEtcdCluster({ size: 1, tls: true });
    try {
      const b = await openBackend(secure.url('/tls'));
      try {
        const kv = await b.create('/registry/x', Buffer.from('1'));
        assert.equal((await b.get('/registry/x')).kv?.modRevision, kv.modRevision);
      } finally {
        await b.close();
      }
      const withoutCertificate = secure.url('/tls').replace(/&cert=.*$/, '');
      await assert.rejects(openBackend(withoutCertificate), (err: Error) =>
        /certificate|handshake|UNAVAILABLE|unavailable/i.test(err.message),
      );
    } finally {
      await secure.close();
    }
  });

  it('refuses --etcd-* flags without an etcd:// backend', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-etcd-flags-'));
    try {
      const store = spawnStore(dir, ['--etcd-cafile', join(dir, 'ca.crt')]);
      assert.notEqual(await store.exited(), 0);
      assert.match(
        store.stderr(),
        /--etcd-cafile, --etcd-certfile and --etcd-keyfile need --backend etcd:\/\//,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
