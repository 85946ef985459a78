/**
 * PodService.BindPods: the binding subresource over one long-lived stream, for a
 * scheduler that binds hundreds of pods a second. Each request is one binding, handled
 * exactly as BindPod handles its own — `create` on `pods/binding` authorized for the
 * caller, then `bindPod` with its admission — and answered by its id, in the order the
 * bindings complete (the stream's handling is `servePipelinedStream`'s).
 *
 * A binding is one compare-and-swap write of the Pod, so a stream that is cancelled
 * leaves nothing half-done: a binding whose write was sent completes (its answer is
 * lost with the stream), one not yet sent is not made.
 *
 * The audit log records the stream as it records any call, once at its end: `create` on
 * `pods/binding` by the caller, naming the last binding authorized. A line per binding
 * would need the audit log reachable from a kind's subresources, which it is not yet.
 */
import type { Binding } from '../../../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { BindPodsRequest, BindPodsResponse } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RequestContext } from '../../registry/request-context.js';
import { itemLatency, servePipelinedStream } from '../../services/pipelined-stream-handler.js';
import type { SubresourceContext } from '../kind-definition.js';

/**
 * Bindings one stream has in flight at most: past it the stream is not read until some
 * complete, so a fast client is held back by HTTP/2 flow control instead of queueing
 * without bound in the server.
 */
export const maxBindingsInFlight = 256;

/** What one binding does once authorized: binding.ts's `bindPod`, shared with BindPod. */
export type BindPodFn = (
  pods: GenericRegistry<Pod>,
  binding: Binding | undefined,
  ctx: RequestContext,
) => Promise<Pod>;

/** The BindPods method, binding each request with `bindPod`. */
export const podBindPodsMethods = (
  { registry, gate, options }: SubresourceContext<Pod>,
  bindPod: BindPodFn,
) => ({
  bindPods: asyncDuplex<BindPodsRequest, BindPodsResponse>((call, signal) =>
    servePipelinedStream(call, signal, {
      observe: itemLatency(options.metrics, 'wheelhouse.core.v1.PodService', 'BindPod'),
      item: 'binding',
      maxInFlight: maxBindingsInFlight,
      perform: async (request) => {
        const namespace = request.binding?.metadata?.namespace || 'default';
        const name = request.binding?.metadata?.name ?? '';
        const ctx = await gate.admit(call.metadata, {
          verb: 'create',
          info: registry.info,
          subresource: 'binding',
          namespace,
          name,
        });
        const binding = request.binding && {
          ...request.binding,
          metadata: request.binding.metadata && { ...request.binding.metadata, namespace },
        };
        return bindPod(registry, binding, { ...ctx, signal });
      },
    }),
  ),
});
