/**
 * Event creates pipelined over one long-lived `EventService.CreateEvents` stream: a
 * component that records an Event for most things it does (the scheduler, one per pod
 * bound) pays a unary call's client-side work once per stream instead of once per Event.
 *
 * Contract: `create` settles once per Event — with the created Event's resourceVersion,
 * or an ApiError (the server's answer for that Event; UNAVAILABLE when the stream broke
 * before the answer came, the Event then made or not, as a unary call's that lost its
 * connection; DEADLINE_EXCEEDED after `timeoutMs`). A broken stream is re-opened by the
 * next create. An apiserver without CreateEvents (UNIMPLEMENTED) is remembered, and
 * `streaming` turns false: the caller then creates through unary CreateEvent, those
 * pending on the stream included (the server made none of them), which `create`
 * answers with UNIMPLEMENTED. A stream with nothing pending for `idleMs` is closed, so
 * that an idle component holds no call open (nor its process alive); the next create
 * opens another.
 */
import { type ClientDuplexStream, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ApiClient } from '../client/dynamic-client.js';
import { ApiError, Code, fromServiceError } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import {
  type CreateEventsRequest,
  type CreateEventsResponse,
  EventServiceClient,
} from '../gen/wheelhouse/core/v1/event_service.js';

export interface CreateEventsStream {
  /** Creates the Event; resolves with its resourceVersion. */
  create(event: Event): Promise<string>;
  /** Whether creates go over the stream (false once the server answered UNIMPLEMENTED). */
  readonly streaming: boolean;
  /** Ends the stream; creates still pending fail with UNAVAILABLE. */
  close(): void;
}

export interface CreateEventsStreamOptions {
  /** How long a create waits for its answer (as a unary call's deadline); 30 s by default. */
  readonly timeoutMs?: number;
  /** How long a stream with nothing pending stays open; 1 s by default. */
  readonly idleMs?: number;
}

interface Pending {
  readonly event: Event;
  readonly deadline: number;
  resolve(resourceVersion: string): void;
  reject(err: Error): void;
}

type Stream = ClientDuplexStream<CreateEventsRequest, CreateEventsResponse>;

const unimplemented = () =>
  new ApiError(
    Code.UNIMPLEMENTED,
    'the apiserver has no EventService.CreateEvents: create Events one call each',
  );

export function createEventsStream(api: ApiClient, opts: CreateEventsStreamOptions = {}): CreateEventsStream {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const idleMs = opts.idleMs ?? 1_000;
  let streaming = true;
  let stream: Stream | undefined;
  /** The open stream's creates awaiting answers, oldest first (Map keeps insertion order). */
  let pending = new Map<number, Pending>();
  let nextId = 0;
  let sweep: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;

  const disarmSweep = () => {
    if (pending.size > 0) return;
    if (sweep !== undefined) {
      clearInterval(sweep);
      sweep = undefined;
    }
    if (stream !== undefined && idle === undefined) {
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
  // Armed only while creates are pending: an idle component keeps no timer.
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
              `no answer to the create of Event ${p.event.metadata?.namespace}/${p.event.metadata?.name} within ${timeoutMs} ms`,
            ),
          );
        }
        disarmSweep();
      },
      Math.min(1_000, timeoutMs),
    );
    sweep.unref();
  };

  /** The stream `s` is over: its pending creates fail back (UNIMPLEMENTED: none was made). */
  const broken = (s: Stream, err: ApiError) => {
    if (stream !== s) return;
    stream = undefined;
    const failed = pending;
    pending = new Map();
    disarmSweep();
    if (err.code === Code.UNIMPLEMENTED) {
      streaming = false;
      for (const p of failed.values()) p.reject(unimplemented());
      return;
    }
    const lost = new ApiError(
      Code.UNAVAILABLE,
      `the Event stream to the apiserver ended before the answer (${err.message}); the Event may or may not have been created`,
    );
    for (const p of failed.values()) p.reject(lost);
  };

  const open = (): Stream => {
    const s = api.serviceClient(EventServiceClient).createEvents(new Metadata());
    s.on('data', (res: CreateEventsResponse) => {
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
    create(event) {
      if (!streaming) return Promise.reject(unimplemented());
      if (idle !== undefined) {
        clearTimeout(idle);
        idle = undefined;
      }
      stream ??= open();
      const s = stream;
      return new Promise<string>((resolve, reject) => {
        // Ids wrap at 2^32; one still pending that long ago has timed out.
        const id = nextId;
        nextId = (nextId + 1) >>> 0;
        pending.set(id, { event, deadline: Date.now() + timeoutMs, resolve, reject });
        armSweep();
        s.write({ id, event });
      });
    },
    close() {
      if (idle !== undefined) {
        clearTimeout(idle);
        idle = undefined;
      }
      const s = stream;
      if (s === undefined) return;
      broken(s, new ApiError(Code.UNAVAILABLE, 'the client closed the Event stream'));
      s.end();
      s.cancel();
    },
  };
}
