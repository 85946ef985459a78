/**
 * Event creates pipelined over one long-lived `EventService.CreateEvents` stream: a
 * component that records an Event for most things it does (the scheduler, one per pod
 * bound) pays a unary call's client-side work once per stream instead of once per Event.
 *
 * Contract: that of `createPipelinedStream`, an Event being its item. Once the
 * apiserver answered UNIMPLEMENTED, `create` answers UNIMPLEMENTED (those pending on the
 * stream included, none of them made) and the caller creates through unary CreateEvent.
 * A stream with nothing pending for `idleMs` is closed.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ApiClient } from '../client/dynamic-client.js';
import { createPipelinedStream } from '../client/pipelined-stream.js';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { EventServiceClient } from '../gen/wheelhouse/core/v1/event_service.js';

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

const unimplemented = () =>
  new ApiError(
    Code.UNIMPLEMENTED,
    'the apiserver has no EventService.CreateEvents: create Events one call each',
  );

export function createEventsStream(api: ApiClient, opts: CreateEventsStreamOptions = {}): CreateEventsStream {
  const stream = createPipelinedStream({
    open: () => api.serviceClient(EventServiceClient).createEvents(new Metadata()),
    request: (id, event: Event) => ({ id, event }),
    describe: (event) => `the create of Event ${event.metadata?.namespace}/${event.metadata?.name}`,
    name: 'the Event stream',
    unknownOutcome: 'the Event may or may not have been created',
    closedMessage: 'the client closed the Event stream',
    timeoutMs: opts.timeoutMs ?? 30_000,
    idleMs: opts.idleMs ?? 1_000,
    fallback: () => Promise.reject(unimplemented()),
  });
  // `send` and `close` use no `this`, and `streaming` stays the helper's getter.
  return Object.assign(stream, { create: stream.send });
}
