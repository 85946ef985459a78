/**
 * Carries out a slice plan through the API (the finalize step of Kubernetes' reconciler):
 * creates, then updates, then deletes, each recorded in the tracker so that the next sync
 * knows what its cache must show first. Stops at the first failure, with a message that
 * names the slice and the Service.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { EndpointSliceTracker } from './endpoint-slice-tracker.js';
import { TRIGGER_TIME_ANNOTATION } from './managed-slices.js';
import type { SlicePlan } from './slice-plan.js';
import type { SyncMetrics } from './sync-metrics.js';

export type SliceWriter = (service: Service, plan: SlicePlan, triggerTime: Date | undefined) => Promise<void>;

/** Go's RFC 3339 with nanoseconds, as Kubernetes writes the trigger time: trailing zeros of the fraction dropped. */
const rfc3339Nano = (d: Date) => d.toISOString().replace(/\.?0+Z$/, 'Z');

/** The slice with the trigger time annotation set, or removed when the sync has none. */
function withTriggerTime(slice: EndpointSlice, at: Date | undefined): EndpointSlice {
  const annotations = { ...(slice.metadata?.annotations ?? {}) };
  if (at === undefined) delete annotations[TRIGGER_TIME_ANNOTATION];
  else annotations[TRIGGER_TIME_ANNOTATION] = rfc3339Nano(at);
  return {
    ...slice,
    metadata: { ...(slice.metadata as NonNullable<EndpointSlice['metadata']>), annotations },
  };
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isCode = (err: unknown, code: Code) => err instanceof ApiError && err.code === code;

export function createSliceWriter(
  client: TypedClient<EndpointSlice>,
  tracker: EndpointSliceTracker,
  metrics: SyncMetrics,
): SliceWriter {
  return async (service, plan, triggerTime) => {
    const namespace = service.metadata?.namespace ?? '';
    const key = `${namespace}/${service.metadata?.name ?? ''}`;
    // Nothing is created for a Service being deleted: the garbage collector would race to remove it.
    if (service.metadata?.deletionTimestamp === undefined) {
      for (const slice of plan.create) {
        try {
          tracker.update(await client.create(withTriggerTime(slice, triggerTime)));
          metrics.changed('create');
        } catch (err) {
          // The namespace is being terminated: creates will keep failing, and the Service goes with it.
          if (isCode(err, Code.FAILED_PRECONDITION)) return;
          throw new Error(`failed to create EndpointSlice for Service ${key}: ${messageOf(err)}`);
        }
      }
    }
    for (const slice of plan.update) {
      const name = slice.metadata?.name ?? '';
      try {
        tracker.update(await client.update(withTriggerTime(slice, triggerTime)));
        metrics.changed('update');
      } catch (err) {
        throw new Error(`failed to update ${name} EndpointSlice for Service ${key}: ${messageOf(err)}`);
      }
    }
    for (const slice of plan.delete) {
      const name = slice.metadata?.name ?? '';
      try {
        await client.delete(namespace, name);
        tracker.expectDeletion(slice);
        metrics.changed('delete');
      } catch (err) {
        if (isCode(err, Code.NOT_FOUND)) continue;
        throw new Error(`failed to delete ${name} EndpointSlice for Service ${key}: ${messageOf(err)}`);
      }
    }
  };
}
