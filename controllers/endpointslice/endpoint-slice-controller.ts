/**
 * The EndpointSlice controller (Kubernetes' pkg/controller/endpointslice with the
 * k8s.io/endpointslice reconciler): keeps, for every Service with a selector, the
 * EndpointSlices that list the addresses of the Pods it selects, with their readiness
 * and the ports they serve on.
 *
 * One queue keyed by Service. A sync reads from the caches the Service, its namespace's
 * Pods that the selector matches, their Nodes (for the zone) and the Service's managed
 * slices; it waits while the slice cache lags behind its own last writes (the tracker),
 * plans the slices as data (slice-plan.ts) and writes the plan: creates, updates in
 * place, deletes. Writes that fail, and Pods whose Node is unknown, fail the sync with a
 * FailedToUpdateEndpointSlices Event on the Service, and it is retried with backoff.
 */
import { createController, type ReconcileResult } from '../../sdk/controller/index.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import {
  DeletedFinalStateUnknown,
  indexByNodeName,
  NAMESPACE_INDEX,
  NODE_NAME_INDEX,
} from '../../sdk/informers/index.js';
import {
  createBucketRateLimiter,
  createItemExponentialFailureRateLimiter,
  createMaxOfRateLimiter,
} from '../../sdk/workqueue/index.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { createEndpointSliceTracker } from '../shared/endpoint-slice-tracker.js';
import { onPodServiceChanges } from '../shared/pod-changes.js';
import { createServiceSelectors } from '../shared/service-selectors.js';
import { slicesByService } from '../shared/slices-by-service.js';
import { createTriggerTimeTracker } from '../shared/trigger-time-tracker.js';
import { desiredEndpoints, type PortGroup } from './desired-endpoints.js';
import { isManagedService, isManagedSlice, serviceKeyOf } from './managed-slices.js';
import { addressTypesOf, ZONE_LABEL } from './pod-endpoint.js';
import { planSlices } from './slice-plan.js';
import { createSliceWriter } from './slice-writer.js';
import { syncMetrics } from './sync-metrics.js';

export interface EndpointSliceControllerOptions extends ControllerOptions {
  /** At most this many endpoints in one slice (--max-endpoints-per-slice). */
  readonly maxEndpointsPerSlice: number;
  /** How long syncs caused by Pod changes wait, so that a burst makes one write (--endpointslice-updates-batch-period). */
  readonly batchPeriodMs: number;
}

/** A change to a slice syncs its Service this much later at least, so that changes to several slices make one sync. */
const SLICE_CHANGE_MIN_DELAY_MS = 1_000;
/** A sync that found the cache behind its own writes looks again this much later, unless the writes show up first. */
const STALE_CACHE_RECHECK_MS = 1_000;

/**
 * Retries as Kubernetes' EndpointSlice controller spaces them: 1 s doubling to 1000 s per
 * Service (a failed sync may have written many slices; retrying at once would hammer the
 * apiserver), and 10 a second overall after a burst of 100.
 */
const syncRateLimiter = () =>
  createMaxOfRateLimiter<string>(
    createItemExponentialFailureRateLimiter(1_000, 1_000_000),
    createBucketRateLimiter({ qps: 10, burst: 100 }),
  );

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T =>
  obj instanceof DeletedFinalStateUnknown ? obj.object : obj;

export async function runEndpointSliceController(
  opts: EndpointSliceControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const services = informers.informerFor<Service>('Service');
  const pods = informers.informerFor<Pod>('Pod', {}, { [NODE_NAME_INDEX]: indexByNodeName });
  const nodes = informers.informerFor<Node>('Node');
  const slices = informers.informerFor<EndpointSlice>('EndpointSlice');
  const slicesOf = slicesByService(slices.indexer);
  const selectors = createServiceSelectors(services);
  const tracker = createEndpointSliceTracker();
  const triggerTimes = createTriggerTimeTracker();
  const metrics = syncMetrics(opts.registry);
  const write = createSliceWriter(clients.kind<EndpointSlice>('EndpointSlice'), tracker, metrics);
  /** Services whose last sync found the cache behind its own writes: synced again as soon as it catches up. */
  const waitingForCache = new Set<string>();

  const controller = createController({
    name: 'endpointslice',
    workers: opts.workers,
    logger,
    rateLimiter: syncRateLimiter(),
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(`${namespace}/${name}`),
  });
  const queue = controller.queue;
  const enqueueAfter = (key: string, ms: number) => (ms > 0 ? queue.addAfter(key, ms) : queue.add(key));

  services.addEventHandler({
    onAdd: (svc) => queue.add(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`),
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      queue.add(`${cur.metadata?.namespace ?? ''}/${cur.metadata?.name ?? ''}`);
    },
    onDelete(obj) {
      const svc = unwrap(obj);
      queue.add(`${svc.metadata?.namespace ?? ''}/${svc.metadata?.name ?? ''}`);
    },
  });

  // Pod changes are batched (--endpointslice-updates-batch-period): a rollout moves many at once.
  const podServicesChanged = (keys: Iterable<string>) => {
    for (const key of keys) enqueueAfter(key, opts.batchPeriodMs);
  };
  onPodServiceChanges(pods, selectors, podServicesChanged);

  // A Node's zone is in its Pods' endpoints; a Pod whose Node is missing is left out until it comes.
  const nodeChanged = (node: Node) => {
    for (const pod of pods.indexer.byIndex(NODE_NAME_INDEX, node.metadata?.name ?? '')) {
      for (const key of selectors.servicesOf(pod)) queue.add(key);
    }
  };
  nodes.addEventHandler({
    onAdd: nodeChanged,
    onUpdate(old, cur) {
      if (old.metadata?.labels?.[ZONE_LABEL] !== cur.metadata?.labels?.[ZONE_LABEL]) nodeChanged(cur);
    },
    onDelete: (obj) => nodeChanged(unwrap(obj)),
  });

  const sliceChanged = (slice: EndpointSlice) => {
    const key = serviceKeyOf(slice);
    if (key !== undefined) queue.addAfter(key, Math.max(SLICE_CHANGE_MIN_DELAY_MS, opts.batchPeriodMs));
  };
  /** The cache now holds one of this controller's own writes: a sync that waited for it may go on. */
  const ownWriteSeen = (slice: EndpointSlice) => {
    const key = serviceKeyOf(slice);
    if (key !== undefined && waitingForCache.delete(key)) queue.add(key);
  };
  slices.addEventHandler({
    onAdd(slice) {
      if (!isManagedSlice(slice)) return;
      if (tracker.shouldSync(slice)) sliceChanged(slice);
      else ownWriteSeen(slice);
    },
    onUpdate(old, cur) {
      const released =
        isManagedSlice(old) && (!isManagedSlice(cur) || serviceKeyOf(old) !== serviceKeyOf(cur));
      // Relabelled away from this controller or its Service: for them it is as if deleted,
      // and a sync must not wait for it to come back.
      if (released) tracker.handleDeletion(old);
      // Someone moved the slice to another Service: both must be looked at.
      if (serviceKeyOf(old) !== serviceKeyOf(cur)) {
        sliceChanged(old);
        sliceChanged(cur);
      } else if (
        isManagedSlice(old) !== isManagedSlice(cur) ||
        (isManagedSlice(cur) && tracker.shouldSync(cur))
      ) {
        sliceChanged(cur);
      } else if (isManagedSlice(cur)) {
        ownWriteSeen(cur);
      }
    },
    onDelete(obj) {
      const slice = unwrap(obj);
      if (!isManagedSlice(slice)) return;
      // Deleted by someone else: put it back. Kubernetes only looks when the slice was
      // written in this term; a slice written before a restart is put back as well.
      if (tracker.has(slice) && tracker.handleDeletion(slice)) ownWriteSeen(slice);
      else sliceChanged(slice);
    },
  });

  const managedSlicesOf = (key: string) => slicesOf(key).filter(isManagedSlice);

  /** Per address type, the endpoints wanted, and the Pods left out for want of their Node. */
  function desiredFor(service: Service, selected: readonly Pod[]) {
    const errors: string[] = [];
    const desired = new Map<string, Map<string, PortGroup>>();
    for (const addressType of addressTypesOf(service)) {
      const wanted = desiredEndpoints(service, selected, addressType, (name) => nodes.indexer.get(name));
      desired.set(addressType, wanted.groups);
      errors.push(...wanted.errors);
    }
    return { desired, errors };
  }

  /** The sync's failures, one Warning on the Service (Kubernetes' aggregate message), then the error that retries it. */
  function fail(service: Service, key: string, errors: ReadonlySet<string>): never {
    const message = errors.size === 1 ? [...errors].join('') : `[${[...errors].join(', ')}]`;
    events.event(
      service,
      'Warning',
      'FailedToUpdateEndpointSlices',
      `Error updating Endpoint Slices for Service ${key}: ${message}`,
    );
    throw new Error(message);
  }

  async function sync(key: string): Promise<ReconcileResult | undefined> {
    const cached = services.indexer.get(key);
    if (!cached) {
      // Its slices go with it, through their owner reference (the garbage collector).
      tracker.deleteService(key);
      triggerTimes.deleteService(key);
      waitingForCache.delete(key);
      return undefined;
    }
    const service: Service = { ...cached, apiVersion: 'v1', kind: 'Service' };
    if (!isManagedService(service)) return undefined;
    const managed = managedSlicesOf(key);
    if (tracker.stale(key, managed)) {
      metrics.synced('stale');
      waitingForCache.add(key);
      return { requeueAfter: STALE_CACHE_RECHECK_MS };
    }
    waitingForCache.delete(key);
    const namespacePods = pods.indexer.byIndex(NAMESPACE_INDEX, service.metadata?.namespace ?? '');
    const selected = selectors.podsOf(cached, namespacePods);
    const triggerTime = triggerTimes.compute(key, service, selected);
    const { desired, errors } = desiredFor(service, selected);
    const plan = planSlices({
      service,
      // Slices waiting for their finalizers are gone as far as the plan goes.
      slices: managed.filter((s) => s.metadata?.deletionTimestamp === undefined),
      desired,
      maxEndpointsPerSlice: opts.maxEndpointsPerSlice,
    });
    const failures = new Set(errors);
    try {
      await write(service, plan, triggerTime);
    } catch (err) {
      failures.add(messageOf(err));
    }
    metrics.synced(failures.size === 0 ? 'success' : 'error');
    if (failures.size > 0) fail(service, key, failures);
    return undefined;
  }

  await Promise.all([
    services.waitForSync(signal),
    pods.waitForSync(signal),
    nodes.waitForSync(signal),
    slices.waitForSync(signal),
  ]);
  // A term that ended while the caches synced starts no workers (see the ReplicaSet controller).
  if (signal.aborted) return;
  await controller.run(signal);
}
