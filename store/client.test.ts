/**
 * StoreClient's side of the Pipeline protocol against a scripted StoreService on
 * 127.0.0.1: which calls share a message, how many operations it keeps in flight,
 * answers out of order, errors per operation, and a stream that breaks.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  credentials,
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import type { ApiError } from '../sdk/errors.js';
import {
  type PipelineOp,
  type PipelineRequest,
  type PipelineResponse,
  type PipelineResult,
  StoreServiceService,
} from '../sdk/gen/wheelhouse/store/v1/store.js';
import { StoreClient } from './client.js';
import { StoreError } from './types.js';

type Call = ServerDuplexStream<PipelineRequest, PipelineResponse>;

/** What the scripted server saw: the operation count of every message, and the live streams. */
let received: number[] = [];
let held: { call: Call; op: PipelineOp }[] = [];
let onMessage: (call: Call, ops: PipelineOp[]) => void = () => {};
let server: Server;
let address: string;

function createAnswer(op: PipelineOp): PipelineResult {
  const key = op.op?.$case === 'create' ? op.op.value.key : '';
  return {
    id: op.id,
    result: {
      $case: 'create',
      value: {
        kv: {
          key,
          value: Buffer.from(op.id),
          createRevision: '1',
          modRevision: op.id,
          version: '1',
          expiresAtMs: '0',
        },
      },
    },
  };
}

before(async () => {
  server = new Server();
  const unimplemented = (_call: unknown, callback: (err: Error) => void) =>
    callback(new Error('not scripted'));
  const impl: UntypedServiceImplementation = {
    pipeline: (call: Call) => {
      call.on('data', (req: PipelineRequest) => {
        received.push(req.ops.length);
        onMessage(call, req.ops);
      });
      call.on('end', () => call.end());
      call.on('error', () => {});
    },
  };
  for (const name of Object.keys(StoreServiceService)) impl[name] ??= unimplemented;
  server.addService(StoreServiceService, impl);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  address = `127.0.0.1:${port}`;
});

after(() => server.forceShutdown());

beforeEach(() => {
  received = [];
  held = [];
  onMessage = (call, ops) => call.write({ results: ops.map(createAnswer) });
});

const client = () => new StoreClient({ address, credentials: credentials.createInsecure(), readAttempts: 1 });

describe('StoreClient Pipeline', () => {
  it('sends the calls of one turn together, at most 256 operations a message', async () => {
    const c = client();
    try {
      await c.create('/warm', Buffer.from('x'));
      received = [];
      const kvs = await Promise.all(
        Array.from({ length: 300 }, (_, i) => c.create(`/k/${i}`, Buffer.from('x'))),
      );
      assert.deepEqual(received, [256, 44]);
      assert.deepEqual(
        kvs.map((kv) => kv.key),
        Array.from({ length: 300 }, (_, i) => `/k/${i}`),
        'each call gets the answer to its own id',
      );
    } finally {
      c.close();
    }
  });

  it('matches answers that come back in any order, errors per operation', async () => {
    onMessage = (call, ops) => {
      const results = ops.map(createAnswer).reverse();
      results[1] = {
        id: results[1]!.id,
        result: {
          $case: 'error',
          value: { code: status.ALREADY_EXISTS, message: 'exists', compactRevision: '0' },
        },
      };
      // Split over two messages, last operation first.
      call.write({ results: results.slice(0, 2) });
      call.write({ results: results.slice(2) });
    };
    const c = client();
    try {
      const calls = Array.from({ length: 5 }, (_, i) => c.create(`/o/${i}`, Buffer.from('x')));
      const settled = await Promise.allSettled(calls);
      assert.deepEqual(
        settled.map((s) => (s.status === 'fulfilled' ? s.value.key : (s.reason as ApiError).code)),
        ['/o/0', '/o/1', '/o/2', status.ALREADY_EXISTS, '/o/4'],
      );
      assert.ok((settled[3] as PromiseRejectedResult).reason instanceof StoreError);
    } finally {
      c.close();
    }
  });

  it('keeps at most 4096 operations in flight on a stream; the rest wait for answers', async () => {
    onMessage = (call, ops) => {
      for (const op of ops) held.push({ call, op });
    };
    const c = client();
    try {
      const calls = Array.from({ length: 5000 }, (_, i) => c.create(`/f/${i}`, Buffer.from('x')));
      await waitFor(() => held.length >= 4096);
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(held.length, 4096, 'nothing beyond the in-flight bound is sent');
      assert.ok(Math.max(...received) <= 256);
      const first = held.splice(0, 1000);
      first[0]!.call.write({ results: first.map((h) => createAnswer(h.op)) });
      await waitFor(() => held.length >= 3096 + 904);
      assert.equal(held.length, 4000, 'the rest went out as answers came');
      held[0]!.call.write({ results: held.map((h) => createAnswer(h.op)) });
      assert.equal((await Promise.all(calls)).length, 5000);
    } finally {
      c.close();
    }
  });

  it('fails the calls of a broken stream with UNAVAILABLE and opens a new one for the next call', async () => {
    // The server ends the stream with a status while the calls wait for their answers.
    onMessage = (call) =>
      call.emit('error', Object.assign(new Error('going away'), { code: status.UNAVAILABLE }));
    const c = client();
    try {
      const calls = Array.from({ length: 10 }, (_, i) => c.create(`/b/${i}`, Buffer.from('x')));
      for (const s of await Promise.allSettled(calls)) {
        assert.equal(s.status, 'rejected');
        assert.equal((s.reason as ApiError).code, status.UNAVAILABLE);
      }
      onMessage = (call, ops) => call.write({ results: ops.map(createAnswer) });
      assert.equal((await c.create('/b/after', Buffer.from('x'))).key, '/b/after');
    } finally {
      c.close();
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
