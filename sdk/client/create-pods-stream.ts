/**
 * Pod creates pipelined over one long-lived `PodService.CreatePods` stream: a controller
 * that creates pods by the hundred (a ReplicaSet scaled up) pays a unary call's work,
 * on both ends, once per stream instead of once per Pod.
 *
 * Contract: that of `createPipelinedStream`, a Pod being its item; `create` resolves
 * with the created Pod's name (the apiserver's choice under `generateName`) and
 * resourceVersion. Once the apiserver answered UNIMPLEMENTED every create goes through
 * unary CreatePod, those pending on the stream included (none of them was made). A
 * stream with nothing pending for `idleMs` is closed; the next create opens another.
 */
import { Metadata } from '@grpc/grpc-js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { CreatePodRequest, PodServiceClient } from '../gen/wheelhouse/core/v1/pod_service.js';
import { kinds } from '../kinds.js';
import type { ApiClient } from './dynamic-client.js';
import { createPipelinedStream } from './pipelined-stream.js';

/** What a create answers: enough to name the Pod in an Event and to tell it apart. */
export interface CreatedPod {
  readonly name: string;
  readonly resourceVersion: string;
}

export interface CreatePodsStream {
  /** Creates the Pod. */
  create(pod: Pod): Promise<CreatedPod>;
  /** Whether creates go over the stream (false once the server answered UNIMPLEMENTED). */
  readonly streaming: boolean;
  /** Ends the stream; creates still pending fail with UNAVAILABLE. */
  close(): void;
}

export interface CreatePodsStreamOptions {
  /** How long a create waits for its answer (as a unary call's deadline); 30 s by default. */
  readonly timeoutMs?: number;
  /** How long a stream with nothing pending stays open; 5 s by default. */
  readonly idleMs?: number;
}

const podInfo = kinds.find((k) => k.kind === 'Pod');

export function createPodsStream(api: ApiClient, opts: CreatePodsStreamOptions = {}): CreatePodsStream {
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  const info = podInfo;
  const stream = createPipelinedStream({
    open: () => api.serviceClient(PodServiceClient).createPods(new Metadata()),
    request: (id, pod: Pod) => ({ id, pod }),
    answer: (res): CreatedPod => ({ name: res.name, resourceVersion: res.resourceVersion }),
    describe: (pod) =>
      `the create of Pod ${pod.metadata?.namespace}/${pod.metadata?.name || `${pod.metadata?.generateName ?? ''}*`}`,
    name: 'the Pod create stream',
    unknownOutcome: 'the Pod may or may not have been created',
    closedMessage: 'the client closed the Pod create stream',
    timeoutMs: opts.timeoutMs ?? 30_000,
    idleMs: opts.idleMs ?? 5_000,
    fallback: async (pod): Promise<CreatedPod> => {
      const res = await api.call(info, 'createPod', CreatePodRequest.fromPartial({ pod }));
      const created = res.pod as Pod | undefined;
      return {
        name: created?.metadata?.name ?? '',
        resourceVersion: created?.metadata?.resourceVersion ?? '',
      };
    },
  });
  // `send` and `close` use no `this`, and `streaming` stays the helper's getter.
  return Object.assign(stream, { create: stream.send });
}
