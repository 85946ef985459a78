/**
 * The EndpointSlice mirroring controller (Kubernetes' pkg/controller/endpointslicemirroring):
 * mirrors the Endpoints of a Service without a selector — written by hand, to point the
 * Service at addresses outside the cluster — into EndpointSlices, which is what kube-proxy,
 * DNS and `describe` read.
 *
 * One queue keyed by Endpoints (named as its Service), fed by the Service, Endpoints and
 * EndpointSlice informers. A sync reads the Endpoints, its Service and the slices mirrored
 * for it from the caches, waits while the slice cache lags behind its own last writes (the
 * tracker), plans the slices as data (mirror-plan.ts) and writes the plan. Addresses left
 * out are reported on the Endpoints (InvalidIPAddress, TooManyAddressesToMirror); failed
 * writes fail the sync with a FailedToUpdateEndpointSlices Event and it is retried with
 * backoff.
 */
import { createController, type ReconcileResult } from '../../sdk/controller/index.js';
import type { Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { DeletedFinalStateUnknown } from '../../sdk/informers/index.js';
import {
  createBucketRateLimiter,
  createItemExponentialFailureRateLimiter,
  createMaxOfRateLimiter,
} from '../../sdk/workqueue/index.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { createEndpointSliceTracker, serviceKeyOf } from '../shared/endpoint-slice-tracker.js';
import { writeSlices } from '../shared/slice-writer.js';
import { slicesByService } from '../shared/slices-by-service.js';
import { isMirroredSlice, planMirroredSlices, shouldMirror } from './mirror-plan.js';

export interface EndpointSliceMirroringControllerOptions extends ControllerOptions {
  /** At most this many addresses of one subset are mirrored (--mirroring-max-endpoints-per-subset). */
  readonly maxEndpointsPerSubset: number;
  /** How long syncs caused by slice changes wait at least (--mirroring-endpointslice-updates-batch-period). */
  readonly batchPeriodMs: number;
}

/** A sync that found the cache behind its own writes looks again this much later, unless the writes show up first. */
const STALE_CACHE_RECHECK_MS = 1_000;

/** Retries as Kubernetes spaces them: 1 s doubling to 100 s per Endpoints, 10 a second overall after a burst of 100. */
const syncRateLimiter = () =>
  createMaxOfRateLimiter<string>(
    createItemExponentialFailureRateLimiter(1_000, 100_000),
    createBucketRateLimiter({ qps: 10, burst: 100 }),
  );

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const unwrap = <T>(obj: T | DeletedFinalStateUnknown<T>): T =>
  obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
const keyOf = (obj: { metadata?: { namespace?: string; name?: string } | undefined }) =>
  `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;

export async function runEndpointSliceMirroringController(
  opts: EndpointSliceMirroringControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const services = informers.informerFor<Service>('Service');
  const endpointsInformer = informers.informerFor<Endpoints>('Endpoints');
  const slices = informers.informerFor<EndpointSlice>('EndpointSlice');
  const slicesOf = slicesByService(slices.indexer);
  const tracker = createEndpointSliceTracker();
  const sliceClient = clients.kind<EndpointSlice>('EndpointSlice');
  /** Endpoints whose last sync found the cache behind its own writes: synced again as soon as it catches up. */
  const waitingForCache = new Set<string>();

  const controller = createController({
    name: 'endpointslicemirroring',
    workers: opts.workers,
    logger,
    rateLimiter: syncRateLimiter(),
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(`${namespace}/${name}`),
  });
  const queue = controller.queue;

  services.addEventHandler({
    onAdd: (svc) => queue.add(keyOf(svc)),
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion !== cur.metadata?.resourceVersion) queue.add(keyOf(cur));
    },
    onDelete: (obj) => queue.add(keyOf(unwrap(obj))),
  });

  // Endpoints that are not to be mirrored before or after a change (leader-election locks,
  // renewed every few seconds; those of Services with a selector) are not looked at.
  endpointsInformer.addEventHandler({
    onAdd(ep) {
      if (shouldMirror(ep)) queue.add(keyOf(ep));
    },
    onUpdate(old, cur) {
      if (shouldMirror(old) || shouldMirror(cur)) queue.add(keyOf(cur));
    },
    onDelete(obj) {
      const ep = unwrap(obj);
      if (shouldMirror(ep)) queue.add(keyOf(ep));
    },
  });

  const sliceChanged = (slice: EndpointSlice) => {
    const key = serviceKeyOf(slice);
    if (key === undefined) return;
    if (opts.batchPeriodMs > 0) queue.addAfter(key, opts.batchPeriodMs);
    else queue.add(key);
  };
  /** The cache now holds one of this controller's own writes: a sync that waited for it may go on. */
  const ownWriteSeen = (slice: EndpointSlice) => {
    const key = serviceKeyOf(slice);
    if (key !== undefined && waitingForCache.delete(key)) queue.add(key);
  };
  slices.addEventHandler({
    onAdd(slice) {
      if (!isMirroredSlice(slice)) return;
      if (tracker.shouldSync(slice)) sliceChanged(slice);
      else ownWriteSeen(slice);
    },
    onUpdate(old, cur) {
      if (isMirroredSlice(old) && (!isMirroredSlice(cur) || serviceKeyOf(old) !== serviceKeyOf(cur))) {
        tracker.handleDeletion(old);
      }
      if (serviceKeyOf(old) !== serviceKeyOf(cur)) {
        sliceChanged(old);
        sliceChanged(cur);
      } else if (
        isMirroredSlice(old) !== isMirroredSlice(cur) ||
        (isMirroredSlice(cur) && tracker.shouldSync(cur))
      ) {
        sliceChanged(cur);
      } else if (isMirroredSlice(cur)) {
        ownWriteSeen(cur);
      }
    },
    onDelete(obj) {
      const slice = unwrap(obj);
      if (!isMirroredSlice(slice)) return;
      // Deleted by someone else: put it back.
      if (tracker.has(slice) && tracker.handleDeletion(slice)) ownWriteSeen(slice);
      else sliceChanged(slice);
    },
  });

  async function sync(key: string): Promise<ReconcileResult | undefined> {
    const cached = endpointsInformer.indexer.get(key);
    if (!cached) {
      // Its slices go with it, through their owner reference (the garbage collector).
      tracker.deleteService(key);
      waitingForCache.delete(key);
      return undefined;
    }
    const endpoints: Endpoints = { ...cached, apiVersion: 'v1', kind: 'Endpoints' };
    const mirrored = slicesOf(key).filter(isMirroredSlice);
    if (tracker.stale(key, mirrored)) {
      waitingForCache.add(key);
      return { requeueAfter: STALE_CACHE_RECHECK_MS };
    }
    waitingForCache.delete(key);
    const plan = planMirroredSlices({
      endpoints,
      service: services.indexer.get(key),
      // Slices waiting for their finalizers are gone as far as the plan goes.
      slices: mirrored.filter((s) => s.metadata?.deletionTimestamp === undefined),
      maxEndpointsPerSubset: opts.maxEndpointsPerSubset,
    });
    if (plan.invalidAddresses > 0) {
      events.event(
        endpoints,
        'Warning',
        'InvalidIPAddress',
        `Skipped ${plan.invalidAddresses} invalid IP addresses when mirroring to EndpointSlices`,
      );
    }
    if (plan.skippedAddresses > plan.invalidAddresses) {
      events.event(
        endpoints,
        'Warning',
        'TooManyAddressesToMirror',
        `A max of ${opts.maxEndpointsPerSubset} addresses can be mirrored to EndpointSlices per Endpoints subset. ${plan.skippedAddresses} addresses were skipped`,
      );
    }
    try {
      await writeSlices(sliceClient, tracker, plan, {
        namespace: endpoints.metadata?.namespace ?? '',
        owner: `Endpoints ${key}`,
        mayCreate: endpoints.metadata?.deletionTimestamp === undefined,
      });
    } catch (err) {
      events.event(
        endpoints,
        'Warning',
        'FailedToUpdateEndpointSlices',
        `Error updating EndpointSlices for Endpoints ${key}: ${messageOf(err)}`,
      );
      throw err;
    }
    return undefined;
  }

  await Promise.all([
    services.waitForSync(signal),
    endpointsInformer.waitForSync(signal),
    slices.waitForSync(signal),
  ]);
  // A term that ended while the caches synced starts no workers (see the ReplicaSet controller).
  if (signal.aborted) return;
  await controller.run(signal);
}
