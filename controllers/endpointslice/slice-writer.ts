/**
 * Carries out a Service's slice plan (shared/slice-writer.ts), stamping each write with
 * the trigger time of the change that led to it.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { EndpointSliceTracker } from '../shared/endpoint-slice-tracker.js';
import { writeSlices } from '../shared/slice-writer.js';
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

export function createSliceWriter(
  client: TypedClient<EndpointSlice>,
  tracker: EndpointSliceTracker,
  metrics: SyncMetrics,
): SliceWriter {
  return (service, plan, triggerTime) => {
    const namespace = service.metadata?.namespace ?? '';
    return writeSlices(client, tracker, plan, {
      namespace,
      owner: `Service ${namespace}/${service.metadata?.name ?? ''}`,
      mayCreate: service.metadata?.deletionTimestamp === undefined,
      prepare: (slice) => withTriggerTime(slice, triggerTime),
      changed: (operation) => metrics.changed(operation),
    });
  };
}
