/**
 * PodService.UpdatePodStatuses: the status subresource over one long-lived stream, for a
 * kubelet that reports the status of every Pod it runs. Each request is one Pod whose
 * status is written exactly as UpdatePodStatus writes it — `update` on `pods/status` for
 * that Pod authorized for the caller (a node only for the Pods bound to it), then the
 * registry's updateStatus with its admission (NodeRestriction included), defaulting,
 * validation, field manager and resourceVersion check — and answered by its id with the
 * resourceVersion written, in the order the writes complete (the stream's handling is
 * `servePipelinedStream`'s). A write that fails answers its error for that Pod alone (a
 * Pod of another node: PERMISSION_DENIED; a stale resourceVersion: ABORTED; an invalid
 * status: INVALID_ARGUMENT naming each field); the stream goes on.
 *
 * Authorization is per item, never per stream: one stream carries the statuses of many
 * Pods, and the caller may write some of them and not others.
 *
 * Each write is one compare-and-swap of the Pod: a stream that is cancelled leaves
 * nothing half-done (a write that was sent completes, its answer lost with the stream).
 *
 * The audit log records the stream as it records any call, once at its end: `update` on
 * `pods/status` by the caller, naming the last Pod authorized.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  UpdatePodStatusesRequest,
  UpdatePodStatusesResponse,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex } from '../../../sdk/server/index.js';
import { managedBy } from '../../services/call-context.js';
import { itemLatency, servePipelinedStream } from '../../services/pipelined-stream-handler.js';
import type { SubresourceContext } from '../kind-definition.js';

/**
 * Status writes one stream has in flight at most: past it the stream is not read until
 * some complete, so a fast client is held back by HTTP/2 flow control instead of
 * queueing without bound in the server.
 */
export const maxPodStatusesInFlight = 256;

/** The UpdatePodStatuses method. */
export const podUpdatePodStatusesMethods = ({ registry, gate, options }: SubresourceContext<Pod>) => ({
  updatePodStatuses: asyncDuplex<UpdatePodStatusesRequest, UpdatePodStatusesResponse>((call, signal) =>
    servePipelinedStream(call, signal, {
      observe: itemLatency(options.metrics, 'wheelhouse.core.v1.PodService', 'UpdatePodStatus'),
      item: 'Pod status',
      maxInFlight: maxPodStatusesInFlight,
      perform: async (request) => {
        // As UpdatePodStatus: a Pod that names no namespace is in `default`.
        const namespace = request.pod?.metadata?.namespace || 'default';
        const ctx = await gate.admit(call.metadata, {
          verb: 'update',
          info: registry.info,
          subresource: 'status',
          namespace,
          name: request.pod?.metadata?.name ?? '',
        });
        return registry.updateStatus(request.pod, { ...managedBy(ctx, call.metadata), signal });
      },
    }),
  ),
});
