/** The Event: its strategy, and CreateEvents, creates pipelined over one stream. */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { KindDefinition } from '../kind-definition.js';
import { eventCreateEventsMethods } from './create-events.js';
import { eventStrategy } from './strategy.js';

export const eventKind: KindDefinition<Event> = {
  kind: 'Event',
  strategy: (opts) => eventStrategy(opts.eventTtlSeconds),
  subresources: (ctx) => eventCreateEventsMethods(ctx),
};
