/**
 * The watch caches' Prometheus metrics, read from the caches when the registry is
 * collected: what each resource's history holds and weighs, what its watchers have left
 * unread, and how many watchers were ended for falling behind, by the limit they passed.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Exhausted } from './cache-watcher.js';
import type { WatchCache } from './watch-cache.js';

export function registerWatchCacheMetrics(
  registry: Registry,
  caches: Iterable<WatchCache<KindObject>>,
): void {
  const all = [...caches];
  const registers = [registry];
  new Gauge({
    name: 'apiserver_watch_cache_events',
    help: 'Events the watch cache keeps for watches that resume from a revision.',
    labelNames: ['resource'],
    registers,
    collect() {
      for (const cache of all) this.set({ resource: cache.resource }, cache.history.events);
    },
  });
  new Gauge({
    name: 'apiserver_watch_cache_bytes',
    help: 'Estimated memory of those events, from their encoded size (bounded by --watch-cache-max-bytes).',
    labelNames: ['resource'],
    registers,
    collect() {
      for (const cache of all) this.set({ resource: cache.resource }, cache.history.bytes);
    },
  });
  new Gauge({
    name: 'apiserver_watch_cache_pending_bytes',
    help: 'Estimated memory of the events queued for watchers and not yet sent, added up over the watchers (each bounded by --watch-max-pending-bytes).',
    labelNames: ['resource'],
    registers,
    collect() {
      for (const cache of all) this.set({ resource: cache.resource }, cache.pendingBytes);
    },
  });
  // Counters only go up: each collection adds what the caches counted since the last.
  const counted = new Map<string, number>();
  const terminated = new Counter({
    name: 'apiserver_terminated_watchers_total',
    help: 'Watchers ended with RESOURCE_EXHAUSTED for falling behind, by the limit they passed: events (the count) or bytes (--watch-max-pending-bytes).',
    labelNames: ['resource', 'reason'],
    registers,
    collect() {
      for (const cache of all) {
        const { dropped, droppedForBytes } = cache.metrics;
        const totals: Record<Exhausted, number> = {
          events: dropped - droppedForBytes,
          bytes: droppedForBytes,
        };
        for (const reason of ['events', 'bytes'] as const) {
          const key = `${cache.resource} ${reason}`;
          const added = totals[reason] - (counted.get(key) ?? 0);
          if (added <= 0) continue;
          counted.set(key, totals[reason]);
          this.inc({ resource: cache.resource, reason }, added);
        }
      }
    },
  });
  for (const cache of all) {
    for (const reason of ['events', 'bytes']) terminated.inc({ resource: cache.resource, reason }, 0);
  }
}
