import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createFakeClock } from './fake-clock.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

/** The sample `metricName` of `family` for the queue `name`, if any. */
async function sample(registry: Registry, family: string, name: string, metricName = family) {
  const metric = registry.getSingleMetric(family);
  assert.ok(metric, `${family} is registered`);
  const { values } = await metric.get();
  return (values as { value: number; labels: Record<string, unknown>; metricName?: string }[]).find(
    (v) => (v.metricName ?? family) === metricName && v.labels.name === name,
  )?.value;
}

function assertClose(actual: number | undefined, expected: number): void {
  assert.ok(actual !== undefined && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
}

describe('workqueue metrics', () => {
  it('report adds, depth, waiting and working times, retries and work in flight', async () => {
    const clock = createFakeClock(1000);
    const registry = new Registry();
    const q = createRateLimitingQueue({ name: 'pods', registry, clock });
    q.add('a');
    q.add('b');
    q.add('a'); // already waiting: not an add
    assert.equal(await sample(registry, 'workqueue_adds_total', 'pods'), 2);
    assert.equal(await sample(registry, 'workqueue_depth', 'pods'), 2);

    clock.advance(10);
    const a = (await q.get())!;
    assert.equal(await sample(registry, 'workqueue_depth', 'pods'), 1);
    const waited = 'workqueue_queue_duration_seconds';
    assert.equal(await sample(registry, waited, 'pods', `${waited}_count`), 1);
    assertClose(await sample(registry, waited, 'pods', `${waited}_sum`), 0.01);

    clock.advance(20);
    const b = (await q.get())!;
    clock.advance(30);
    // a has run 50 ms, b 30 ms.
    assertClose(await sample(registry, 'workqueue_unfinished_work_seconds', 'pods'), 0.08);
    assertClose(await sample(registry, 'workqueue_longest_running_processor_seconds', 'pods'), 0.05);

    q.done(a);
    const worked = 'workqueue_work_duration_seconds';
    assert.equal(await sample(registry, worked, 'pods', `${worked}_count`), 1);
    assertClose(await sample(registry, worked, 'pods', `${worked}_sum`), 0.05);
    assertClose(await sample(registry, 'workqueue_unfinished_work_seconds', 'pods'), 0.03);

    q.addRateLimited(b); // b failed
    q.addAfter('c', 100);
    assert.equal(await sample(registry, 'workqueue_retries_total', 'pods'), 2);
    assert.equal(
      await sample(registry, 'workqueue_adds_total', 'pods'),
      2,
      'a delayed add is not an add yet',
    );
    q.done(b); // after 30 ms
    clock.advance(100);
    assert.equal(await sample(registry, 'workqueue_adds_total', 'pods'), 4);
    assert.equal(await sample(registry, 'workqueue_depth', 'pods'), 2);
    assertClose(await sample(registry, worked, 'pods', `${worked}_sum`), 0.08);
    q.shutDown();
  });

  it('count an item added while it is processed in the depth and the adds', async () => {
    const registry = new Registry();
    const q = createRateLimitingQueue({ name: 'q', registry, clock: createFakeClock() });
    q.add('a');
    await q.get();
    q.add('a');
    assert.equal(await sample(registry, 'workqueue_adds_total', 'q'), 2);
    assert.equal(await sample(registry, 'workqueue_depth', 'q'), 1);
    q.done('a');
    await q.get();
    assert.equal(await sample(registry, 'workqueue_depth', 'q'), 0);
  });

  it('keep queues of different names on one registry apart', async () => {
    const clock = createFakeClock();
    const registry = new Registry();
    const pods = createRateLimitingQueue({ name: 'pods', registry, clock });
    const nodes = createRateLimitingQueue({ name: 'nodes', registry, clock });
    pods.add('a');
    pods.add('b');
    nodes.add('a');
    await nodes.get();
    clock.advance(7);
    assert.equal(await sample(registry, 'workqueue_adds_total', 'pods'), 2);
    assert.equal(await sample(registry, 'workqueue_adds_total', 'nodes'), 1);
    assert.equal(await sample(registry, 'workqueue_depth', 'pods'), 2);
    assert.equal(await sample(registry, 'workqueue_depth', 'nodes'), 0);
    assert.equal(await sample(registry, 'workqueue_unfinished_work_seconds', 'pods'), 0);
    assertClose(await sample(registry, 'workqueue_unfinished_work_seconds', 'nodes'), 0.007);
    assert.match(await registry.metrics(), /workqueue_depth\{name="pods"\} 2/);
  });

  it('stop reporting work in flight for a queue that is shut down and idle', async () => {
    const registry = new Registry();
    const q = createRateLimitingQueue({ name: 'gone', registry, clock: createFakeClock() });
    q.add('a');
    await q.get();
    q.shutDown();
    assert.equal(await sample(registry, 'workqueue_longest_running_processor_seconds', 'gone'), 0);
    q.done('a');
    assert.equal(await sample(registry, 'workqueue_longest_running_processor_seconds', 'gone'), undefined);
  });

  it('are not registered without a registry', async () => {
    const q = createRateLimitingQueue({ name: 'quiet', clock: createFakeClock() });
    q.add('a');
    q.done((await q.get())!);
    q.addRateLimited('a');
    q.shutDown();
  });
});
