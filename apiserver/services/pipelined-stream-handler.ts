/**
 * The server of a bidirectional RPC that pipelines items by id (`PodService.BindPods`,
 * `EventService.CreateEvents`): each request is one item, performed exactly as the
 * unary call performs its own, and answered by its id in the order the items complete —
 * with the resourceVersion written, or the ApiError as a Status; the stream goes on.
 *
 * An id already in flight is refused (INVALID_ARGUMENT) without touching the one in
 * flight. Past `maxInFlight` items in flight the stream is not read until some
 * complete, so a fast client is held back by HTTP/2 flow control instead of queueing
 * without bound in the server. An error that is not an ApiError is a bug: it ends the
 * stream as it would end the unary call (logged, INTERNAL), and the client fails its
 * pending items. The stream ends once the client half-closed and nothing is in flight,
 * or at once when the call is cancelled (answers still due are dropped).
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { Registry } from 'prom-client';
import { ApiError, boundStatus } from '../../sdk/errors.js';
import type { Status } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { grpcMetrics } from '../../sdk/server/metrics.js';

/** A request of the stream: one item under its id. */
export interface PipelinedRequest {
  readonly id: number;
}

/** The answer to one item: a resourceVersion on success, a Status on failure. */
export interface PipelinedResponse {
  id: number;
  resourceVersion: string;
  status?: Status | undefined;
}

export interface PipelinedStreamHandlerOptions<Req extends PipelinedRequest> {
  /**
   * Authorizes and performs one request (`signal` aborts with the call); resolves with
   * the object written. An ApiError is answered for that item alone. Fails by its
   * promise, never by throwing (an async function).
   */
  perform(
    request: Req,
    signal: AbortSignal,
  ): Promise<{ metadata?: { name?: string; resourceVersion?: string } | undefined }>;
  /**
   * Fields of a success's answer beyond id and resourceVersion, from the object written
   * (CreatePods answers the name the apiserver generated).
   */
  answerFields?(written: { metadata?: { name?: string; resourceVersion?: string } | undefined }): object;
  /** Items in flight at most before the stream is paused. */
  readonly maxInFlight: number;
  /** The item for messages, as a client names it: `binding`, `Event`. */
  readonly item: string;
  /** Called with each item's seconds from its request to its answer, success or ApiError. */
  observe?(seconds: number): void;
}

/**
 * Records each item of a stream as one call of its unary equivalent in the gRPC latency
 * histogram (`grpc_type="stream_item"`): a create sent on `CreatePods` is a `CreatePod` to
 * whoever reads API latency per verb and resource, as Kubernetes counts every request.
 */
export function itemLatency(
  registry: Registry | undefined,
  service: string,
  method: string,
): ((seconds: number) => void) | undefined {
  if (registry === undefined) return undefined;
  const child = grpcMetrics(registry).latency.labels({
    grpc_service: service,
    grpc_method: method,
    grpc_type: 'stream_item',
  });
  return (seconds) => child.observe(seconds);
}

/** Serves `call` until it ends (see the file's contract); the promise of an `asyncDuplex` handler. */
export function servePipelinedStream<Req extends PipelinedRequest, Res extends PipelinedResponse>(
  call: ServerDuplexStream<Req, Res>,
  signal: AbortSignal,
  opts: PipelinedStreamHandlerOptions<Req>,
): Promise<void> {
  const { maxInFlight, item } = opts;
  // Res is the generated message of the same three fields; a literal of them is one.
  const response = (id: number, resourceVersion: string, status: Status | undefined) =>
    ({ id, resourceVersion, status }) as Res;
  return new Promise<void>((resolve, reject) => {
    const inFlight = new Set<number>();
    let ended = false;
    let failed = false;
    const finish = () => {
      call.off('data', onData);
      call.off('end', onEnd);
      signal.removeEventListener('abort', onAbort);
    };
    const answer = (res: Res) => {
      if (signal.aborted || call.destroyed || call.writableEnded) return;
      call.write(res);
    };
    const settle = (id: number) => {
      inFlight.delete(id);
      if (failed) return;
      if (ended && inFlight.size === 0) {
        finish();
        resolve();
      } else if (inFlight.size < maxInFlight && call.isPaused()) call.resume();
    };
    const onData = (request: Req) => {
      const id = request.id;
      if (inFlight.has(id)) {
        const err = ApiError.invalid(
          `${item.toLowerCase()} id ${id} is already in flight on this stream: give each ${item} an id no other ${item} in flight has`,
        );
        answer(response(id, '', boundStatus(err.toStatus())));
        return;
      }
      inFlight.add(id);
      if (inFlight.size >= maxInFlight) call.pause();
      const started = performance.now();
      const observe = () => opts.observe?.((performance.now() - started) / 1000);
      opts.perform(request, signal).then(
        (written) => {
          observe();
          const res = response(id, written.metadata?.resourceVersion ?? '', undefined);
          answer(opts.answerFields ? { ...res, ...opts.answerFields(written) } : res);
          settle(id);
        },
        (err: unknown) => {
          if (err instanceof ApiError) {
            observe();
            answer(response(id, '', boundStatus(err.toStatus())));
            settle(id);
            return;
          }
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
  });
}
