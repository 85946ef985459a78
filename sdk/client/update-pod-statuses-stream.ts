/**
 * Pod status writes pipelined over one long-lived `PodService.UpdatePodStatuses` stream:
 * a kubelet that reports the status of every Pod it runs pays a unary call's work, on
 * both ends, once per stream instead of once per write.
 *
 * Contract: that of `createPipelinedStream`, a Pod being its item; `updateStatus`
 * resolves with the Pod's resourceVersion after the write, and fails as UpdatePodStatus
 * fails (NOT_FOUND, ABORTED on a stale resourceVersion, PERMISSION_DENIED,
 * INVALID_ARGUMENT). Once the apiserver answered UNIMPLEMENTED every write goes through
 * unary UpdatePodStatus, those pending on the stream included (none of them was made). A
 * stream with nothing pending for `idleMs` is closed; the next write opens another.
 */
import { Metadata } from '@grpc/grpc-js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { PodServiceClient } from '../gen/wheelhouse/core/v1/pod_service.js';
import { kinds } from '../kinds.js';
import type { ApiClient } from './dynamic-client.js';
import { createPipelinedStream } from './pipelined-stream.js';

export interface UpdatePodStatusesStream {
  /** Writes the Pod's status; resolves with its resourceVersion after the write. */
  updateStatus(pod: Pod): Promise<string>;
  /** Whether writes go over the stream (false once the server answered UNIMPLEMENTED). */
  readonly streaming: boolean;
  /** Ends the stream; writes still pending fail with UNAVAILABLE. */
  close(): void;
}

export interface UpdatePodStatusesStreamOptions {
  /** How long a write waits for its answer (as a unary call's deadline); 30 s by default. */
  readonly timeoutMs?: number;
  /** How long a stream with nothing pending stays open; 5 s by default. */
  readonly idleMs?: number;
}

const podInfo = kinds.find((k) => k.kind === 'Pod');

export function updatePodStatusesStream(
  api: ApiClient,
  opts: UpdatePodStatusesStreamOptions = {},
): UpdatePodStatusesStream {
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  const info = podInfo;
  const stream = createPipelinedStream({
    open: () => api.serviceClient(PodServiceClient).updatePodStatuses(new Metadata()),
    request: (id, pod: Pod) => ({ id, pod }),
    describe: (pod) => `the status write of Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`,
    name: 'the Pod status stream',
    unknownOutcome: 'the status may or may not have been written',
    closedMessage: 'the client closed the Pod status stream',
    timeoutMs: opts.timeoutMs ?? 30_000,
    idleMs: opts.idleMs ?? 5_000,
    fallback: async (pod) => (await api.updateStatus(info, pod)).metadata?.resourceVersion ?? '',
  });
  // `send` and `close` use no `this`, and `streaming` stays the helper's getter.
  return Object.assign(stream, { updateStatus: stream.send });
}
