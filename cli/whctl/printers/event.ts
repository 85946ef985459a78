/** whctl's LAST SEEN of events, as `kubectl events` prints it: a repeated event says how often and over how long. */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { eventCount, eventFirstSeen, eventLastSeen } from '../../../sdk/printers/index.js';

/** `5m`, or `5m (x3 over 20m)` for an event that happened three times. */
export function eventLastSeenWithRepeats(object: KindObject, now: Date): string {
  const e = object as Event;
  const last = eventLastSeen(e, now);
  const count = eventCount(e);
  return count > 1 ? `${last} (x${count} over ${eventFirstSeen(e, now)})` : last;
}
