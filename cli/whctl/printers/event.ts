/**
 * Events: LAST SEEN TYPE REASON OBJECT MESSAGE, and SUBOBJECT SOURCE FIRST SEEN
 * COUNT NAME with -o wide (kubectl's printEvent). A repeated event's LAST SEEN
 * says how often and over how long: `5m (x3 over 20m)`.
 */
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import { age } from './age.js';
import { definePrinter } from './printer.js';

export const eventPrinter = definePrinter<Event>(
  [
    { header: 'LAST SEEN', cell: (e, now) => lastSeen(e, now) },
    { header: 'TYPE', cell: (e) => e.type },
    { header: 'REASON', cell: (e) => e.reason },
    { header: 'OBJECT', cell: (e) => involved(e) },
    { header: 'SUBOBJECT', wide: true, cell: (e) => e.involvedObject?.fieldPath ?? '' },
    { header: 'SOURCE', wide: true, cell: (e) => source(e) },
    { header: 'MESSAGE', cell: (e) => e.message.trim() },
    { header: 'FIRST SEEN', wide: true, cell: (e, now) => age(firstSeen(e), now) },
    { header: 'COUNT', wide: true, cell: (e) => String(e.count || 1) },
    { header: 'NAME', wide: true, cell: (e) => e.metadata?.name ?? '' },
  ],
  { withoutName: true },
);

function firstSeen(e: Event): Date | undefined {
  return e.firstTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp;
}

function lastSeenAt(e: Event): Date | undefined {
  return e.series?.lastObservedTime ?? e.lastTimestamp ?? e.eventTime ?? firstSeen(e);
}

function lastSeen(e: Event, now: Date): string {
  const last = age(lastSeenAt(e), now);
  const count = e.series?.count || e.count;
  if (count > 1) return `${last} (x${count} over ${age(firstSeen(e), now)})`;
  return last;
}

function involved(e: Event): string {
  const o = e.involvedObject;
  if (!o) return '';
  return `${o.kind.toLowerCase()}/${o.name}`;
}

function source(e: Event): string {
  const component = e.source?.component || e.reportingComponent;
  const host = e.source?.host || e.reportingInstance;
  if (!component) return '';
  return host ? `${component}, ${host}` : component;
}
