/**
 * What an informer reports to Prometheus, labelled by the informer's name: how often it
 * had to list again (history compacted), how often its watch was resumed, the events it
 * handled, its cache's size, and how long ago it last heard from the apiserver (which
 * sends a bookmark at least every second on a quiet watch, so this is its lag bound).
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export interface InformerMetrics {
  relists: Counter<'informer'>;
  watchRestarts: Counter<'informer'>;
  events: Counter<'informer' | 'type'>;
  /** Each running informer, by name: read when the metrics are scraped. */
  readonly informers: Map<string, InformerGauges>;
}

export interface InformerGauges {
  /** Seconds since the watch last delivered anything. */
  lastHeardSeconds(): number;
  objects(): number;
}

const perRegistry = new WeakMap<Registry, InformerMetrics>();

/** The informer metrics of a registry, created on first use. */
export function informerMetrics(registry: Registry): InformerMetrics {
  let m = perRegistry.get(registry);
  if (m === undefined) {
    const informers = new Map<string, InformerGauges>();
    m = {
      relists: new Counter({
        name: 'informer_relists_total',
        help: 'Full lists after the first: the watch history the informer needed was compacted.',
        labelNames: ['informer'],
        registers: [registry],
      }),
      watchRestarts: new Counter({
        name: 'informer_watch_restarts_total',
        help: 'Watches resumed from the last resourceVersion after the stream ended or broke.',
        labelNames: ['informer'],
        registers: [registry],
      }),
      events: new Counter({
        name: 'informer_events_total',
        help: 'Watch events applied to the cache, by type.',
        labelNames: ['informer', 'type'],
        registers: [registry],
      }),
      informers,
    };
    new Gauge({
      name: 'informer_cache_objects',
      help: 'Objects in the informer cache.',
      labelNames: ['informer'],
      registers: [registry],
      collect() {
        for (const [informer, g] of informers) this.set({ informer }, g.objects());
      },
    });
    new Gauge({
      name: 'informer_last_heard_seconds',
      help: 'Seconds since the watch last delivered an event or a bookmark.',
      labelNames: ['informer'],
      registers: [registry],
      collect() {
        for (const [informer, g] of informers) this.set({ informer }, g.lastHeardSeconds());
      },
    });
    perRegistry.set(registry, m);
  }
  return m;
}
