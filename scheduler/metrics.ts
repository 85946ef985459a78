/** The scheduler's Prometheus metrics, named and labelled as kube-scheduler's. */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { FrameworkMetrics } from './framework/runtime.js';
import { type HistogramSeries, HotHistogram } from './hot-histogram.js';
import type { QueueName } from './queue/scheduling-queue.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export interface SchedulerMetrics {
  attempt(result: AttemptResult, profile: string, seconds: number): void;
  /** The profile's extension-point metrics (the same object for every call with one profile). */
  framework(profile: string): FrameworkMetrics;
}

const byRegistry = new WeakMap<
  Registry,
  { metrics: SchedulerMetrics; source: { pending: () => Record<QueueName, number> } }
>();

/**
 * The metrics on `registry`, made once per registry: a component runs a new scheduler
 * each leadership term, and the latest one's queue is what scheduler_pending_pods reads.
 */
export function schedulerMetrics(
  registry: Registry,
  pendingPods: () => Record<QueueName, number>,
): SchedulerMetrics {
  const known = byRegistry.get(registry);
  if (known !== undefined) {
    known.source.pending = pendingPods;
    return known.metrics;
  }
  const source = { pending: pendingPods };
  new Gauge({
    name: 'scheduler_pending_pods',
    help: 'Pods waiting to be scheduled, by queue: active, backoff, unschedulable, gated.',
    labelNames: ['queue'],
    registers: [registry],
    collect() {
      for (const [queue, n] of Object.entries(source.pending())) this.set({ queue }, n);
    },
  });
  // The attempts and their durations are observed once per pod, the extension points
  // several times per pod: HotHistograms, whose series are looked up once per label set.
  const attemptDuration = new HotHistogram(
    'scheduler_scheduling_attempt_duration_seconds',
    'Scheduling attempt latency: the scheduling cycle (filters, scores, assume), without the bind.',
    ['result', 'profile'],
    [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  );
  const attemptSeries = new Map<string, { result: string; profile: string; series: HistogramSeries }>();
  const attemptOf = (result: AttemptResult, profile: string) => {
    const key = `${result}\u0000${profile}`;
    let a = attemptSeries.get(key);
    if (a === undefined) {
      a = { result, profile, series: attemptDuration.labels(result, profile) };
      attemptSeries.set(key, a);
    }
    return a.series;
  };
  // The attempts counted are the duration histogram's observations, read when scraped.
  new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: 'Scheduling attempts by result (scheduled, unschedulable, error) and profile.',
    labelNames: ['result', 'profile'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { result, profile, series } of attemptSeries.values())
        if (series.count > 0) this.inc({ result, profile }, series.count);
    },
  });
  const extensionPoint = new HotHistogram(
    'scheduler_framework_extension_point_duration_seconds',
    'Latency of running all plugins of one extension point for one pod.',
    ['extension_point', 'status', 'profile'],
    [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registry,
  );
  const byProfile = new Map<string, FrameworkMetrics>();
  const metrics: SchedulerMetrics = {
    attempt(result, profile, seconds) {
      attemptOf(result, profile).observe(seconds);
    },
    framework: (profile) => {
      const known = byProfile.get(profile);
      if (known !== undefined) return known;
      // point → status → series: the keys are the framework's constant strings.
      const byPoint = new Map<string, Map<string, HistogramSeries>>();
      const fm: FrameworkMetrics = {
        observeExtensionPoint(point, status, seconds) {
          let byStatus = byPoint.get(point);
          if (byStatus === undefined) {
            byStatus = new Map();
            byPoint.set(point, byStatus);
          }
          let s = byStatus.get(status);
          if (s === undefined) {
            s = extensionPoint.labels(point, status, profile);
            byStatus.set(status, s);
          }
          s.observe(seconds);
        },
      };
      byProfile.set(profile, fm);
      return fm;
    },
  };
  byRegistry.set(registry, { metrics, source });
  return metrics;
}
