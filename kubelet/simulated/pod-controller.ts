/**
 * The simulated nodes' pods: one informer over every bound pod (`spec.nodeName!=`, the
 * apiserver cannot select a set of nodes) that keeps only those on this process's nodes,
 * and a controller whose workers move each pod through the stages of pod-stages.ts. A
 * reconcile reads the pod from the cache, computes its next action, and writes only what
 * changed; a stage that is not due yet comes back through the queue's delayed add, so
 * nothing ever scans all pods.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { updatePodStatusesStream } from '../../sdk/client/update-pod-statuses-stream.js';
import { type Controller, createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  DeletedFinalStateUnknown,
  informerMetrics,
  type ListerWatcher,
  listWatchOf,
  SharedInformer,
} from '../../sdk/informers/index.js';
import { kinds } from '../../sdk/kinds.js';
import type { Logger } from '../../sdk/logger.js';
import {
  createBucketRateLimiter,
  createItemExponentialFailureRateLimiter,
  createMaxOfRateLimiter,
} from '../../sdk/workqueue/index.js';
import type { PodIPAllocator } from './addresses.js';
import { nextPodAction } from './pod-stages.js';

/** What the controller needs of one simulated node. */
export interface SimulatedNodeSlot {
  readonly hostIP: string;
  readonly podIPs: PodIPAllocator;
}

export interface SimulatedPodControllerOptions {
  readonly api: ApiClient;
  readonly pods: TypedClient<Pod>;
  /** This process's nodes, by name. */
  readonly nodes: ReadonlyMap<string, SimulatedNodeSlot>;
  readonly startupDelayMs: number;
  readonly workers: number;
  readonly logger: Logger;
  readonly registry?: Registry;
}

export interface SimulatedPodController {
  readonly informer: SharedInformer<Pod>;
  readonly controller: Controller;
  /** Runs the informer and the workers until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/** Bound pods, narrowed to those on `nodes`: a pod's node never changes once bound, so the filter is stable. */
function boundPodsOf(api: ApiClient, nodes: ReadonlyMap<string, unknown>): ListerWatcher<Pod> {
  const info = kinds.find((k) => k.kind === 'Pod');
  if (!info) throw new Error('the kind table has no Pod');
  // Without managed fields: never read here, and most of what holding every bound pod costs.
  const source = listWatchOf<Pod>(api, info, { fieldSelector: 'spec.nodeName!=', managedFields: false });
  const ours = (pod: Pod) => nodes.has(pod.spec?.nodeName ?? '');
  return {
    async list(opts) {
      const page = await source.list(opts);
      return { ...page, items: page.items.filter(ours) };
    },
    async *watch(opts, signal) {
      for await (const events of source.watch(opts, signal)) {
        // Bookmarks carry no pod but keep the resume point current.
        yield events.filter((e) => e.type === 'BOOKMARK' || ours(e.object));
      }
    },
  };
}

function podMetrics(registry: Registry | undefined) {
  if (!registry) return undefined;
  return {
    writes: new Counter({
      name: 'simulated_kubelet_pod_status_writes_total',
      help: 'Pod status writes, by the stage that made them.',
      labelNames: ['stage'],
      registers: [registry],
    }),
    deletions: new Counter({
      name: 'simulated_kubelet_pod_deletions_confirmed_total',
      help: 'Graceful deletions confirmed with a grace-period-0 delete.',
      registers: [registry],
    }),
    startup: new Histogram({
      name: 'simulated_kubelet_pod_startup_seconds',
      help: 'From the binding (PodScheduled) to the Running status written.',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}

export function createSimulatedPodController(opts: SimulatedPodControllerOptions): SimulatedPodController {
  const metrics = podMetrics(opts.registry);
  const informer = new SharedInformer<Pod>(boundPodsOf(opts.api, opts.nodes), {
    name: 'pods simulated-nodes',
    logger: opts.logger,
    ...(opts.registry ? { metrics: informerMetrics(opts.registry) } : {}),
  });
  /** When each pod (by uid) was first seen here: the startup delay counts from it. */
  const seenAt = new Map<string, Date>();
  const slotOf = (pod: Pod) => opts.nodes.get(pod.spec?.nodeName ?? '');
  const terminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  // Every status write goes over one pipelined stream (unary UpdatePodStatus against an
  // apiserver without it): one write per pod and stage, the bulk of what the nodes send.
  const statuses = updatePodStatusesStream(opts.api);

  informer.addEventHandler({
    // Before any worker runs (the controller waits for the sync), pods found with an
    // address keep it: a restarted simulator hands out no address twice.
    onAdd(pod) {
      const uid = pod.metadata?.uid ?? '';
      if (!seenAt.has(uid)) seenAt.set(uid, new Date());
      const ip = pod.status?.podIp ?? '';
      if (ip !== '' && !terminal(pod)) slotOf(pod)?.podIPs.reserve(uid, ip);
    },
    onDelete(obj) {
      const pod = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      const uid = pod.metadata?.uid ?? '';
      seenAt.delete(uid);
      slotOf(pod)?.podIPs.release(uid);
    },
  });

  const confirmDeletion = async (pod: Pod) => {
    const meta = pod.metadata;
    await opts.pods
      .delete(meta?.namespace ?? '', meta?.name ?? '', {
        gracePeriodSeconds: '0',
        preconditions: { uid: meta?.uid ?? '', resourceVersion: '' },
      })
      .catch((err: unknown) => {
        // Gone already, or a new pod of the same name: nothing of ours to confirm.
        if (!(err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)))
          throw err;
      });
    metrics?.deletions.inc();
  };

  const controller = createController({
    name: 'simulated-kubelet',
    workers: opts.workers,
    // Retries back off per pod (5 ms doubling to 30 s) under an overall 500/s: the
    // controllers' default of 10/s overall would let a burst of failures among
    // thousands of pods stall every pod behind them.
    rateLimiter: createMaxOfRateLimiter<string>(
      createItemExponentialFailureRateLimiter(5, 30_000),
      createBucketRateLimiter({ qps: 500, burst: 1000 }),
    ),
    logger: opts.logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    async reconcile({ namespace, name }) {
      const pod = informer.indexer.get(`${namespace}/${name}`);
      if (!pod) return undefined;
      const slot = slotOf(pod);
      if (!slot) return undefined;
      const uid = pod.metadata?.uid ?? '';
      const now = new Date();
      const current = pod.status?.podIp ?? '';
      const podIP = current !== '' && slot.podIPs.reserve(uid, current) ? current : slot.podIPs.allocate(uid);
      const action = nextPodAction(pod, {
        hostIP: slot.hostIP,
        podIP,
        now,
        startupDelayMs: opts.startupDelayMs,
        seenAt: seenAt.get(uid) ?? now,
      });
      switch (action.type) {
        case 'none':
          if (terminal(pod)) slot.podIPs.release(uid);
          return undefined;
        case 'wait':
          return { requeueAfter: action.afterMs };
        case 'status': {
          try {
            await statuses.updateStatus({ ...pod, status: action.status });
          } catch (err) {
            if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
            throw err;
          }
          metrics?.writes.inc({ stage: action.stage ?? '' });
          if (action.status.phase === 'Running' && pod.status?.phase !== 'Running') {
            const scheduled = pod.status?.conditions.find(
              (c) => c.type === 'PodScheduled',
            )?.lastTransitionTime;
            if (scheduled) metrics?.startup.observe(Math.max(0, Date.now() - scheduled.getTime()) / 1000);
          }
          if (action.status.phase === 'Succeeded' || action.status.phase === 'Failed')
            slot.podIPs.release(uid);
          return action.requeueAfterMs === undefined ? undefined : { requeueAfter: action.requeueAfterMs };
        }
        case 'confirm-deletion':
          if (action.finalStatus) {
            await statuses.updateStatus({ ...pod, status: action.finalStatus }).catch((err: unknown) => {
              if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
            });
          }
          await confirmDeletion(pod);
          return undefined;
      }
    },
  });
  controller.watch(informer);

  return {
    informer,
    controller,
    async run(signal) {
      try {
        await Promise.all([informer.run(signal), controller.run(signal)]);
      } finally {
        statuses.close();
      }
    },
  };
}
