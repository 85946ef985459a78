/**
 * The scheduler's binds, pipelined over one long-lived `PodService.BindPods` stream: a
 * unary call costs the client far more CPU than a message on an open stream, and the
 * scheduler binds every pod it schedules.
 *
 * Contract: `bind` settles once per binding — with the bound Pod's resourceVersion, or
 * an ApiError (the server's answer for that binding; UNAVAILABLE when the stream broke
 * before the answer came, the binding's fate then unknown, as a unary call's that lost
 * its connection; DEADLINE_EXCEEDED after `timeoutMs`). A broken stream is re-opened by
 * the next bind. An apiserver without BindPods (UNIMPLEMENTED) is remembered, and every
 * binding then goes through unary BindPod, those pending on the stream included (the
 * server made none of them).
 */
import { type ClientDuplexStream, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ApiClient } from '../sdk/client/index.js';
import { ApiError, Code, fromServiceError } from '../sdk/errors.js';
import type { Binding } from '../sdk/gen/wheelhouse/core/v1/binding.js';
import {
  BindPodRequest,
  type BindPodsRequest,
  type BindPodsResponse,
  PodServiceClient,
} from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
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

interface Pending {
  readonly binding: Binding;
  readonly deadline: number;
  resolve(resourceVersion: string): void;
  reject(err: Error): void;
}

type Stream = ClientDuplexStream<BindPodsRequest, BindPodsResponse>;

const podInfo = kinds.find((k) => k.kind === 'Pod');

export function createBindStream(api: ApiClient, opts: BindStreamOptions = {}): BindStream {
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  const info = podInfo;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let streaming = true;
  let stream: Stream | undefined;
  /** The open stream's bindings awaiting answers, oldest first (Map keeps insertion order). */
  let pending = new Map<number, Pending>();
  let nextId = 0;
  let sweep: NodeJS.Timeout | undefined;

  const unary = async (binding: Binding): Promise<string> => {
    const res = await api.call(info, 'bindPod', BindPodRequest.fromPartial({ binding }));
    const pod = res.pod as { metadata?: { resourceVersion?: string } } | undefined;
    return pod?.metadata?.resourceVersion ?? '';
  };

  const disarmSweep = () => {
    if (sweep !== undefined && pending.size === 0) {
      clearInterval(sweep);
      sweep = undefined;
    }
  };
  // Armed only while bindings are pending: an idle scheduler keeps no timer.
  const armSweep = () => {
    if (sweep !== undefined) return;
    sweep = setInterval(
      () => {
        const now = Date.now();
        for (const [id, p] of pending) {
          if (p.deadline > now) break;
          pending.delete(id);
          p.reject(
            new ApiError(
              Code.DEADLINE_EXCEEDED,
              `no answer to the binding of pod ${p.binding.metadata?.namespace}/${p.binding.metadata?.name} within ${timeoutMs} ms`,
            ),
          );
        }
        disarmSweep();
      },
      Math.min(1_000, timeoutMs),
    );
    sweep.unref();
  };

  /** The stream `s` is over: its pending bindings fail back, or go unary if it was never implemented. */
  const broken = (s: Stream, err: ApiError) => {
    if (stream !== s) return;
    stream = undefined;
    const failed = pending;
    pending = new Map();
    disarmSweep();
    if (err.code === Code.UNIMPLEMENTED) {
      streaming = false;
      for (const p of failed.values()) unary(p.binding).then(p.resolve, p.reject);
      return;
    }
    const lost = new ApiError(
      Code.UNAVAILABLE,
      `the bind stream to the apiserver ended before the answer (${err.message}); the binding may or may not have been made`,
    );
    for (const p of failed.values()) p.reject(lost);
  };

  const open = (): Stream => {
    const client = api.serviceClient(PodServiceClient);
    const s = client.bindPods(new Metadata());
    s.on('data', (res: BindPodsResponse) => {
      const p = pending.get(res.id);
      if (p === undefined) return; // timed out meanwhile
      pending.delete(res.id);
      disarmSweep();
      if (res.status === undefined || res.status.code === Code.OK) p.resolve(res.resourceVersion);
      else p.reject(new ApiError(res.status.code, res.status.message, res.status.details ?? {}));
    });
    s.on('error', (err: ServiceError) => broken(s, fromServiceError(err)));
    s.on('end', () => broken(s, new ApiError(Code.UNAVAILABLE, 'the apiserver ended the stream')));
    return s;
  };

  return {
    get streaming() {
      return streaming;
    },
    bind(binding) {
      if (!streaming) return unary(binding);
      stream ??= open();
      const s = stream;
      return new Promise<string>((resolve, reject) => {
        // Ids wrap at 2^32; one still pending that long ago has timed out.
        const id = nextId;
        nextId = (nextId + 1) >>> 0;
        pending.set(id, { binding, deadline: Date.now() + timeoutMs, resolve, reject });
        armSweep();
        s.write({ id, binding });
      });
    },
    close() {
      const s = stream;
      if (s === undefined) return;
      broken(s, new ApiError(Code.UNAVAILABLE, 'the scheduler closed the stream'));
      s.end();
      s.cancel();
    },
  };
}
