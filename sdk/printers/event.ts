/**
 * Events: LAST SEEN TYPE REASON OBJECT MESSAGE, and SUBOBJECT SOURCE FIRST SEEN
 * COUNT NAME with -o wide (kubectl's printEvent). The name is a wide column, not the first.
 */
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { age } from './age.js';
import { column, definePrinter } from './printer.js';

/** FIRST SEEN: the first occurrence, or when the event was observed (events.k8s.io events set only that). */
export function eventFirstSeen(e: Event, now: Date): string {
  return age(e.firstTimestamp ?? e.eventTime, now);
}

/** LAST SEEN: the series' last observation, the last occurrence, or else the first. */
export function eventLastSeen(e: Event, now: Date): string {
  if (e.series) return age(e.series.lastObservedTime, now);
  return e.lastTimestamp ? age(e.lastTimestamp, now) : eventFirstSeen(e, now);
}

/** How often it happened: the series' count, the event's count, at least one. */
export function eventCount(e: Event): number {
  if (e.series) return e.series.count;
  return e.count || 1;
}

/** OBJECT: `pod/web`, or the kind alone for an event about no named object. */
export function eventObject(e: Event): string {
  const kind = (e.involvedObject?.kind ?? '').toLowerCase();
  const name = e.involvedObject?.name ?? '';
  return name ? `${kind}/${name}` : kind;
}

/** SOURCE: `kubelet, node-1`, from the legacy source or the reporting controller and instance. */
export function eventSource(e: Event): string {
  const component = e.source?.component || e.reportingComponent;
  const instance = e.source?.host || e.reportingInstance;
  return instance ? `${component}, ${instance}` : component;
}

export const eventPrinter = definePrinter<Event>([
  column('Last Seen', 'string', 'Time since the latest occurrence of the event.', eventLastSeen),
  column('Type', 'string', 'Normal or Warning.', (e) => e.type),
  column('Reason', 'string', 'Why the event was emitted, in CamelCase.', (e) => e.reason),
  column('Object', 'string', 'The object the event is about.', eventObject),
  column(
    'Subobject',
    'string',
    'The part of the object the event is about (involvedObject.fieldPath).',
    (e) => e.involvedObject?.fieldPath ?? '',
    { priority: 1 },
  ),
  column('Source', 'string', 'The component, and its host, that reported the event.', eventSource, {
    priority: 1,
  }),
  column('Message', 'string', 'What happened, for people.', (e) => e.message.trim()),
  column('First Seen', 'string', 'Time since the first occurrence of the event.', eventFirstSeen, {
    priority: 1,
  }),
  // A count in a column Kubernetes types as a string: clients print it either way.
  column('Count', 'string', 'How many times the event occurred.', eventCount, { priority: 1 }),
  column('Name', 'string', 'The name of the event object.', (e) => e.metadata?.name ?? '', {
    priority: 1,
    format: 'name',
  }),
]);
