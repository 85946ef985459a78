/**
 * The event recorder's Prometheus metrics, on the component's registry:
 *
 * - `wheelhouse_events_dropped_total{reason}`: Events never written — `queue_full`,
 *   `rate_limited` (the per-object spam filter), `write_failed` (refused, or the
 *   apiserver unreachable until the retries ran out).
 * - `wheelhouse_events_queued`: Events waiting to be written, those waiting to be tried
 *   again after the apiserver could not be reached included: during an outage it grows.
 *
 * Both read the recorder when scraped; nothing is counted twice on the event path.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { EventDropReason, EventRecorder } from './event-recorder.js';

const reasons: readonly EventDropReason[] = ['queue_full', 'rate_limited', 'write_failed'];

export function registerEventRecorderMetrics(registry: Registry, recorder: EventRecorder): void {
  // What each reason's counter has been raised to: a scrape adds what was dropped since.
  const reported: Record<EventDropReason, number> = { queue_full: 0, rate_limited: 0, write_failed: 0 };
  new Counter({
    name: 'wheelhouse_events_dropped_total',
    help: 'Events the recorder never wrote, by reason: queue_full, rate_limited (per object), write_failed.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      for (const reason of reasons) {
        const now = recorder.droppedByReason[reason];
        // Zero too, so that every reason's series exists from the first scrape.
        this.inc({ reason }, now - reported[reason]);
        reported[reason] = now;
      }
    },
  });
  new Gauge({
    name: 'wheelhouse_events_queued',
    help: 'Events waiting to be written by the recorder.',
    registers: [registry],
    collect() {
      this.set(recorder.queued);
    },
  });
}
