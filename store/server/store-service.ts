import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import type { StoreServiceServer } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Logger } from '../../sdk/logger.js';
import { asyncServerStream, asyncUnary } from '../../sdk/server/index.js';
import type { Backend } from '../types.js';
import { toCount } from '../validate.js';
import type { StoreMetrics } from './metrics.js';
import { createOperations } from './operations.js';
import { pipelineHandler } from './pipeline.js';
import { serveWatch } from './watch.js';
import { toWireError } from './wire-errors.js';

/** Wraps an operation so that its StoreErrors leave with their trailers. */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>) {
  return asyncUnary<Req, Res>(async (req) => {
    try {
      return await fn(req);
    } catch (err) {
      throw toWireError(err);
    }
  });
}

/** The wheelhouse.store.v1.StoreService implementation over a backend. */
export function createStoreService(
  backend: Backend,
  logger: Logger,
  metrics?: StoreMetrics,
): StoreServiceServer & UntypedServiceImplementation {
  const ops = createOperations(backend, metrics);
  return {
    get: unary(ops.get),
    list: unary(ops.list),
    count: unary(ops.count),
    create: unary(ops.create),
    update: unary(ops.update),
    delete: unary(ops.delete),
    requestProgress: unary(ops.requestProgress),
    compact: unary(async (req) => ({
      compactRevision: String(await backend.compact(toCount('revision', req.revision))),
    })),
    status: unary(async () => {
      const s = await backend.status();
      return {
        revision: String(s.revision),
        compactRevision: String(s.compactRevision),
        keys: String(s.keys),
        dbSizeBytes: String(s.dbSizeBytes),
        backend: s.backend,
      };
    }),
    watch: asyncServerStream((req, call, signal) => serveWatch(backend, req, call, signal)),
    pipeline: pipelineHandler(ops, logger),
  };
}
