/**
 * A client of a bidirectional RPC that pipelines items by id (`PodService.BindPods`,
 * `EventService.CreateEvents`): each request carries one item and an id, each response
 * answers one id with a resourceVersion or a Status, in the order the server completes
 * them. A unary call costs the client far more CPU than a message on an open stream, so
 * a component that makes one such write per thing it does sends them all over one call.
 *
 * Contract: `send` settles once per item — with the resourceVersion the server
 * answered, or an ApiError (the server's answer for that item; UNAVAILABLE when the
 * stream broke before the answer came, the item's fate then unknown, as a unary call's
 * that lost its connection; DEADLINE_EXCEEDED after `timeoutMs`). A broken stream is
 * re-opened by the next send. A server without the method (UNIMPLEMENTED) is
 * remembered: `streaming` turns false and every item then goes to `fallback`, those
 * pending on the stream included (the server made none of them). With `idleMs`, a
 * stream with nothing pending that long is closed, so that an idle component holds no
 * call open (nor its process alive); the next send opens another.
 */
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { ApiError, Code, fromServiceError } from '../errors.js';
import type { Status } from '../gen/wheelhouse/meta/v1/meta.js';

/** The answer to one item: its id, and a resourceVersion on success or a Status on failure. */
export interface PipelinedResponse {
  readonly id: number;
  readonly resourceVersion: string;
  readonly status?: Status | undefined;
}

export interface PipelinedStreamOptions<Item, Req, Res extends PipelinedResponse, Out = string> {
  /** Opens one call of the stream (called again after a stream broke). */
  open(): ClientDuplexStream<Req, Res>;
  /** The request that carries `item` under `id`. */
  request(id: number, item: Item): Req;
  /** The item for messages, after "no answer to": `the binding of pod ns/name`. */
  describe(item: Item): string;
  /** The stream for messages: `the bind stream`. */
  readonly name: string;
  /** What a lost answer leaves unknown: `the binding may or may not have been made`. */
  readonly unknownOutcome: string;
  /** Why pending items fail when `close` is called: `the scheduler closed the stream`. */
  readonly closedMessage: string;
  /** How long an item waits for its answer (as a unary call's deadline). */
  readonly timeoutMs: number;
  /** How long a stream with nothing pending stays open; never closed when absent. */
  readonly idleMs?: number;
  /** Does an item once the server answered UNIMPLEMENTED; resolves as `send` does. */
  fallback(item: Item): Promise<Out>;
  /**
   * What `send` resolves with, from a success's answer; its resourceVersion when absent
   * (then `Out` is string).
   */
  answer?(res: Res): Out;
}

export interface PipelinedStream<Item, Out = string> {
  /** Sends the item; resolves with the resourceVersion the server answered (or `answer`'s value). */
  send(item: Item): Promise<Out>;
  /** Whether items go over the stream (false once the server answered UNIMPLEMENTED). */
  readonly streaming: boolean;
  /** Ends the stream; items still pending fail with UNAVAILABLE. */
  close(): void;
}

interface Pending<Item, Out> {
  readonly item: Item;
  readonly deadline: number;
  resolve(answer: Out): void;
  reject(err: Error): void;
}

export function createPipelinedStream<Item, Req, Res extends PipelinedResponse, Out = string>(
  opts: PipelinedStreamOptions<Item, Req, Res, Out>,
): PipelinedStream<Item, Out> {
  type Stream = ClientDuplexStream<Req, Res>;
  // Without `answer`, Out is string (the options' default), and the resourceVersion is it.
  const answer = opts.answer ?? ((res: Res) => res.resourceVersion as Out);
  const { timeoutMs, idleMs } = opts;
  let streaming = true;
  let stream: Stream | undefined;
  /** The open stream's items awaiting answers, oldest first (Map keeps insertion order). */
  let pending = new Map<number, Pending<Item, Out>>();
  let nextId = 0;
  let sweep: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;

  const clearIdle = () => {
    if (idle !== undefined) {
      clearTimeout(idle);
      idle = undefined;
    }
  };

  const disarmSweep = () => {
    if (pending.size > 0) return;
    if (sweep !== undefined) {
      clearInterval(sweep);
      sweep = undefined;
    }
    if (idleMs !== undefined && stream !== undefined && idle === undefined) {
      const s = stream;
      idle = setTimeout(() => {
        idle = undefined;
        if (stream !== s || pending.size > 0) return;
        // Half-closed with nothing pending, the server ends the call at once.
        stream = undefined;
        s.end();
      }, idleMs);
      idle.unref();
    }
  };
  // Armed only while items are pending: an idle component keeps no timer.
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
              `no answer to ${opts.describe(p.item)} within ${timeoutMs} ms`,
            ),
          );
        }
        disarmSweep();
      },
      Math.min(1_000, timeoutMs),
    );
    sweep.unref();
  };

  /** The stream `s` is over: its pending items fail back, or go to the fallback if it was never implemented. */
  const broken = (s: Stream, err: ApiError) => {
    if (stream !== s) return;
    stream = undefined;
    const failed = pending;
    pending = new Map();
    disarmSweep();
    if (err.code === Code.UNIMPLEMENTED) {
      streaming = false;
      for (const p of failed.values()) opts.fallback(p.item).then(p.resolve, p.reject);
      return;
    }
    const lost = new ApiError(
      Code.UNAVAILABLE,
      `${opts.name} to the apiserver ended before the answer (${err.message}); ${opts.unknownOutcome}`,
    );
    for (const p of failed.values()) p.reject(lost);
  };

  const open = (): Stream => {
    const s = opts.open();
    s.on('data', (res: Res) => {
      const p = pending.get(res.id);
      if (p === undefined) return; // timed out meanwhile
      pending.delete(res.id);
      disarmSweep();
      if (res.status === undefined || res.status.code === Code.OK) p.resolve(answer(res));
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
    send(item) {
      if (!streaming) return opts.fallback(item);
      clearIdle();
      stream ??= open();
      const s = stream;
      return new Promise<Out>((resolve, reject) => {
        // Ids wrap at 2^32; one still pending that long ago has timed out.
        const id = nextId;
        nextId = (nextId + 1) >>> 0;
        pending.set(id, { item, deadline: Date.now() + timeoutMs, resolve, reject });
        armSweep();
        s.write(opts.request(id, item));
      });
    },
    close() {
      clearIdle();
      const s = stream;
      if (s === undefined) return;
      broken(s, new ApiError(Code.UNAVAILABLE, opts.closedMessage));
      s.end();
      s.cancel();
    },
  };
}
