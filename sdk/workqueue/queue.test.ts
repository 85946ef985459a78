import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createQueue } from './queue.js';

const pending = Symbol('pending');

/** The value of `p` if it settles within a turn of the event loop, else `pending`. */
function settled<T>(p: Promise<T>): Promise<T | typeof pending> {
  return Promise.race([p, new Promise<typeof pending>((resolve) => setImmediate(() => resolve(pending)))]);
}

describe('Queue', () => {
  it('hands out an item added many times while waiting once', async () => {
    const q = createQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    q.add('a');
    assert.equal(q.length, 2);
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(q.length, 0);
    assert.equal(await settled(q.get()), pending);
    q.shutDown();
  });

  it('hands items out in the order they were first added', async () => {
    const q = createQueue<number>();
    const order = [5, 3, 9, 1, 7, 2, 8];
    for (const n of order) q.add(n);
    for (const n of order) q.add(n);
    const got: number[] = [];
    for (let n = 0; n < order.length; n++) got.push((await q.get())!);
    assert.deepEqual(got, order);
  });

  it('keeps order across many items (the FIFO compacts as it goes)', async () => {
    const q = createQueue<number>();
    const got: number[] = [];
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < 3000; n++) q.add(round * 3000 + n);
      for (let n = 0; n < 2000; n++) {
        const item = (await q.get())!;
        got.push(item);
        q.done(item);
      }
    }
    while (q.length > 0) got.push((await q.get())!);
    assert.deepEqual(
      got,
      Array.from({ length: 9000 }, (_, i) => i),
    );
  });

  it('never hands an item being processed to a second worker, and re-queues it once on done', async () => {
    const q = createQueue();
    q.add('a');
    const item = await q.get();
    assert.equal(item, 'a');
    q.add('a'); // changed while being processed
    q.add('a');
    assert.equal(q.length, 0, 'an item being processed is not queued');
    const second = q.get();
    assert.equal(await settled(second), pending, 'a second worker does not get the item being processed');
    q.done('a');
    assert.equal(await settled(second), 'a', 'done re-queues an item added while it was processed');
    q.done('a');
    assert.equal(q.length, 0, 'added twice while processed, re-queued once');
    assert.equal(await settled(q.get()), pending);
    q.shutDown();
  });

  it('does not re-queue an item on done when it was not added meanwhile', async () => {
    const q = createQueue();
    q.add('a');
    q.done((await q.get())!);
    assert.equal(q.length, 0);
    assert.equal(await settled(q.get()), pending);
    q.shutDown();
  });

  it('puts an item re-queued by done behind the items already waiting', async () => {
    const q = createQueue();
    q.add('a');
    await q.get();
    q.add('a');
    q.add('b');
    q.done('a');
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), 'a');
  });

  it('ignores done for an item that is not being processed', async () => {
    const q = createQueue();
    q.add('a');
    q.done('a');
    q.done('z');
    assert.equal(q.length, 1, 'a waiting item is not queued twice');
  });

  it('hands items to waiting getters in the order they asked', async () => {
    const q = createQueue();
    const first = q.get();
    const second = q.get();
    q.add('a');
    q.add('b');
    assert.equal(await first, 'a');
    assert.equal(await second, 'b');
  });

  it('shutDown wakes waiting getters with undefined and refuses adds', async () => {
    const q = createQueue();
    const waiting = [q.get(), q.get()];
    assert.equal(await settled(waiting[0]!), pending);
    q.shutDown();
    assert.equal(q.shuttingDown, true);
    assert.deepEqual(await Promise.all(waiting), [undefined, undefined]);
    q.add('a');
    assert.equal(q.length, 0);
    assert.equal(await q.get(), undefined);
  });

  it('still hands out the items queued before shutDown, then undefined', async () => {
    const q = createQueue();
    q.add('a');
    q.add('b');
    q.shutDown();
    assert.equal(await q.get(), 'a');
    assert.equal(await q.get(), 'b');
    assert.equal(await q.get(), undefined);
  });

  it('shutDownWithDrain waits for the items being processed', async () => {
    const q = createQueue();
    q.add('a');
    q.add('b');
    const a = (await q.get())!;
    const b = (await q.get())!;
    const drained = q.shutDownWithDrain();
    assert.equal(q.shuttingDown, true);
    q.add('c');
    assert.equal(q.length, 0, 'adds are refused while draining');
    q.done(a);
    assert.equal(await settled(drained), pending, 'one item is still being processed');
    q.done(b);
    assert.equal(await settled(drained), undefined);
  });

  it('shutDownWithDrain resolves at once when nothing is being processed', async () => {
    const q = createQueue();
    q.add('a');
    assert.equal(await settled(q.shutDownWithDrain()), undefined);
  });

  it('shutDownWithDrain hands out again an item added while it was processed', async () => {
    const q = createQueue();
    q.add('a');
    await q.get();
    q.add('a');
    const drained = q.shutDownWithDrain();
    q.done('a');
    assert.equal(await q.get(), 'a');
    q.done('a');
    await drained;
    assert.equal(await q.get(), undefined);
  });

  it('shutDown ends a drain in progress', async () => {
    const q = createQueue();
    q.add('a');
    await q.get();
    const drained = q.shutDownWithDrain();
    assert.equal(await settled(drained), pending);
    q.shutDown();
    assert.equal(await settled(drained), undefined);
  });

  it('needs a name to register metrics', () => {
    assert.throws(() => createQueue({ registry: new Registry() }), TypeError);
  });
});
