/**
 * The work queue metrics, named as client-go's (`workqueue_*`, labelled by queue
 * name). Each registry holds one set of them, created on first use and shared by every
 * queue registered there, so queues with different names never collide.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Clock } from './clock.js';

/** What a queue reports as items move through it. */
export interface QueueMetrics<T> {
  /** `item` became dirty: it will be handed out, and counts in the depth until it is. */
  add(item: T): void;
  /** `item` was handed to a worker. */
  get(item: T): void;
  /** The worker handed `item` back. */
  done(item: T): void;
  /** An item was scheduled to be added again after a delay. */
  retry(): void;
  /** The queue is finished: its in-flight gauges are no longer reported. */
  close(): void;
}

/** The items a queue is processing and since when (by its clock); read at scrape time. */
interface InFlight {
  name: string;
  clock: Clock;
  starts: Map<unknown, number>;
}

interface Families {
  depth: Gauge<'name'>;
  adds: Counter<'name'>;
  queueDuration: Histogram<'name'>;
  workDuration: Histogram<'name'>;
  retries: Counter<'name'>;
  inFlight: Set<InFlight>;
}

/** 10 ns to 10 s, a decade a bucket (client-go's). */
const durationBuckets = [1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10];

const perRegistry = new WeakMap<Registry, Families>();

function families(registry: Registry): Families {
  let f = perRegistry.get(registry);
  if (f !== undefined) return f;
  const inFlight = new Set<InFlight>();
  const registers = [registry];
  const labelNames = ['name'] as const;
  // Queues with one name on one registry add up (the longest is the longest of all).
  const perName = (combine: (a: number, b: number) => number) => (gauge: Gauge<'name'>) => {
    const values = new Map<string, number>();
    for (const q of inFlight) {
      const now = q.clock.now();
      let value = values.get(q.name) ?? 0;
      for (const start of q.starts.values()) value = combine(value, (now - start) / 1000);
      values.set(q.name, value);
    }
    gauge.reset();
    for (const [name, value] of values) gauge.set({ name }, value);
  };
  const unfinished = perName((a, b) => a + b);
  const longest = perName(Math.max);
  new Gauge({
    name: 'workqueue_unfinished_work_seconds',
    help: 'Seconds spent so far on the items being processed, not yet in work_duration; steady growth means stuck workers.',
    labelNames,
    registers,
    collect() {
      unfinished(this);
    },
  });
  new Gauge({
    name: 'workqueue_longest_running_processor_seconds',
    help: 'Seconds the longest-running worker of the queue has been processing its item.',
    labelNames,
    registers,
    collect() {
      longest(this);
    },
  });
  f = {
    depth: new Gauge({
      name: 'workqueue_depth',
      help: 'Items waiting in the queue to be handed to a worker.',
      labelNames,
      registers,
    }),
    adds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Adds that put an item in the queue (an add of an item already waiting is not counted).',
      labelNames,
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'Seconds an item waits in the queue before a worker takes it.',
      labelNames,
      buckets: durationBuckets,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'Seconds a worker spends on an item, from taking it to handing it back.',
      labelNames,
      buckets: durationBuckets,
      registers,
    }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Items scheduled to be added again after a delay.',
      labelNames,
      registers,
    }),
    inFlight,
  };
  perRegistry.set(registry, f);
  return f;
}

const noMetrics: QueueMetrics<unknown> = {
  add() {},
  get() {},
  done() {},
  retry() {},
  close() {},
};

/** The metrics of the queue `name` in `registry`; reports nothing without a registry. */
export function queueMetrics<T>(registry: Registry | undefined, name: string, clock: Clock): QueueMetrics<T> {
  if (registry === undefined) return noMetrics;
  const f = families(registry);
  const depth = f.depth.labels(name);
  const adds = f.adds.labels(name);
  const queueDuration = f.queueDuration.labels(name);
  const workDuration = f.workDuration.labels(name);
  const retries = f.retries.labels(name);
  const addedAt = new Map<T, number>();
  const inFlight: InFlight = { name, clock, starts: new Map<T, number>() };
  f.inFlight.add(inFlight);
  return {
    add(item) {
      adds.inc();
      depth.inc();
      if (!addedAt.has(item)) addedAt.set(item, clock.now());
    },
    get(item) {
      depth.dec();
      const now = clock.now();
      inFlight.starts.set(item, now);
      const added = addedAt.get(item);
      if (added !== undefined) {
        queueDuration.observe((now - added) / 1000);
        addedAt.delete(item);
      }
    },
    done(item) {
      const started = inFlight.starts.get(item);
      if (started !== undefined) {
        workDuration.observe((clock.now() - started) / 1000);
        inFlight.starts.delete(item);
      }
    },
    retry() {
      retries.inc();
    },
    close() {
      f.inFlight.delete(inFlight);
    },
  };
}
