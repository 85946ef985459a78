/**
 * `cronjob_controller_job_creation_skew_duration_seconds`, as Kubernetes exports it: how
 * long after its scheduled time each Job was created. One histogram per registry, kept
 * across leadership terms (the controller starts again in each).
 */
import { Histogram, type Registry } from 'prom-client';

const METRIC = 'cronjob_controller_job_creation_skew_duration_seconds';

export function creationSkewMetric(registry: Registry): Histogram {
  const existing = registry.getSingleMetric(METRIC);
  if (existing instanceof Histogram) return existing;
  return new Histogram({
    name: METRIC,
    help: 'Time between when a cronjob is scheduled to be run, and when the corresponding job is created.',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
}
