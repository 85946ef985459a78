/**
 * The Endpoints controller (Kubernetes' pkg/controller/endpoint): keeps, for every
 * Service with a selector, the Endpoints of the same name listing the addresses of the
 * Pods it selects, ready or not, on the ports they serve.
 *
 * One queue keyed by Service, fed by the Service and Pod informers (a Pod change queues
 * the Services whose selector matches its old or new labels, when something its address
 * shows moved, after `--endpoint-updates-batch-period`) and by Endpoints deletions, which
 * put them back. A sync reads the Service, its Pods and its Endpoints from the caches,
 * plans the Endpoints (endpoints-plan.ts) and creates or updates it, or deletes it when
 * the Service is gone. The Endpoints of a Service without a selector are never touched
 * while the Service exists. Once the caches have synced, every Endpoints is looked at
 * once, so that those whose Service went while the controller was down are deleted.
 */
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from '../../sdk/informers/index.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { onPodServiceChanges } from '../shared/pod-changes.js';
import { createServiceSelectors } from '../shared/service-selectors.js';
import { createTriggerTimeTracker } from '../shared/trigger-time-tracker.js';
import { isManagedService, planEndpoints } from './endpoints-plan.js';

export interface EndpointsControllerOptions extends ControllerOptions {
  /** How long syncs caused by Pod changes wait, so that a burst makes one write (--endpoint-updates-batch-period). */
  readonly batchPeriodMs: number;
}

/**
 * Endpoints that hold a leader-election record (client-go's old Endpoints lock) have no
 * Service and are not this controller's to delete.
 */
export const LEADER_ANNOTATION = 'control-plane.alpha.kubernetes.io/leader';

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isCode = (err: unknown, code: Code) => err instanceof ApiError && err.code === code;
const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T =>
  obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
const keyOf = (obj: { metadata?: { namespace?: string; name?: string } | undefined }) =>
  `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

/**
 * The versions of Endpoints this controller has replaced, by key (Kubernetes'
 * staleEndpointsTracker): a sync whose cache still shows one has not yet seen its own
 * last write, and would act on what that write replaced. A create is remembered as the
 * version '' (none cached) until the cache shows the Endpoints.
 */
function createStaleTracker() {
  const replaced = new Map<string, string>();
  return {
    wrote(key: string, before: Endpoints | undefined) {
      replaced.set(key, before?.metadata?.resourceVersion ?? '');
    },
    isStale(key: string, cached: Endpoints | undefined): boolean {
      const version = replaced.get(key);
      return version !== undefined && version === (cached?.metadata?.resourceVersion ?? '');
    },
    /** The cache moved on for `key`: nothing it shows from now on can be what was replaced. */
    seen(key: string, cached: Endpoints) {
      if (replaced.get(key) !== cached.metadata?.resourceVersion) replaced.delete(key);
    },
    forget: (key: string) => replaced.delete(key),
  };
}

export async function runEndpointsController(
  opts: EndpointsControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const services = informers.informerFor<Service>('Service');
  const pods = informers.informerFor<Pod>('Pod');
  const endpoints = informers.informerFor<Endpoints>('Endpoints');
  const api = clients.kind<Endpoints>('Endpoints');
  const selectors = createServiceSelectors(services);
  const triggerTimes = createTriggerTimeTracker();
  const stale = createStaleTracker();

  const controller = createController({
    name: 'endpoint',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });
  const queue = controller.queue;

  services.addEventHandler({
    onAdd: (svc) => queue.add(keyOf(svc)),
    onUpdate: (_old, cur) => queue.add(keyOf(cur)),
    onDelete: (obj) => queue.add(keyOf(unwrap(obj))),
  });

  const podServicesChanged = (keys: Iterable<string>) => {
    for (const key of keys) {
      if (opts.batchPeriodMs > 0) queue.addAfter(key, opts.batchPeriodMs);
      else queue.add(key);
    }
  };
  onPodServiceChanges(pods, selectors, podServicesChanged);

  endpoints.addEventHandler({
    onAdd: (ep) => stale.seen(keyOf(ep), ep),
    onUpdate: (_old, cur) => stale.seen(keyOf(cur), cur),
    // Deleted by someone else: the sync puts it back (or, without a Service, has nothing to do).
    onDelete(obj) {
      const key = keyOf(unwrap(obj));
      stale.forget(key);
      queue.add(key);
    },
  });

  async function sync(namespace: string, name: string): Promise<undefined> {
    const key = `${namespace}/${name}`;
    const cached = services.indexer.get(key);
    if (!cached) {
      // The Service is gone: so is its Endpoints (Kubernetes sets no owner reference on it).
      try {
        await api.delete(namespace, name);
      } catch (err) {
        if (!isCode(err, Code.NOT_FOUND)) throw err;
      }
      triggerTimes.deleteService(key);
      stale.forget(key);
      return undefined;
    }
    const service: Service = { ...cached, apiVersion: 'v1', kind: 'Service' };
    if (!isManagedService(service)) return undefined;
    const current = endpoints.indexer.get(key);
    if (stale.isStale(key, current)) {
      throw new Error(
        `endpoints informer cache is out of date, resource version ${current?.metadata?.resourceVersion ?? '(none)'} already processed for endpoints ${key}`,
      );
    }
    const selected = selectors.podsOf(cached, pods.indexer.byIndex(NAMESPACE_INDEX, namespace));
    // Computed on every sync, so that the tracker knows what this one saw even when it writes nothing.
    const triggerTime = triggerTimes.compute(key, service, selected);
    const plan = planEndpoints({ service, pods: selected, current, triggerTime });
    if (plan.action === 'none') return undefined;
    try {
      if (plan.action === 'create') await api.create(plan.endpoints);
      else await api.update(plan.endpoints);
      stale.wrote(key, current);
    } catch (err) {
      // The namespace is being terminated: creates will keep failing, and the Service goes with it.
      if (plan.action === 'create' && isCode(err, Code.FAILED_PRECONDITION)) return undefined;
      if (plan.action === 'create') {
        events.event(
          plan.endpoints,
          'Warning',
          'FailedToCreateEndpoint',
          `Failed to create endpoint for service ${key}: ${messageOf(err)}`,
        );
      } else {
        events.event(
          plan.endpoints,
          'Warning',
          'FailedToUpdateEndpoint',
          `Failed to update endpoint ${key}: ${messageOf(err)}`,
        );
      }
      throw err;
    }
    return undefined;
  }

  await Promise.all([services.waitForSync(signal), pods.waitForSync(signal), endpoints.waitForSync(signal)]);
  // A term that ended while the caches synced starts no workers (see the ReplicaSet controller).
  if (signal.aborted) return;
  // Endpoints whose Service was deleted while no controller ran: each sync finds no Service and deletes them.
  for (const ep of endpoints.indexer.list()) {
    if (!Object.hasOwn(ep.metadata?.annotations ?? {}, LEADER_ANNOTATION)) queue.add(keyOf(ep));
  }
  await controller.run(signal);
}
