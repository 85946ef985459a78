import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDelayingQueue } from './delaying-queue.js';
import { createFakeClock } from './fake-clock.js';

const pending = Symbol('pending');

function settled<T>(p: Promise<T>): Promise<T | typeof pending> {
  return Promise.race([p, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
}

describe('DelayingQueue', () => {
  it('adds an item once its delay has passed, not before', () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('a', 50);
    assert.equal(q.length, 0);
    clock.advance(49.9);
    assert.equal(q.length, 0);
    clock.advance(0.1);
    assert.equal(q.length, 1);
  });

  it('adds delayed items in deadline order, whatever the order of the calls', async () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('c', 30);
    q.addAfter('a', 10);
    q.addAfter('d', 40);
    q.addAfter('b', 20);
    clock.advance(25);
    assert.equal(q.length, 2);
    clock.advance(100);
    const got = [await q.get(), await q.get(), await q.get(), await q.get()];
    assert.deepEqual(got, ['a', 'b', 'c', 'd']);
  });

  it('keeps the earlier deadline of an item added after delays twice', async () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('a', 100);
    q.addAfter('a', 10);
    q.addAfter('b', 10);
    q.addAfter('b', 100);
    clock.advance(10);
    assert.equal(q.length, 2, 'both at the earlier deadline');
    q.done((await q.get())!);
    q.done((await q.get())!);
    clock.advance(200);
    assert.equal(q.length, 0, 'the later deadlines were not kept');
  });

  it('uses one timer for all waiting items', () => {
    const clock = createFakeClock();
    const q = createDelayingQueue<number>({ clock });
    for (let n = 0; n < 1000; n++) q.addAfter(n, 1 + ((n * 7919) % 1000));
    assert.equal(clock.pendingTimers, 1);
    clock.advance(500);
    assert.equal(clock.pendingTimers, 1);
    assert.equal(q.length, 500);
    clock.advance(500);
    assert.equal(q.length, 1000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('re-arms its timer for an earlier deadline', () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('late', 1000);
    q.addAfter('early', 10);
    clock.advance(10);
    assert.equal(q.length, 1);
    assert.equal(clock.pendingTimers, 1);
  });

  it('adds at once when the delay is not positive', () => {
    const q = createDelayingQueue({ clock: createFakeClock() });
    q.addAfter('a', 0);
    q.addAfter('b', -5);
    assert.equal(q.length, 2);
  });

  it('wakes a waiting getter when a delayed item falls due', async () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    const got = q.get();
    q.addAfter('a', 10);
    assert.equal(await settled(got), pending);
    clock.advance(10);
    assert.equal(await settled(got), 'a');
  });

  it('drops waiting items on shutdown and refuses delayed adds after it', async () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('a', 10);
    q.shutDown();
    assert.equal(clock.pendingTimers, 0);
    q.addAfter('b', 10);
    q.addAfter('c', 0);
    assert.equal(clock.pendingTimers, 0, 'a refused delayed add sets no timer');
    clock.advance(100);
    assert.equal(q.length, 0);
    assert.equal(await q.get(), undefined);
  });

  it('drops waiting items on shutdown with drain', async () => {
    const clock = createFakeClock();
    const q = createDelayingQueue({ clock });
    q.addAfter('a', 10);
    await q.shutDownWithDrain();
    assert.equal(clock.pendingTimers, 0);
    clock.advance(100);
    assert.equal(q.length, 0);
  });

  it('on the real clock, adds after at least the delay, in deadline order', async () => {
    const q = createDelayingQueue();
    const start = performance.now();
    q.addAfter('slow', 60);
    q.addAfter('fast', 20);
    const first = await q.get();
    const firstAt = performance.now() - start;
    const second = await q.get();
    const secondAt = performance.now() - start;
    assert.deepEqual([first, second], ['fast', 'slow']);
    // Never early; the upper bounds only catch an item left waiting, with room for a loaded host.
    assert.ok(firstAt >= 20 && firstAt < 5_000, `fast after ${firstAt} ms`);
    assert.ok(secondAt >= 60 && secondAt < 5_000, `slow after ${secondAt} ms`);
    q.shutDown();
  });
});
