/**
 * The Events of an object, as `describe` lists them at its end: found by the fields
 * kubectl selects on (involvedObject name, namespace and uid), oldest first, with
 * repeats shown as `(xN over D)`.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import type { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { kinds } from '../../../sdk/kinds.js';
import { humanDuration } from '../printers/index.js';
import type { Description } from './description.js';

const eventInfo = kinds.find((k) => k.kind === 'Event');

export async function eventsOf(client: ApiClient, object: KindObject): Promise<Event[]> {
  const m = object.metadata;
  if (!eventInfo || !m?.name) return [];
  const fields = [`involvedObject.name=${m.name}`, `involvedObject.namespace=${m.namespace ?? ''}`];
  if (m.uid) fields.push(`involvedObject.uid=${m.uid}`);
  // Events of a cluster-scoped object live in the default namespace, as Kubernetes records them.
  const list = await client.list(eventInfo, m.namespace || '', { fieldSelector: fields.join(',') });
  const events = list.items as Event[];
  return events.sort((a, b) => lastSeen(a) - lastSeen(b));
}

function lastSeen(e: Event): number {
  return (e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp)?.getTime() ?? 0;
}

function firstSeen(e: Event): number {
  return (e.firstTimestamp ?? e.eventTime ?? e.lastTimestamp)?.getTime() ?? 0;
}

/** `Events:` and a table of Type, Reason, Age, From, Message — or `<none>`. */
export function describeEvents(d: Description, events: readonly Event[], now: Date): void {
  if (events.length === 0) {
    d.item(0, 'Events', '');
    return;
  }
  d.heading(0, 'Events');
  const rows = [
    ['Type', 'Reason', 'Age', 'From', 'Message'],
    ['----', '------', '----', '----', '-------'],
    ...events.map((e) => {
      const count = e.series?.count ?? e.count;
      const age = humanDuration(now.getTime() - lastSeen(e));
      const over = count > 1 ? ` (x${count} over ${humanDuration(now.getTime() - firstSeen(e))})` : '';
      const from = e.source?.component || e.reportingComponent || '';
      return [e.type, e.reason, `${age}${over}`, from, e.message.trim()];
    }),
  ];
  d.table(1, rows);
}
