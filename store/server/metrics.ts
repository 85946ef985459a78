import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Backend, BackendObserver } from '../types.js';

export interface StoreMetrics {
  /** Feeds batch sizes and watcher counts from the backend. */
  readonly observer: BackendObserver;
  /** Time from a write's arrival to its durable acknowledgement. */
  observeWrite(op: string, seconds: number): void;
  /** Revision and size gauges read the backend when scraped. */
  attach(backend: Backend): void;
}

const latencyBuckets = [0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1];

export function createStoreMetrics(registry: Registry): StoreMetrics {
  let backend: Backend | undefined;
  const registers = [registry];
  const writeSeconds = new Histogram({
    name: 'wheelhouse_store_write_seconds',
    help: 'Time from the arrival of a write to its durable acknowledgement.',
    labelNames: ['op'],
    buckets: latencyBuckets,
    registers,
  });
  // One child per operation, looked up once: observe() with labels hashes them on every call.
  const byOp = new Map<string, ReturnType<typeof writeSeconds.labels>>();
  const writeLatency = (op: string) => {
    const known = byOp.get(op);
    if (known) return known;
    const child = writeSeconds.labels(op);
    byOp.set(op, child);
    return child;
  };
  const batchSize = new Histogram({
    name: 'wheelhouse_store_batch_writes',
    help: 'Writes made durable together by one synced batch (group commit).',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
    registers,
  });
  const syncSeconds = new Histogram({
    name: 'wheelhouse_store_batch_sync_seconds',
    help: 'Time to write and sync one batch.',
    buckets: latencyBuckets,
    registers,
  });
  const watchers = new Gauge({ name: 'wheelhouse_store_watchers', help: 'Open watches.', registers });
  const fellBehind = new Counter({
    name: 'wheelhouse_store_watchers_fell_behind_total',
    help: 'Watches ended because their consumer fell too far behind.',
    registers,
  });
  new Gauge({
    name: 'wheelhouse_store_revision',
    help: 'The current revision.',
    registers,
    collect() {
      if (backend) this.set(backend.currentRevision());
    },
  });
  new Gauge({
    name: 'wheelhouse_store_keys',
    help: 'Live keys at the current revision.',
    registers,
    async collect() {
      if (backend) this.set((await backend.status()).keys);
    },
  });
  new Gauge({
    name: 'wheelhouse_store_db_size_bytes',
    help: 'Size of the database on disk.',
    registers,
    async collect() {
      if (backend) this.set((await backend.status()).dbSizeBytes);
    },
  });
  new Gauge({
    name: 'wheelhouse_store_compact_revision',
    help: 'The compacted revision.',
    registers,
    async collect() {
      if (backend) this.set((await backend.status()).compactRevision);
    },
  });
  return {
    observer: {
      commit(size, seconds) {
        batchSize.observe(size);
        syncSeconds.observe(seconds);
      },
      watchers: (count) => watchers.set(count),
      fellBehind: () => fellBehind.inc(),
    },
    observeWrite: (op, seconds) => writeLatency(op).observe(seconds),
    attach(b) {
      backend = b;
    },
  };
}
