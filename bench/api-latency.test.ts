/**
 * API call latency from a real /metrics text of the apiserver's form: calls named by verb
 * and resource, a phase measured as the difference of two scrapes, quantiles estimated
 * within buckets as Prometheus does.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { callLatencies, callOf, isMutating, parseHistograms, quantile, subtract } from './api-latency.js';

const scrape = (create: number[], list: number[]) => {
  const bounds = ['0.005', '0.01', '0.1', '1', '+Inf'];
  const lines = (method: string, counts: number[]) =>
    bounds.map(
      (le, i) =>
        `grpc_server_handling_seconds_bucket{le="${le}",grpc_service="wheelhouse.core.v1.PodService",grpc_method="${method}",grpc_type="unary",component="apiserver"} ${counts[i]}`,
    );
  return [
    '# TYPE grpc_server_handling_seconds histogram',
    ...lines('CreatePod', create),
    ...lines('ListPods', list),
    'grpc_server_handling_seconds_bucket{le="+Inf",grpc_service="wheelhouse.core.v1.PodService",grpc_method="WatchPods",grpc_type="server_stream",component="apiserver"} 9',
  ].join('\n');
};

it('names calls by verb and resource', () => {
  assert.equal(callOf('wheelhouse.core.v1.PodService', 'CreatePod'), 'Create pods');
  assert.equal(callOf('wheelhouse.core.v1.PodService', 'UpdatePodStatus'), 'UpdateStatus pods');
  assert.equal(callOf('wheelhouse.apps.v1.ReplicaSetService', 'ListReplicaSets'), 'List replicasets');
  assert.ok(isMutating('Create pods') && isMutating('UpdateStatus pods') && !isMutating('List pods'));
});

it('measures a phase alone, from the difference of two scrapes', () => {
  const before = parseHistograms(scrape([100, 100, 100, 100, 100], [5, 5, 5, 5, 5]));
  const after = parseHistograms(scrape([100, 150, 190, 200, 200], [5, 5, 5, 5, 5]));
  assert.deepEqual([...after.keys()].sort(), ['Create pods', 'List pods']);
  const phase = callLatencies(subtract(after, before));
  assert.equal(phase.length, 1);
  const [create] = phase;
  assert.equal(create?.call, 'Create pods');
  assert.equal(create?.count, 100);
  // 50 of 100 by 10 ms: the median is at the bucket's top; p99 is in (0.1, 1].
  assert.ok(Math.abs((create?.p50 ?? 0) - 0.01) < 1e-9);
  assert.ok(Math.abs((create?.p99 ?? 0) - 0.91) < 1e-9);
});

it('answers the largest finite bound when the quantile falls in +Inf', () => {
  const buckets = new Map([
    [0.1, 1],
    [1, 1],
    [Number.POSITIVE_INFINITY, 10],
  ]);
  assert.equal(quantile(buckets, 0.99), 1);
  assert.ok(Number.isNaN(quantile(new Map([[Number.POSITIVE_INFINITY, 0]]), 0.5)));
});
