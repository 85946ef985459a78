/**
 * PodService.CreatePods: Pod creates over one long-lived stream, for a controller that
 * creates pods by the hundred (a ReplicaSet scaled up). Each request is one Pod, created
 * exactly as CreatePod creates its own — `create` on `pods` in the Pod's namespace
 * authorized for the caller, then the registry's create with its defaulting, validation,
 * admission and quota — and answered by its id with the Pod's resourceVersion and name
 * (the name matters when the apiserver chose it from `generateName`), in the order the
 * creates complete (the stream's handling is `servePipelinedStream`'s). A create that
 * fails answers its error (an invalid Pod: INVALID_ARGUMENT naming each field; a
 * namespace the caller may not write: PERMISSION_DENIED; quota exceeded: its error); the
 * stream goes on.
 *
 * Each create is one write of the store: a stream that is cancelled leaves nothing
 * half-done (a create whose write was sent completes, its answer lost with the stream).
 *
 * The audit log records the stream as it records any call, once at its end: `create` on
 * `pods` by the caller, naming the namespace of the last Pod authorized.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  CreatePodsRequest,
  CreatePodsResponse,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex } from '../../../sdk/server/index.js';
import { managedBy } from '../../services/call-context.js';
import { itemLatency, servePipelinedStream } from '../../services/pipelined-stream-handler.js';
import type { SubresourceContext } from '../kind-definition.js';

/**
 * Creates one stream has in flight at most: past it the stream is not read until some
 * complete, so a fast client is held back by HTTP/2 flow control instead of queueing
 * without bound in the server.
 */
export const maxPodCreatesInFlight = 256;

/** The CreatePods method. */
export const podCreatePodsMethods = ({ registry, gate, options }: SubresourceContext<Pod>) => ({
  createPods: asyncDuplex<CreatePodsRequest, CreatePodsResponse>((call, signal) =>
    servePipelinedStream(call, signal, {
      observe: itemLatency(options.metrics, 'wheelhouse.core.v1.PodService', 'CreatePod'),
      item: 'Pod',
      maxInFlight: maxPodCreatesInFlight,
      answerFields: (written) => ({ name: written.metadata?.name ?? '' }),
      perform: async (request) => {
        // As CreatePod: a Pod that names no namespace is created in `default`.
        const namespace = request.pod?.metadata?.namespace || 'default';
        const ctx = await gate.admit(call.metadata, {
          verb: 'create',
          info: registry.info,
          namespace,
          name: '',
        });
        return registry.create(request.pod, { ...managedBy(ctx, call.metadata), signal });
      },
    }),
  ),
});
