/**
 * The key-value operations, shared by the unary RPCs and the Pipeline stream: each
 * takes the wire request and resolves to the wire response, or throws a StoreError.
 * Writes also have a callback form, `write`, which the Pipeline uses: a message of
 * many writes then costs no promise chain per write.
 */
import type * as pb from '../../sdk/gen/wheelhouse/store/v1/store.js';
import { type Backend, type Event, tombstone, type WriteCallback, type WriteRequest } from '../types.js';
import { toCount } from '../validate.js';
import { deleteResponse, kvToProto, putResponse } from './convert.js';
import type { StoreMetrics } from './metrics.js';

/** A write as the Pipeline carries it. */
export type WriteOperation = Extract<
  NonNullable<pb.PipelineOp['op']>,
  { $case: 'create' | 'update' | 'delete' }
>;

export interface Operations {
  get(req: pb.GetRequest): Promise<pb.GetResponse>;
  list(req: pb.ListRequest): Promise<pb.ListResponse>;
  count(req: pb.CountRequest): Promise<pb.CountResponse>;
  create(req: pb.CreateRequest): Promise<pb.CreateResponse>;
  update(req: pb.UpdateRequest): Promise<pb.UpdateResponse>;
  delete(req: pb.DeleteRequest): Promise<pb.DeleteResponse>;
  requestProgress(req: pb.RequestProgressRequest): Promise<pb.RequestProgressResponse>;
  /** Calls `done` (never before returning) with the write's event once it is durable, or with its refusal. */
  write(op: WriteOperation, done: WriteCallback): void;
}

export function createOperations(backend: Backend, metrics?: StoreMetrics): Operations {
  const write = (op: WriteOperation, done: WriteCallback): void => {
    let request: WriteRequest;
    try {
      request = toWriteRequest(op);
    } catch (err) {
      process.nextTick(done, err);
      return;
    }
    // Timed from arrival to durable acknowledgement, refusals included.
    const answer: WriteCallback = metrics ? timedCallback(done, op.$case, metrics, performance.now()) : done;
    if (backend.write) backend.write(request, answer);
    else writeThroughPromises(backend, request).then((event) => answer(undefined, event), answer);
  };
  return {
    async get(req) {
      const { kv, revision } = await backend.get(req.key, toCount('revision', req.revision));
      return { kv: kv ? kvToProto(kv) : undefined, revision: String(revision) };
    },
    async list(req) {
      const res = await backend.list(req.prefix, {
        revision: toCount('revision', req.revision),
        limit: toCount('limit', req.limit),
        startAfter: req.startAfter,
        keysOnly: req.keysOnly,
      });
      return { kvs: res.kvs.map(kvToProto), revision: String(res.revision), more: res.more };
    },
    async count(req) {
      const { count, revision } = await backend.count(req.prefix);
      return { count: String(count), revision: String(revision) };
    },
    create: (req) => promised(write, { $case: 'create', value: req }).then(putResponse),
    update: (req) => promised(write, { $case: 'update', value: req }).then(putResponse),
    delete: (req) => promised(write, { $case: 'delete', value: req }).then(deleteResponse),
    async requestProgress() {
      return { revision: String(await backend.requestProgress()) };
    },
    write,
  };
}

function toWriteRequest(op: WriteOperation): WriteRequest {
  switch (op.$case) {
    case 'create':
      return {
        kind: 'create',
        key: op.value.key,
        value: op.value.value,
        ttlSeconds: toCount('ttl_seconds', op.value.ttlSeconds),
      };
    case 'update':
      return {
        kind: 'update',
        key: op.value.key,
        value: op.value.value,
        expectedModRevision: toCount('expected_mod_revision', op.value.expectedModRevision),
        ttlSeconds: toCount('ttl_seconds', op.value.ttlSeconds),
      };
    case 'delete':
      return {
        kind: 'delete',
        key: op.value.key,
        expectedModRevision: toCount('expected_mod_revision', op.value.expectedModRevision),
      };
  }
}

function timedCallback(
  done: WriteCallback,
  op: string,
  metrics: StoreMetrics,
  started: number,
): WriteCallback {
  return (err, event) => {
    metrics.observeWrite(op, (performance.now() - started) / 1000);
    done(err, event);
  };
}

function promised(write: Operations['write'], op: WriteOperation): Promise<Event> {
  return new Promise<Event>((resolve, reject) =>
    write(op, (err, event) => (event ? resolve(event) : reject(err))),
  );
}

/** A write through the promise methods, for a backend without the callback path. */
async function writeThroughPromises(backend: Backend, request: WriteRequest): Promise<Event> {
  switch (request.kind) {
    case 'create':
      return { type: 'put', kv: await backend.create(request.key, request.value, request.ttlSeconds) };
    case 'update': {
      const { key, value, expectedModRevision, ttlSeconds } = request;
      return { type: 'put', kv: await backend.update(key, value, expectedModRevision, ttlSeconds) };
    }
    case 'delete': {
      const { prevKv, revision } = await backend.delete(request.key, request.expectedModRevision);
      return { type: 'delete', kv: tombstone(request.key, revision), prevKv };
    }
  }
}
