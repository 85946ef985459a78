/** Where the recorder writes Events: the apiserver, through the dynamic client, or a test double. */
import type { ApiClient } from '../client/dynamic-client.js';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { kinds } from '../kinds.js';
import { createEventsStream } from './create-events-stream.js';

export interface EventSink {
  create(event: Event): Promise<Event>;
  update(event: Event): Promise<Event>;
  /**
   * Whether creates are pipelined (many in flight cost the apiserver no more calls): the
   * recorder then keeps more of them in flight.
   */
  readonly pipelined?: boolean;
}

export interface ApiEventSinkOptions {
  /**
   * Create over one `CreateEvents` stream (the default), falling back to unary
   * `CreateEvent` against an apiserver without it; false: always unary.
   */
  readonly stream?: boolean;
}

/**
 * The apiserver as an EventSink. Creates go over the CreateEvents stream; updates (the
 * recorder's aggregated repeats, rare) are unary. A create lost with a broken stream
 * rejects with UNAVAILABLE, as a unary call that lost its connection does.
 */
export function apiEventSink(client: ApiClient, opts: ApiEventSinkOptions = {}): EventSink {
  const info = kinds.find((k) => k.kind === 'Event');
  if (!info) throw new Error('the kind table has no Event');
  const unary = async (event: Event) => (await client.create(info, event)) as Event;
  if (opts.stream === false) {
    return { create: unary, update: async (event) => (await client.update(info, event)) as Event };
  }
  const stream = createEventsStream(client);
  return {
    get pipelined() {
      return stream.streaming;
    },
    async create(event) {
      if (!stream.streaming) return unary(event);
      try {
        const resourceVersion = await stream.create(event);
        return { ...event, metadata: event.metadata && { ...event.metadata, resourceVersion } };
      } catch (err) {
        // The apiserver has no CreateEvents: this Event was not made; make it the old way.
        if (err instanceof ApiError && err.code === Code.UNIMPLEMENTED && !stream.streaming)
          return unary(event);
        throw err;
      }
    },
    update: async (event) => (await client.update(info, event)) as Event,
  };
}
