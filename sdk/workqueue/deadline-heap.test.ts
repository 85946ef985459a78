import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineHeap } from './deadline-heap.js';

/** A deterministic pseudo-random sequence (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('DeadlineHeap', () => {
  it('pops items earliest deadline first, each once with its earliest deadline', () => {
    const next = random(7);
    const heap = new DeadlineHeap<number>();
    const earliest = new Map<number, number>();
    for (let n = 0; n < 5000; n++) {
      const item = Math.floor(next() * 800);
      const at = Math.floor(next() * 10_000);
      heap.push(item, at);
      earliest.set(item, Math.min(at, earliest.get(item) ?? Infinity));
    }
    assert.equal(heap.size, earliest.size);
    const popped: [number, number][] = [];
    for (let at = heap.peekDeadline(); at !== undefined; at = heap.peekDeadline()) {
      popped.push([heap.popDue(at)!, at]);
    }
    assert.equal(popped.length, earliest.size);
    assert.deepEqual(new Map(popped), earliest);
    for (let i = 1; i < popped.length; i++) assert.ok(popped[i - 1]![1] <= popped[i]![1]);
  });

  it('pops only what is due', () => {
    const heap = new DeadlineHeap<string>();
    heap.push('b', 20);
    heap.push('a', 10);
    assert.equal(heap.popDue(9), undefined);
    assert.equal(heap.popDue(10), 'a');
    assert.equal(heap.popDue(19), undefined);
    assert.equal(heap.popDue(100), 'b');
    assert.equal(heap.popDue(100), undefined);
  });

  it('keeps an earlier deadline and answers whether a push changed it', () => {
    const heap = new DeadlineHeap<string>();
    assert.equal(heap.push('a', 10), true);
    assert.equal(heap.push('a', 30), false);
    assert.equal(heap.peekDeadline(), 10);
    assert.equal(heap.push('a', 5), true);
    assert.equal(heap.peekDeadline(), 5);
    assert.equal(heap.size, 1);
  });

  it('breaks ties by when the deadline was set', () => {
    const heap = new DeadlineHeap<string>();
    for (const item of ['c', 'a', 'd', 'b']) heap.push(item, 10);
    const popped = [heap.popDue(10), heap.popDue(10), heap.popDue(10), heap.popDue(10)];
    assert.deepEqual(popped, ['c', 'a', 'd', 'b']);
  });

  it('clear empties it', () => {
    const heap = new DeadlineHeap<string>();
    heap.push('a', 1);
    heap.clear();
    assert.equal(heap.size, 0);
    assert.equal(heap.popDue(Infinity), undefined);
    assert.equal(heap.push('a', 50), true, 'a cleared item is new again');
  });
});
