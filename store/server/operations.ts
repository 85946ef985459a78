/**
 * The key-value operations, shared by the unary RPCs and the Pipeline stream: each
 * takes the wire request and resolves to the wire response, or throws a StoreError.
 */
import type * as pb from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Backend, KeyValue } from '../types.js';
import { toCount } from '../validate.js';
import { kvToProto, writtenToProto } from './convert.js';
import type { StoreMetrics } from './metrics.js';

export interface Operations {
  get(req: pb.GetRequest): Promise<pb.GetResponse>;
  list(req: pb.ListRequest): Promise<pb.ListResponse>;
  count(req: pb.CountRequest): Promise<pb.CountResponse>;
  create(req: pb.CreateRequest): Promise<pb.CreateResponse>;
  update(req: pb.UpdateRequest): Promise<pb.UpdateResponse>;
  delete(req: pb.DeleteRequest): Promise<pb.DeleteResponse>;
  requestProgress(req: pb.RequestProgressRequest): Promise<pb.RequestProgressResponse>;
}

export function createOperations(backend: Backend, metrics?: StoreMetrics): Operations {
  /**
   * Times a write from its arrival to its durable acknowledgement, failed ones included.
   * The timing hangs off the side of the write's promise, so the answer does not wait
   * for it.
   */
  const timed = <T>(op: string, write: Promise<T>): Promise<T> => {
    if (metrics) {
      const started = performance.now();
      const done = () => metrics.observeWrite(op, (performance.now() - started) / 1000);
      write.then(done, done);
    }
    return write;
  };
  const written = (kv: KeyValue): { kv: pb.KeyValue } => ({ kv: writtenToProto(kv) });
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
    // Writes are chains of plain promises, not async functions: each await would add a
    // turn of the microtask queue to every write of a group commit.
    create: (req) =>
      timed(
        'create',
        rejecting(() => backend.create(req.key, req.value, toCount('ttl_seconds', req.ttlSeconds))).then(
          written,
        ),
      ),
    update: (req) =>
      timed(
        'update',
        rejecting(() =>
          backend.update(
            req.key,
            req.value,
            toCount('expected_mod_revision', req.expectedModRevision),
            toCount('ttl_seconds', req.ttlSeconds),
          ),
        ).then(written),
      ),
    delete: (req) =>
      timed(
        'delete',
        rejecting(() =>
          backend.delete(req.key, toCount('expected_mod_revision', req.expectedModRevision)),
        ).then(({ prevKv, revision }) => ({ prevKv: kvToProto(prevKv), revision: String(revision) })),
      ),
    async requestProgress() {
      return { revision: String(await backend.requestProgress()) };
    },
  };
}

/** `start()`, with an error it throws before returning its promise turned into a rejection. */
function rejecting<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (err) {
    return Promise.reject(err);
  }
}
