/**
 * The scheduler's binds, pipelined over one long-lived `PodService.BindPods` stream: a
 * unary call costs the client far more CPU than a message on an open stream, and the
 * scheduler binds every pod it schedules.
 *
 * Contract: that of `createPipelinedStream`, a binding being its item; the stream is
 * never closed for idleness, and once the apiserver answered UNIMPLEMENTED every binding
 * goes through unary BindPod, those pending on the stream included.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ApiClient } from '../sdk/client/index.js';
import { createPipelinedStream } from '../sdk/client/pipelined-stream.js';
import type { Binding } from '../sdk/gen/wheelhouse/core/v1/binding.js';
import { BindPodRequest, PodServiceClient } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { kinds } from '../sdk/kinds.js';

export interface BindStream {
  /** Binds the Pod the Binding names; resolves with its new resourceVersion. */
  bind(binding: Binding): Promise<string>;
  /** Whether bindings go over the stream (false once the server answered UNIMPLEMENTED). */
  readonly streaming: boolean;
  /** Ends the stream; bindings still pending fail with UNAVAILABLE. */
  close(): void;
}

export interface BindStreamOptions {
  /** How long a binding waits for its answer (as a unary call's deadline); 30 s by default. */
  readonly timeoutMs?: number;
}

const podInfo = kinds.find((k) => k.kind === 'Pod');

export function createBindStream(api: ApiClient, opts: BindStreamOptions = {}): BindStream {
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  const info = podInfo;
  const stream = createPipelinedStream({
    open: () => api.serviceClient(PodServiceClient).bindPods(new Metadata()),
    request: (id, binding: Binding) => ({ id, binding }),
    describe: (binding) => `the binding of pod ${binding.metadata?.namespace}/${binding.metadata?.name}`,
    name: 'the bind stream',
    unknownOutcome: 'the binding may or may not have been made',
    closedMessage: 'the scheduler closed the stream',
    timeoutMs: opts.timeoutMs ?? 30_000,
    fallback: async (binding) => {
      const res = await api.call(info, 'bindPod', BindPodRequest.fromPartial({ binding }));
      const pod = res.pod as { metadata?: { resourceVersion?: string } } | undefined;
      return pod?.metadata?.resourceVersion ?? '';
    },
  });
  // `send` and `close` use no `this`, and `streaming` stays the helper's getter.
  return Object.assign(stream, { bind: stream.send });
}
