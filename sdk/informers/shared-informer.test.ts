import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { until } from '../../test/until.js';
import { Backoff } from '../backoff.js';
import { ApiError } from '../errors.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { indexByNodeName, NODE_NAME_INDEX } from './indexer.js';
import { informerMetrics } from './metrics.js';
import { SharedInformer } from './shared-informer.js';
import { MemoryListerWatcher } from './testing.js';
import { DeletedFinalStateUnknown, type EventHandler } from './types.js';

interface Thing extends KindObject {
  spec: { nodeName: string; value: number };
}

function thing(name: string, value = 0, nodeName = '', namespace = 'default'): Thing {
  return {
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: ObjectMeta.create({ name, namespace }),
    spec: { nodeName, value },
  };
}

function recorder() {
  const seen: string[] = [];
  const handler: EventHandler<Thing> = {
    onAdd: (o) => seen.push(`add ${o.metadata?.name} ${o.spec.value}`),
    onUpdate: (a, b) => seen.push(`update ${b.metadata?.name} ${a.spec.value}->${b.spec.value}`),
    onDelete: (o) =>
      seen.push(
        o instanceof DeletedFinalStateUnknown
          ? `tombstone ${o.key} ${o.object.spec.value}`
          : `delete ${o.metadata?.name}`,
      ),
  };
  return { seen, handler };
}

const fast = () => new Backoff({ initialMs: 1, maxMs: 5, jitter: 0 });

function start(
  lw: MemoryListerWatcher<Thing>,
  opts: Partial<ConstructorParameters<typeof SharedInformer<Thing>>[1]> = {},
) {
  const informer = new SharedInformer<Thing>(lw, { name: 'things', backoff: fast(), pageSize: 2, ...opts });
  const ac = new AbortController();
  const done = informer.run(ac.signal);
  return {
    informer,
    stop: async () => {
      ac.abort();
      await done;
    },
  };
}

describe('SharedInformer', () => {
  test('lists in pages, syncs, then delivers each change once, in order', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    for (let i = 0; i < 5; i++) lw.upsert(thing(`t${i}`, i));
    const { informer, stop } = start(lw);
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    assert.equal(await informer.waitForSync(), true);
    assert.equal(informer.indexer.size, 5);
    assert.equal(lw.lists, 3, 'five objects in pages of two');
    lw.upsert(thing('t1', 10));
    lw.remove('default/t2');
    lw.upsert(thing('t9', 9));
    await until(() => seen.length === 8, 'events');
    assert.deepEqual(seen.slice(5), ['update t1 1->10', 'delete t2', 'add t9 9']);
    assert.equal(informer.lastSyncResourceVersion(), String(lw.revision));
    await stop();
  });

  test('a cut watch resumes from the last resourceVersion: no relist, nothing repeated or lost', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('a', 0));
    const { informer, stop } = start(lw);
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    await informer.waitForSync();
    for (let i = 1; i <= 50; i++) {
      lw.upsert(thing('a', i));
      if (i % 5 === 0) lw.cutWatches();
      if (i % 7 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await until(() => seen.length === 51, 'fifty updates');
    assert.deepEqual(
      seen.slice(1),
      Array.from({ length: 50 }, (_, i) => `update a ${i}->${i + 1}`),
    );
    assert.equal(lw.lists, 1, 'never listed again');
    assert.ok(lw.watches > 5, `watched ${lw.watches} times`);
    await stop();
  });

  test('when the history is compacted it lists again and delivers the differences, with tombstones', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('keep', 1));
    lw.upsert(thing('change', 1));
    lw.upsert(thing('vanish', 1));
    const registry = new Registry();
    const { informer, stop } = start(lw, { metrics: informerMetrics(registry) });
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    await informer.waitForSync();
    // Changes made while the informer is away, and history it can no longer replay.
    lw.failNext = ApiError.unavailable('gone for a moment');
    lw.cutWatches();
    lw.upsert(thing('change', 2));
    lw.remove('default/vanish');
    lw.upsert(thing('new', 1));
    lw.compact();
    await until(() => seen.length === 6, 'the differences');
    assert.deepEqual(seen.slice(3).sort(), ['add new 1', 'tombstone default/vanish 1', 'update change 1->2']);
    assert.deepEqual(informer.indexer.keys().sort(), ['default/change', 'default/keep', 'default/new']);
    const metrics = await registry.getMetricsAsJSON();
    const relists = metrics.find((m) => m.name === 'informer_relists_total');
    assert.equal(relists?.values[0]?.value, 1);
    await stop();
  });

  test('indexes follow changes: pods by node', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('p1', 0, 'n1'));
    lw.upsert(thing('p2', 0, 'n1'));
    lw.upsert(thing('p3', 0, ''));
    const { informer, stop } = start(lw, { indexers: { [NODE_NAME_INDEX]: indexByNodeName } });
    await informer.waitForSync();
    const names = (node: string) =>
      informer.indexer
        .byIndex(NODE_NAME_INDEX, node)
        .map((o) => o.metadata?.name)
        .sort();
    assert.deepEqual(names('n1'), ['p1', 'p2']);
    lw.upsert(thing('p2', 0, 'n2'));
    lw.upsert(thing('p3', 0, 'n2'));
    lw.remove('default/p1');
    await until(() => names('n2').length === 2 && names('n1').length === 0, 'index moves');
    assert.deepEqual(informer.indexer.byIndex('namespace', 'default').length, 2);
    await stop();
  });

  test('a handler added after sync is told of every cached object; a failing handler does not stop the others', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('a'));
    lw.upsert(thing('b'));
    const { informer, stop } = start(lw);
    await informer.waitForSync();
    informer.addEventHandler({
      onAdd() {
        throw new Error('boom');
      },
    });
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    assert.deepEqual(seen.sort(), ['add a 0', 'add b 0']);
    lw.upsert(thing('c'));
    await until(() => seen.length === 3, 'c');
    await stop();
  });

  test('failures back off and recover; resync hands every object to onUpdate', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('a', 1));
    lw.failNext = ApiError.unavailable('not yet');
    const { informer, stop } = start(lw, { resyncPeriodMs: 20 });
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    assert.equal(await informer.waitForSync(AbortSignal.timeout(20_000)), true);
    assert.equal(lw.lists, 2, 'the failed list was retried');
    await until(() => seen.filter((s) => s === 'update a 1->1').length >= 2, 'resyncs');
    await stop();
  });

  test('a watch that was healthy and then fails is retried after the initial delay, not the grown one', async () => {
    // Every fault of a long run grew the delay, and only a failure-free step reset it: a
    // component that had lived through a few apiserver restarts waited 10 s for the next.
    const delays: number[] = [];
    class Recorded extends Backoff {
      override next(): number {
        const d = super.next();
        delays.push(d);
        return d;
      }
    }
    const lw = new MemoryListerWatcher<Thing>();
    lw.upsert(thing('a', 0));
    const { informer, stop } = start(lw, { backoff: new Recorded({ initialMs: 1, maxMs: 64, jitter: 0 }) });
    const { seen, handler } = recorder();
    informer.addEventHandler(handler);
    await informer.waitForSync();
    await until(() => lw.watches === 1, 'the first watch');
    // Two failures in a row: a watch cut before it delivered anything, then one refused.
    lw.failNext = ApiError.unavailable('restarting');
    lw.cutWatches();
    await until(() => delays.length === 2, 'two delays');
    assert.deepEqual(delays, [1, 2]);
    // A watch that delivers, then breaks.
    await until(() => lw.watches === 3, 'a third watch');
    lw.upsert(thing('a', 1));
    await until(() => seen.includes('update a 0->1'), 'the update');
    lw.breakWatches(ApiError.unavailable('the server went away'));
    await until(() => delays.length === 3, 'a third delay');
    assert.equal(delays[2], 1, 'the delay after a healthy watch is the initial one');
    await stop();
  });

  test('run resolves when its signal aborts, also while waiting on a quiet watch', async () => {
    const lw = new MemoryListerWatcher<Thing>();
    const { informer, stop } = start(lw);
    await informer.waitForSync();
    const t0 = Date.now();
    await stop();
    // It does not wait for the quiet watch to end; 5 s allows for a loaded machine.
    assert.ok(Date.now() - t0 < 5_000, `stopped after ${Date.now() - t0} ms`);
  });
});
