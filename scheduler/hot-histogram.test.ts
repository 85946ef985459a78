import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { HotHistogram } from './hot-histogram.js';

const buckets = [0.00001, 0.0001, 0.001, 0.01, 1];
const observations: [string, string, number][] = [
  ['Filter', 'Success', 0.00002],
  ['Filter', 'Success', 0.0001],
  ['Filter', 'Success', 0.5],
  ['Filter', 'Success', 3],
  ['Score', 'Success', 0.000001],
  ['Score', 'Error', 0.002],
];

test('exposes what prom-client’s Histogram exposes for the same observations', async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const hot = new HotHistogram('x_seconds', 'help text', ['point', 'status'], buckets, ours);
  const reference = new Histogram({
    name: 'x_seconds',
    help: 'help text',
    labelNames: ['point', 'status'],
    buckets,
    registers: [theirs],
  });
  for (const [point, status, v] of observations) {
    hot.labels(point, status).observe(v);
    reference.observe({ point, status }, v);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  assert.equal(hot.labels('Filter', 'Success').count, 4);
  assert.deepEqual(
    (await ours.getMetricsAsJSON()).map((m) => m.name),
    ['x_seconds'],
  );

  ours.resetMetrics();
  reference.reset();
  hot.labels('Score', 'Success').observe(0.2);
  reference.observe({ point: 'Score', status: 'Success' }, 0.2);
  // A reset series stays (at zero) where prom-client forgets it: compare the one observed.
  const lines = (text: string) =>
    text.split('\n').filter((l) => l.includes('point="Score",status="Success"'));
  assert.deepEqual(lines(await ours.metrics()), lines(await theirs.metrics()));
});

test('asks for every label value', () => {
  const hot = new HotHistogram('y_seconds', 'h', ['a', 'b'], buckets, new Registry());
  assert.throws(() => hot.labels('only-one'), /2 label values expected, got 1/);
});
