/**
 * PodService.BindPods: the binding subresource over one long-lived stream, for a
 * scheduler that binds hundreds of pods a second. Each request is one binding, handled
 * exactly as BindPod handles its own — `create` on `pods/binding` authorized for the
 * caller, then `bindPod` with its admission — and answered by its id, in the order the
 * bindings complete. A binding that fails answers its error; the stream goes on.
 *
 * A binding is one compare-and-swap write of the Pod, so a stream that is cancelled
 * leaves nothing half-done: a binding whose write was sent completes (its answer is
 * lost with the stream), one not yet sent is not made.
 *
 * The audit log records the stream as it records any call, once at its end: `create` on
 * `pods/binding` by the caller, naming the last binding authorized. A line per binding
 * would need the audit log reachable from a kind's subresources, which it is not yet.
 */
import { ApiError, boundStatus } from '../../../sdk/errors.js';
import type { Binding } from '../../../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { BindPodsRequest, BindPodsResponse } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { asyncDuplex } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { RequestContext } from '../../registry/request-context.js';
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
export const podBindPodsMethods = ({ registry, gate }: SubresourceContext<Pod>, bindPod: BindPodFn) => ({
  bindPods: asyncDuplex<BindPodsRequest, BindPodsResponse>(
    (call, signal) =>
      new Promise<void>((resolve, reject) => {
        const inFlight = new Set<number>();
        let ended = false;
        let failed = false;
        const finish = () => {
          call.off('data', onData);
          call.off('end', onEnd);
          signal.removeEventListener('abort', onAbort);
        };
        const answer = (response: BindPodsResponse) => {
          if (signal.aborted || call.destroyed || call.writableEnded) return;
          call.write(response);
        };
        const settle = (id: number) => {
          inFlight.delete(id);
          if (failed) return;
          if (ended && inFlight.size === 0) {
            finish();
            resolve();
          } else if (inFlight.size < maxBindingsInFlight && call.isPaused()) call.resume();
        };
        const bind = async (request: BindPodsRequest) => {
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
        };
        const onData = (request: BindPodsRequest) => {
          const id = request.id;
          if (inFlight.has(id)) {
            const err = ApiError.invalid(
              `binding id ${id} is already in flight on this stream: give each binding an id no other binding in flight has`,
            );
            answer({ id, resourceVersion: '', status: boundStatus(err.toStatus()) });
            return;
          }
          inFlight.add(id);
          if (inFlight.size >= maxBindingsInFlight) call.pause();
          bind(request).then(
            (pod) => {
              answer({ id, resourceVersion: pod.metadata?.resourceVersion ?? '', status: undefined });
              settle(id);
            },
            (err: unknown) => {
              if (err instanceof ApiError) {
                answer({ id, resourceVersion: '', status: boundStatus(err.toStatus()) });
                settle(id);
                return;
              }
              // Not the API's error but a bug: it ends the stream as it would end a BindPod
              // call (logged, INTERNAL); the client fails its pending bindings and retries.
              inFlight.delete(id);
              if (failed) return;
              failed = true;
              finish();
              reject(err);
            },
          );
        };
        const onEnd = () => {
          ended = true;
          if (inFlight.size === 0 && !failed) {
            finish();
            resolve();
          }
        };
        const onAbort = () => {
          finish();
          resolve();
        };
        call.on('data', onData);
        call.on('end', onEnd);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
  ),
});
