/** The scheduler's Prometheus metrics, named and labelled as kube-scheduler's. */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FrameworkMetrics } from './framework/runtime.js';
import type { QueueName } from './queue/scheduling-queue.js';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

export interface SchedulerMetrics {
  attempt(result: AttemptResult, profile: string, seconds: number): void;
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
  const attempts = new Counter({
    name: 'scheduler_schedule_attempts_total',
    help: 'Scheduling attempts by result (scheduled, unschedulable, error) and profile.',
    labelNames: ['result', 'profile'],
    registers: [registry],
  });
  const attemptDuration = new Histogram({
    name: 'scheduler_scheduling_attempt_duration_seconds',
    help: 'Scheduling attempt latency: the scheduling cycle (filters, scores, assume), without the bind.',
    labelNames: ['result', 'profile'],
    buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const extensionPoint = new Histogram({
    name: 'scheduler_framework_extension_point_duration_seconds',
    help: 'Latency of running all plugins of one extension point for one pod.',
    labelNames: ['extension_point', 'status', 'profile'],
    buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
    registers: [registry],
  });
  const metrics: SchedulerMetrics = {
    attempt(result, profile, seconds) {
      attempts.inc({ result, profile });
      attemptDuration.observe({ result, profile }, seconds);
    },
    framework: (profile) => ({
      observeExtensionPoint(point, status, seconds) {
        extensionPoint.observe({ extension_point: point, status, profile }, seconds);
      },
    }),
  };
  byRegistry.set(registry, { metrics, source });
  return metrics;
}
