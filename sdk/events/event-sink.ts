/** Where the recorder writes Events: the apiserver, through the dynamic client, or a test double. */
import type { ApiClient } from '../client/dynamic-client.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { kinds } from '../kinds.js';

export interface EventSink {
  create(event: Event): Promise<Event>;
  update(event: Event): Promise<Event>;
}

export function apiEventSink(client: ApiClient): EventSink {
  const info = kinds.find((k) => k.kind === 'Event');
  if (!info) throw new Error('the kind table has no Event');
  return {
    create: async (event) => (await client.create(info, event)) as Event,
    update: async (event) => (await client.update(info, event)) as Event,
  };
}
