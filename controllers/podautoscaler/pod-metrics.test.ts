/** The pods' samples as the HPA reads them from ListPodMetrics: milli-units, per pod or per container. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PodMetrics } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { resourceMetricsOf } from './pod-metrics.js';

const TAKEN = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));

function item(name: string, containers: Record<string, Record<string, string>>): PodMetrics {
  return {
    metadata: ObjectMeta.fromPartial({ name, namespace: 'default' }),
    timestamp: TAKEN,
    window: { seconds: '1', nanos: 500_000_000 },
    containers: Object.entries(containers).map(([c, usage]) => ({ name: c, usage })),
  };
}

const values = (m: ReturnType<typeof resourceMetricsOf>) =>
  Object.fromEntries([...m.metrics].map(([pod, s]) => [pod, s.value]));

test('a pod is the sum of its containers, in milli-units; one missing the resource leaves the pod out', () => {
  const items = [
    item('a', { main: { cpu: '250m', memory: '1Ki' }, side: { cpu: '1234567n', memory: '1Ki' } }),
    item('b', { main: { cpu: '0', memory: '1Ki' }, side: { memory: '1Ki' } }),
  ];
  // 1234567n is 1.234567m, rounded up to 2m as Kubernetes' MilliValue rounds.
  assert.deepEqual(values(resourceMetricsOf(items, 'cpu', '')), { a: 252 });
  assert.deepEqual(values(resourceMetricsOf(items, 'memory', '')), { a: 2_048_000, b: 2_048_000 });
  const sample = resourceMetricsOf(items, 'cpu', '').metrics.get('a');
  assert.deepEqual([sample?.timestamp, sample?.windowMs], [TAKEN, 1500]);
});

test('a container resource is that container alone', () => {
  const items = [
    item('a', { main: { cpu: '250m' }, side: { cpu: '5m' } }),
    item('b', { main: {}, side: { cpu: '5m' } }),
  ];
  assert.deepEqual(values(resourceMetricsOf(items, 'cpu', 'side')), { a: 5, b: 5 });
  assert.deepEqual(values(resourceMetricsOf(items, 'cpu', 'main')), { a: 250 });
  assert.throws(() => resourceMetricsOf(items, 'cpu', 'nope'), {
    message: 'failed to get container metrics: container nope not present in metrics for pod default/a',
  });
});

test('no samples at all is an error', () => {
  assert.throws(() => resourceMetricsOf([], 'cpu', ''), {
    message: 'no metrics returned from resource metrics API',
  });
});
