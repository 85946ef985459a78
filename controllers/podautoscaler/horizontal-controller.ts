/**
 * The HorizontalPodAutoscaler controller (Kubernetes' pkg/controller/podautoscaler):
 * sets the replicas of each HPA's target from the metrics of its pods.
 *
 * One queue keyed by HPA. An HPA is synced when it appears or its spec changes, and then
 * every --horizontal-pod-autoscaler-sync-period; its own status writes queue nothing (they
 * would sync it again at once, and again after the next write). A sync reads the target's
 * scale subresource and the pods' metrics through the API, the pods from the informer's
 * cache, and acts as reconcile-autoscaler.ts says. A status write that meets a conflict
 * fails the sync, which is retried with backoff; any other failure waits for the next
 * period, as Kubernetes' HPA retries. A deleted HPA's recommendations and scale events
 * are forgotten.
 */
import { createController, type ReconcileResult } from '../../sdk/controller/index.js';
import { Code, isApiError } from '../../sdk/errors.js';
import {
  type HorizontalPodAutoscaler,
  HorizontalPodAutoscalerSpec,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { DeletedFinalStateUnknown, keyOf, NAMESPACE_INDEX } from '../../sdk/informers/index.js';
import { matches, type Selector } from '../../sdk/labels/index.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { AutoscalerHistory } from './autoscaler-history.js';
import { podMetricsClient } from './pod-metrics.js';
import { type AutoscalerDeps, type AutoscalerOptions, reconcileAutoscaler } from './reconcile-autoscaler.js';
import { scaleClient } from './scale-target.js';
import { SelectorTracker } from './selector-tracker.js';

export interface HorizontalControllerOptions extends ControllerOptions, AutoscalerOptions {
  /** --horizontal-pod-autoscaler-sync-period, in ms. */
  readonly syncPeriodMs: number;
  /** The clock; the wall clock by default. */
  readonly now?: () => Date;
}

const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T =>
  obj instanceof DeletedFinalStateUnknown ? obj.object : obj;

/** Whether an update changed what the HPA asks for (not only its status). */
function specChanged(old: HorizontalPodAutoscaler, cur: HorizontalPodAutoscaler): boolean {
  if (old.metadata?.generation !== cur.metadata?.generation) return true;
  const json = (hpa: HorizontalPodAutoscaler) =>
    JSON.stringify(
      HorizontalPodAutoscalerSpec.toJSON(HorizontalPodAutoscalerSpec.fromPartial(hpa.spec ?? {})),
    );
  return json(old) !== json(cur);
}

export async function runHorizontalController(
  opts: HorizontalControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const hpas = informers.informerFor<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  const pods = informers.informerFor<Pod>('Pod');
  const history = new AutoscalerHistory();
  const selectors = new SelectorTracker();
  const hpaClient = clients.kind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  const deps: AutoscalerDeps = {
    scales: scaleClient(clients.api),
    metrics: podMetricsClient(clients.api),
    podsMatching: (namespace: string, selector: Selector) =>
      pods.indexer
        .byIndex(NAMESPACE_INDEX, namespace)
        .filter((pod) => matches(selector, pod.metadata?.labels)),
    events,
    history,
    selectors,
    options: opts,
    now: opts.now ?? (() => new Date()),
    updateStatus: (hpa: HorizontalPodAutoscaler) => hpaClient.updateStatus(hpa),
  };

  const forget = (namespace: string, name: string) => {
    history.delete(`${namespace}/${name}`);
    selectors.delete(namespace, name);
  };

  async function sync(namespace: string, name: string): Promise<ReconcileResult | undefined> {
    const key = `${namespace}/${name}`;
    const hpa = hpas.indexer.get(key);
    if (hpa === undefined) {
      forget(namespace, name);
      return undefined;
    }
    try {
      const { error } = await reconcileAutoscaler(deps, hpa, key);
      if (error !== undefined) logger.warn({ hpa: key, error }, 'horizontal pod autoscaler sync failed');
    } catch (err) {
      // Someone changed the HPA since the cache showed it: sync again from the new one, soon.
      if (isApiError(err, Code.ABORTED) || isApiError(err, Code.NOT_FOUND)) throw err;
      logger.warn({ hpa: key, err }, 'horizontal pod autoscaler status write failed');
    }
    return { requeueAfter: opts.syncPeriodMs };
  }

  const controller = createController({
    name: 'horizontalpodautoscaling',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });
  const queue = controller.queue;
  hpas.addEventHandler({
    onAdd: (hpa) => queue.add(keyOf(hpa)),
    onUpdate(old, cur) {
      if (specChanged(old, cur)) queue.add(keyOf(cur));
    },
    onDelete(obj) {
      const hpa = unwrap(obj);
      forget(hpa.metadata?.namespace ?? '', hpa.metadata?.name ?? '');
      queue.forget(keyOf(hpa));
    },
  });

  await Promise.all([hpas.waitForSync(signal), pods.waitForSync(signal)]);
  // A term that ended while the caches synced starts no workers (see the ReplicaSet controller).
  if (signal.aborted) return;
  await controller.run(signal);
}
