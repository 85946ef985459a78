/**
 * The key-value operations, shared by the unary RPCs and the Pipeline stream: each
 * takes the wire request and resolves to the wire response, or throws a StoreError.
 */
import type * as pb from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Backend } from '../types.js';
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
  /** Times a write from its arrival to its durable acknowledgement, failed ones included. */
  const timed = async <T>(op: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await fn();
    } finally {
      metrics?.observeWrite(op, (performance.now() - started) / 1000);
    }
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
    create: (req) =>
      timed('create', async () => ({
        kv: writtenToProto(await backend.create(req.key, req.value, toCount('ttl_seconds', req.ttlSeconds))),
      })),
    update: (req) =>
      timed('update', async () => {
        const expected = toCount('expected_mod_revision', req.expectedModRevision);
        const kv = await backend.update(req.key, req.value, expected, toCount('ttl_seconds', req.ttlSeconds));
        return { kv: writtenToProto(kv) };
      }),
    delete: (req) =>
      timed('delete', async () => {
        const expected = toCount('expected_mod_revision', req.expectedModRevision);
        const { prevKv, revision } = await backend.delete(req.key, expected);
        return { prevKv: kvToProto(prevKv), revision: String(revision) };
      }),
    async requestProgress() {
      return { revision: String(await backend.requestProgress()) };
    },
  };
}
