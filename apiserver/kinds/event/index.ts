/** The Event: its strategy. */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { KindDefinition } from '../kind-definition.js';
import { eventStrategy } from './strategy.js';

export const eventKind: KindDefinition<Event> = {
  kind: 'Event',
  strategy: (opts) => eventStrategy(opts.eventTtlSeconds),
};
