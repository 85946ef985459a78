import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { until } from '../../test/until.js';
import { Backoff } from '../backoff.js';
import { ApiError } from '../errors.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { MutationCache } from './mutation-cache.js';
import { SharedInformer } from './shared-informer.js';
import { MemoryListerWatcher } from './testing.js';
import type { InformerWatchEvent } from './types.js';

interface Thing extends KindObject {
  spec: { value: number };
}

function thing(name: string, value = 0, uid = `uid-${name}`): Thing {
  return {
    apiVersion: 'v1',
    kind: 'Thing',
    metadata: ObjectMeta.create({ name, namespace: 'default', uid }),
    spec: { value },
  };
}

/** A MemoryListerWatcher whose watch can be held: the informer falls behind the "server". */
class HeldListerWatcher extends MemoryListerWatcher<Thing> {
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open();
  }

  override async *watch(
    opts: { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<readonly InformerWatchEvent<Thing>[]> {
    for await (const events of super.watch(opts, signal)) {
      await this.gate;
      yield events;
    }
  }

  /** An update with the API's precondition: ABORTED unless `obj` is at the current resourceVersion. */
  update(obj: Thing): Thing {
    const current = this.current().find((o) => o.metadata?.name === obj.metadata?.name);
    if (current?.metadata?.resourceVersion !== obj.metadata?.resourceVersion)
      throw ApiError.conflict(`things "${obj.metadata?.name}": the object has been modified`);
    return this.upsert(obj);
  }
}

/** Adds one to spec.value from `read`'s copy and writes it, as a sync does. */
function bump(lw: HeldListerWatcher, read: () => Thing | undefined): Thing {
  const obj = structuredClone(read());
  assert.ok(obj);
  obj.spec.value++;
  return lw.update(obj);
}

describe('MutationCache', () => {
  const stops: AbortController[] = [];
  after(() => {
    for (const s of stops) s.abort();
  });

  async function setup(...initial: Thing[]) {
    const lw = new HeldListerWatcher();
    for (const obj of initial) lw.upsert(obj);
    const informer = new SharedInformer<Thing>(lw, {
      name: 'things',
      backoff: new Backoff({ initialMs: 1, maxMs: 5, jitter: 0 }),
    });
    const stop = new AbortController();
    stops.push(stop);
    void informer.run(stop.signal);
    await informer.waitForSync();
    const cache = new MutationCache(informer);
    const seenRv = (key: string) => informer.indexer.get(key)?.metadata?.resourceVersion;
    return { lw, informer, cache, seenRv };
  }

  test('two writes in a row before the informer shows the first: the second starts from the first', async () => {
    const { lw, informer, cache, seenRv } = await setup(thing('a'));
    lw.hold();
    const first = bump(lw, () => cache.get('default/a'));
    cache.mutated(first);
    assert.equal(seenRv('default/a'), '1', 'the informer has not shown the write');
    // Reading the informer alone, the second write is made from the old copy: ABORTED.
    assert.throws(() => bump(lw, () => informer.indexer.get('default/a')), /has been modified/);
    const second = bump(lw, () => cache.get('default/a'));
    cache.mutated(second);
    assert.deepEqual([second.spec.value, cache.get('default/a')?.metadata?.resourceVersion], [2, '3']);
    lw.release();
    await until(() => seenRv('default/a') === '3', 'the informer to catch up');
    assert.equal(cache.size, 0, 'an entry goes once the informer has shown its write');
    assert.equal(cache.get('default/a'), informer.indexer.get('default/a'));
  });

  test("someone else's later write wins over ours once the informer shows it", async () => {
    const { lw, cache, seenRv } = await setup(thing('a'));
    lw.hold();
    cache.mutated(bump(lw, () => cache.get('default/a')));
    const theirs = lw.update({ ...structuredClone(lw.current()[0] as Thing), spec: { value: 40 } });
    lw.release();
    await until(() => seenRv('default/a') === theirs.metadata?.resourceVersion, 'their write');
    assert.equal(cache.get('default/a')?.spec.value, 40);
    assert.equal(cache.size, 0);
  });

  test('an overlay replaces listed objects by our later writes, and only those', async () => {
    const { lw, informer, cache } = await setup(thing('a'), thing('b'));
    lw.hold();
    cache.mutated(bump(lw, () => cache.get('default/b')));
    const listed = cache.overlay(informer.indexer.list()).map((o) => `${o.metadata?.name}=${o.spec.value}`);
    assert.deepEqual(listed.sort(), ['a=0', 'b=1']);
    lw.release();
  });

  test('a deleted object reads as absent, and its entry goes', async () => {
    const { lw, informer, cache } = await setup(thing('a'));
    lw.hold();
    cache.mutated(bump(lw, () => cache.get('default/a')));
    lw.remove('default/a');
    lw.release();
    await until(() => !informer.indexer.has('default/a'), 'the deletion');
    assert.equal(cache.get('default/a'), undefined);
    assert.equal(cache.size, 0);
  });

  test('an object recreated under the name (another uid) is not read as our write', async () => {
    const { lw, informer, cache } = await setup(thing('a'));
    lw.hold();
    const ours = bump(lw, () => cache.get('default/a'));
    cache.mutated(ours);
    lw.remove('default/a');
    lw.upsert(thing('a', 7, 'uid-other'));
    lw.release();
    await until(() => informer.indexer.get('default/a')?.metadata?.uid === 'uid-other', 'the new object');
    assert.equal(cache.get('default/a')?.spec.value, 7);
  });

  test('writes of objects the informer does not hold are not kept', async () => {
    const { lw, cache } = await setup();
    lw.hold();
    cache.mutated(lw.upsert(thing('new')));
    assert.equal(cache.size, 0);
    assert.equal(cache.get('default/new'), undefined);
    lw.release();
  });

  test('an older write recorded after a newer one does not replace it', async () => {
    const { lw, cache } = await setup(thing('a'));
    lw.hold();
    const first = bump(lw, () => cache.get('default/a'));
    const second = bump(lw, () => first);
    cache.mutated(second);
    cache.mutated(first);
    assert.equal(cache.get('default/a')?.metadata?.resourceVersion, second.metadata?.resourceVersion);
    lw.release();
  });
});
