import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventQueue } from './event-queue.js';

describe('EventQueue', () => {
  it('keeps order across single events and shared runs', () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.pushRun([2, 3]);
    q.push(4);
    q.pushRun([]);
    assert.equal(q.length, 4);
    const out: number[] = [];
    for (let e = q.shift(); e !== undefined; e = q.shift()) out.push(e);
    assert.deepEqual(out, [1, 2, 3, 4]);
    assert.equal(q.length, 0);
  });

  it('hands a queued run out as the very same array, splits one that is too long, joins several', () => {
    const q = new EventQueue<number>();
    const shared = [1, 2, 3];
    q.pushRun(shared);
    assert.equal(q.takeRun(10), shared);
    q.pushRun(shared);
    assert.deepEqual(q.takeRun(2), [1, 2]);
    assert.deepEqual(q.takeRun(2), [3]);
    // A consumer that fell behind gets its runs joined, up to the limit.
    q.pushRun(shared);
    q.pushRun([4, 5]);
    q.push(6);
    assert.deepEqual(q.takeRun(5), [1, 2, 3, 4, 5]);
    assert.deepEqual(q.takeRun(5), [6]);
    assert.deepEqual(shared, [1, 2, 3], 'a shared run is never modified');
    assert.deepEqual(q.takeRun(5), []);
  });

  it('seals its own run once handed out, so later events never change what a consumer holds', () => {
    const q = new EventQueue<number>();
    q.push(1);
    q.push(2);
    const handed = q.takeRun(10);
    q.push(3);
    assert.deepEqual(handed, [1, 2]);
    assert.deepEqual(q.takeRun(10), [3]);
    const four = [4];
    q.pushRun(four);
    q.push(5);
    const joined = q.takeRun(10);
    assert.deepEqual(joined, [4, 5]);
    assert.deepEqual(four, [4], 'joining copies, never extends a shared run');
  });

  it('weighs what it holds: single events, shared runs weighed once by their pusher, taken, joined', () => {
    const q = new EventQueue<number>((n) => n * 10);
    q.push(1);
    q.push(2);
    assert.equal(q.bytes, 30);
    const shared = [3, 4];
    q.pushRun(shared, 70);
    q.pushRun([5]);
    assert.equal(q.bytes, 150, 'a run without a weight is weighed event by event');
    assert.deepEqual(q.takeRun(2), [1, 2]);
    assert.equal(q.bytes, 120);
    assert.equal(q.shift(), 3);
    assert.equal(q.bytes, 90);
    assert.deepEqual(q.takeRun(10), [4, 5], 'joined');
    assert.equal(q.bytes, 0);
    q.pushRun(shared, 70);
    assert.equal(q.takeRun(10), shared, 'the very array');
    assert.equal(q.bytes, 0);
    q.push(6);
    q.pushRun(shared, 70);
    q.clear();
    assert.equal(q.bytes, 0);
  });

  it('cuts a take at a byte budget: a light run stays whole, a heavy event goes alone', () => {
    const q = new EventQueue<number>((n) => n);
    const light = [1, 2, 3];
    q.pushRun(light, 6);
    assert.equal(q.takeRun(10, 6), light, 'within the budget: the very array');
    const heavy = [4, 5, 6, 20, 1];
    q.pushRun(heavy, 36);
    assert.deepEqual(q.takeRun(10, 10), [4, 5]);
    assert.deepEqual(q.takeRun(10, 10), [6]);
    assert.deepEqual(q.takeRun(10, 10), [20], 'over the budget alone, still taken');
    assert.deepEqual(q.takeRun(10, 10), [1]);
    assert.equal(q.bytes, 0);
    assert.deepEqual(heavy, [4, 5, 6, 20, 1], 'the shared run is untouched');
  });

  it('clear empties it', () => {
    const q = new EventQueue<number>();
    q.pushRun([1, 2]);
    q.push(3);
    q.clear();
    assert.equal(q.length, 0);
    assert.equal(q.shift(), undefined);
  });
});
