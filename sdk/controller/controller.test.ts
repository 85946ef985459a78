import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { until } from '../../test/until.js';
import { Backoff } from '../backoff.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import { SharedInformer } from '../informers/shared-informer.js';
import { MemoryListerWatcher } from '../informers/testing.js';
import type { KindObject } from '../kind-registry.js';
import { createItemExponentialFailureRateLimiter } from '../workqueue/index.js';
import { createController, type ReconcileRequest, TerminalError } from './controller.js';

interface Thing extends KindObject {
  spec: { value: number; owner: string };
}
const thing = (name: string, value = 0, owner = ''): Thing => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: ObjectMeta.create({ name, namespace: 'ns' }),
  spec: { value, owner },
});

function setup() {
  const lw = new MemoryListerWatcher<Thing>();
  const informer = new SharedInformer<Thing>(lw, { name: 'things', backoff: new Backoff({ initialMs: 1 }) });
  const ac = new AbortController();
  const running = informer.run(ac.signal);
  return {
    lw,
    informer,
    ac,
    stop: async () => {
      ac.abort();
      await running;
    },
  };
}

const fastRetries = () => createItemExponentialFailureRateLimiter<string>(1, 20);

describe('controller', () => {
  test('reconciles each object, reads the current state, and is level-based: a burst of changes is one reconcile', async () => {
    const { lw, informer, ac, stop } = setup();
    lw.upsert(thing('a', 1));
    const seen: string[] = [];
    let block: Promise<void> | undefined;
    const controller = createController({
      name: 'things',
      rateLimiter: fastRetries(),
      async reconcile(req) {
        await block;
        const current = informer.indexer.get(`${req.namespace}/${req.name}`);
        seen.push(`${req.name}=${current?.spec.value ?? 'gone'}`);
        return undefined;
      },
    });
    controller.watch(informer);
    const done = controller.run(ac.signal);
    await until(() => seen.length === 1, 'first reconcile');
    let release!: () => void;
    block = new Promise((r) => {
      release = r;
    });
    lw.upsert(thing('b', 0));
    await until(() => controller.queue.length === 0, 'b taken');
    for (let i = 2; i <= 20; i++) lw.upsert(thing('a', i));
    await until(() => informer.indexer.get('ns/a')?.spec.value === 20, 'cache caught up');
    release();
    block = undefined;
    await until(() => seen.length === 3, 'a once more');
    await new Promise((r) => setTimeout(r, 30));
    assert.deepEqual(seen, ['a=1', 'b=0', 'a=20']);
    lw.remove('ns/a');
    await until(() => seen.length === 4, 'deletion');
    assert.equal(seen[3], 'a=gone');
    await stop();
    await done;
  });

  test('errors are retried with backoff; a TerminalError is not; requeueAfter comes back', async () => {
    const { lw, informer, ac, stop } = setup();
    const registry = new Registry();
    const calls = new Map<string, number>();
    const controller = createController({
      name: 'retries',
      registry,
      rateLimiter: fastRetries(),
      async reconcile({ name }) {
        const n = (calls.get(name) ?? 0) + 1;
        calls.set(name, n);
        if (name === 'flaky' && n < 4) throw new Error('not yet');
        if (name === 'broken') throw new TerminalError('invalid');
        if (name === 'periodic' && n < 3) return { requeueAfter: 10 };
        return undefined;
      },
    });
    controller.watch(informer);
    for (const n of ['flaky', 'broken', 'periodic']) lw.upsert(thing(n));
    const done = controller.run(ac.signal);
    await until(() => calls.get('flaky') === 4 && calls.get('periodic') === 3, 'retries');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.get('broken'), 1);
    assert.equal(calls.get('flaky'), 4);
    assert.equal(calls.get('periodic'), 3);
    assert.equal(controller.queue.numRequeues('ns/flaky'), 0, 'forgotten after success');
    const total = (await registry.getMetricsAsJSON()).find(
      (m) => m.name === 'controller_runtime_reconcile_total',
    );
    const byResult = Object.fromEntries((total?.values ?? []).map((v) => [v.labels.result, v.value]));
    assert.deepEqual(byResult, { error: 3, terminal_error: 1, requeue_after: 2, success: 2 });
    await stop();
    await done;
  });

  test('many workers, never two for one key; a map sends owners', async () => {
    const { lw, informer, ac, stop } = setup();
    const active = new Set<string>();
    let overlap = false;
    let reconciles = 0;
    const owners: string[] = [];
    const controller = createController({
      name: 'parallel',
      workers: 4,
      rateLimiter: fastRetries(),
      async reconcile({ name }) {
        if (active.has(name)) overlap = true;
        active.add(name);
        await new Promise((r) => setTimeout(r, 2));
        active.delete(name);
        reconciles++;
        owners.push(name);
        return undefined;
      },
    });
    controller.watch(informer, (obj): ReconcileRequest[] =>
      obj.spec.owner === '' ? [] : [{ namespace: 'ns', name: obj.spec.owner }],
    );
    const done = controller.run(ac.signal);
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 8; i++) lw.upsert(thing(`child-${i}`, round, `owner-${i % 3}`));
      await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => controller.queue.length === 0 && active.size === 0, 'quiet');
    assert.equal(overlap, false);
    assert.deepEqual([...new Set(owners)].sort(), ['owner-0', 'owner-1', 'owner-2']);
    assert.ok(reconciles < 240, `${reconciles} reconciles for 240 changes`);
    await stop();
    await done;
  });

  test('run waits for its informers to sync and resolves when the signal aborts', async () => {
    const { lw, informer, ac, stop } = setup();
    lw.upsert(thing('a'));
    let calls = 0;
    const controller = createController({
      name: 'stop',
      async reconcile() {
        calls++;
        return undefined;
      },
    });
    controller.watch(informer);
    const done = controller.run(ac.signal);
    await until(() => calls === 1, 'reconcile');
    ac.abort();
    await done;
    await stop();
    controller.enqueue({ namespace: 'ns', name: 'late' });
    assert.equal(controller.queue.length, 0, 'a stopped controller takes no work');
  });

  test('run with a signal already aborted returns at once, with or without informers', async () => {
    let calls = 0;
    const controller = createController({
      name: 'late',
      async reconcile() {
        calls++;
        return undefined;
      },
    });
    const ac = new AbortController();
    ac.abort();
    controller.enqueue({ namespace: 'ns', name: 'x' });
    await controller.run(ac.signal);
    assert.equal(calls, 0, 'no worker ran');
  });
});
