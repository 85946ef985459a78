/**
 * A controller: informers feed keys into a rate-limited work queue, and N workers call
 * `reconcile({namespace, name})` for each, as controller-runtime does.
 *
 * - Level-based: a reconcile reads the current state (from informer caches) and acts;
 *   it is told only which object to look at, never what changed. Keys queued many times
 *   while waiting are reconciled once; one key is never reconciled by two workers at once.
 * - An error re-queues the key with per-key exponential backoff; a TerminalError does not
 *   (it is logged and the key forgotten until something changes again).
 * - `{ requeueAfter }` reconciles the key again after that long, with no error counted.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { SharedInformer } from '../informers/shared-informer.js';
import { DeletedFinalStateUnknown, keyOf, splitKey } from '../informers/types.js';
import type { KindObject } from '../kind-registry.js';
import type { Logger } from '../logger.js';
import { createRateLimitingQueue, type RateLimiter, type RateLimitingQueue } from '../workqueue/index.js';

export interface ReconcileRequest {
  readonly namespace: string;
  readonly name: string;
}

export interface ReconcileResult {
  /** Reconcile this key again after this many milliseconds. */
  readonly requeueAfter?: number;
}

export type Reconciler = (req: ReconcileRequest, signal: AbortSignal) => Promise<ReconcileResult | undefined>;

/** An error that retrying cannot fix (an invalid spec): logged, not re-queued. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

export interface ControllerOptions {
  /** Names the controller in logs, metrics and its queue's metrics. */
  readonly name: string;
  readonly reconcile: Reconciler;
  /** Concurrent reconciles (default 1); never two for the same key. */
  readonly workers?: number;
  readonly logger?: Logger;
  readonly registry?: Registry;
  /** Default: per-key 5 ms doubling to 1000 s, and 10 qps / burst 100 overall. */
  readonly rateLimiter?: RateLimiter<string>;
}

export interface Controller {
  readonly name: string;
  readonly queue: RateLimitingQueue<string>;
  /**
   * Reconciles the objects of `informer` whenever they change; `map` turns an object
   * into the requests to reconcile (its owner, say); by default the object itself.
   * Must be called before `run`.
   */
  watch<T extends KindObject>(informer: SharedInformer<T>, map?: (obj: T) => ReconcileRequest[]): void;
  /** Queues one request directly. */
  enqueue(req: ReconcileRequest): void;
  /** Waits for its informers to sync, then reconciles until `signal` aborts; resolves when the workers are done. */
  run(signal: AbortSignal): Promise<void>;
}

interface ControllerMetrics {
  total: Counter<'controller' | 'result'>;
  errors: Counter<'controller'>;
  time: Histogram<'controller'>;
}
const perRegistry = new WeakMap<Registry, ControllerMetrics>();

function metricsOf(registry: Registry): ControllerMetrics {
  let m = perRegistry.get(registry);
  if (!m) {
    m = {
      total: new Counter({
        name: 'controller_runtime_reconcile_total',
        help: 'Reconciles, by result (success, error, requeue_after, terminal_error).',
        labelNames: ['controller', 'result'],
        registers: [registry],
      }),
      errors: new Counter({
        name: 'controller_runtime_reconcile_errors_total',
        help: 'Reconciles that failed.',
        labelNames: ['controller'],
        registers: [registry],
      }),
      time: new Histogram({
        name: 'controller_runtime_reconcile_time_seconds',
        help: 'Time of one reconcile.',
        labelNames: ['controller'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers: [registry],
      }),
    };
    perRegistry.set(registry, m);
  }
  return m;
}

export function createController(opts: ControllerOptions): Controller {
  const name = opts.name;
  const queue = createRateLimitingQueue<string>({
    name,
    ...(opts.registry ? { registry: opts.registry } : {}),
    ...(opts.rateLimiter ? { rateLimiter: opts.rateLimiter } : {}),
  });
  const metrics = opts.registry ? metricsOf(opts.registry) : undefined;
  const informers: SharedInformer<KindObject>[] = [];
  const keyOfRequest = (req: ReconcileRequest) =>
    req.namespace === '' ? req.name : `${req.namespace}/${req.name}`;

  const worker = async (signal: AbortSignal) => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let result = 'success';
      try {
        const outcome = await opts.reconcile(splitKey(key), signal);
        queue.forget(key);
        if (outcome?.requeueAfter !== undefined && outcome.requeueAfter >= 0) {
          result = 'requeue_after';
          queue.addAfter(key, outcome.requeueAfter);
        }
      } catch (err) {
        metrics?.errors.inc({ controller: name });
        if (err instanceof TerminalError) {
          result = 'terminal_error';
          queue.forget(key);
          opts.logger?.error({ controller: name, key, err }, 'reconcile failed for good');
        } else {
          result = 'error';
          opts.logger?.warn(
            { controller: name, key, err, retries: queue.numRequeues(key) },
            'reconcile failed; retrying',
          );
          queue.addRateLimited(key);
        }
      } finally {
        metrics?.time.observe({ controller: name }, (performance.now() - started) / 1000);
        metrics?.total.inc({ controller: name, result });
        queue.done(key);
      }
    }
  };

  return {
    name,
    queue,
    watch<T extends KindObject>(informer: SharedInformer<T>, map?: (obj: T) => ReconcileRequest[]) {
      const enqueueObj = (obj: T) => {
        if (map) for (const req of map(obj)) queue.add(keyOfRequest(req));
        else queue.add(keyOf(obj));
      };
      informer.addEventHandler({
        onAdd: enqueueObj,
        onUpdate: (_old, obj) => enqueueObj(obj),
        onDelete: (obj) => enqueueObj(obj instanceof DeletedFinalStateUnknown ? obj.object : obj),
      });
      informers.push(informer as unknown as SharedInformer<KindObject>);
    },
    enqueue: (req) => queue.add(keyOfRequest(req)),
    async run(signal) {
      const stop = () => queue.shutDown();
      signal.addEventListener('abort', stop, { once: true });
      try {
        // An abort listener added after the abort never fires: check, or workers would never stop.
        if (signal.aborted) return;
        const synced = await Promise.all(informers.map((i) => i.waitForSync(signal)));
        if (!synced.every(Boolean) || signal.aborted) return;
        opts.logger?.info({ controller: name, workers: opts.workers ?? 1 }, 'starting workers');
        await Promise.all(Array.from({ length: Math.max(1, opts.workers ?? 1) }, () => worker(signal)));
      } finally {
        signal.removeEventListener('abort', stop);
        queue.shutDown();
      }
    },
  };
}
