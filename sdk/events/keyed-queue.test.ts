import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { KeyedQueue } from './keyed-queue.js';

/** Takes until nothing is ready, marking nothing done: `key:value` in the order handed out. */
function takeAll(q: KeyedQueue<string>): string[] {
  const out: string[] = [];
  for (let next = q.take(); next !== undefined; next = q.take()) out.push(`${next.key}:${next.value}`);
  return out;
}

describe('KeyedQueue', () => {
  test('items of distinct keys are handed out in the order pushed', () => {
    const q = new KeyedQueue<string>();
    for (const k of ['c', 'a', 'b']) q.push(k, '1');
    assert.equal(q.size, 3);
    assert.deepEqual(takeAll(q), ['c:1', 'a:1', 'b:1']);
    assert.equal(q.size, 0);
  });

  test('a key hands out one item at a time, the next only once the last is done', () => {
    const q = new KeyedQueue<string>();
    q.push('a', '1');
    q.push('a', '2');
    q.push('b', '1');
    q.push('a', '3');
    assert.deepEqual(takeAll(q), ['a:1', 'b:1']);
    assert.equal(q.size, 2);
    q.done('a');
    assert.deepEqual(takeAll(q), ['a:2']);
    q.done('a');
    assert.deepEqual(takeAll(q), ['a:3']);
    q.done('a');
    assert.equal(q.take(), undefined);
    assert.equal(q.size, 0);
  });

  test('a key done with more waiting is ready behind the keys that were ready before it', () => {
    const q = new KeyedQueue<string>();
    q.push('a', '1');
    q.push('a', '2');
    assert.deepEqual(takeAll(q), ['a:1']);
    q.push('b', '1');
    q.done('a');
    q.push('c', '1');
    assert.deepEqual(takeAll(q), ['b:1', 'a:2', 'c:1']);
  });

  test('an item pushed to a busy key waits for done, and to an idle key is ready at once', () => {
    const q = new KeyedQueue<string>();
    q.push('a', '1');
    assert.deepEqual(takeAll(q), ['a:1']);
    q.push('a', '2');
    assert.equal(q.take(), undefined, 'a is busy');
    q.done('a');
    assert.deepEqual(takeAll(q), ['a:2']);
    q.done('a');
    // Forgotten once idle with nothing waiting: pushed again, it is ready at once.
    q.push('a', '3');
    assert.deepEqual(takeAll(q), ['a:3']);
  });

  test('done for a key not handed out changes nothing', () => {
    const q = new KeyedQueue<string>();
    q.done('x');
    q.push('a', '1');
    q.push('a', '2');
    q.done('a');
    assert.deepEqual(takeAll(q), ['a:1'], 'done before take did not make a second item ready');
  });

  test('an item put back is taken again before the later items of its key, behind keys ready before', () => {
    const q = new KeyedQueue<string>();
    q.push('a', '1');
    q.push('a', '2');
    assert.deepEqual(takeAll(q), ['a:1']);
    q.push('b', '1');
    q.requeue('a', '1');
    assert.equal(q.size, 3);
    assert.deepEqual(takeAll(q), ['b:1', 'a:1'], 'a is busy again once its item is retaken');
    q.done('a');
    assert.deepEqual(takeAll(q), ['a:2']);
    q.done('a');
    q.done('b');
    assert.equal(q.size, 0);
    // The last item of a key, put back: its key is kept, and forgotten once done.
    q.push('c', '1');
    assert.deepEqual(takeAll(q), ['c:1']);
    q.requeue('c', '1');
    assert.deepEqual(takeAll(q), ['c:1']);
    q.done('c');
    assert.equal(q.take(), undefined);
    assert.equal(q.size, 0);
  });

  test('putting back an item of a key not taken is a mistake', () => {
    const q = new KeyedQueue<string>();
    q.push('a', '1');
    assert.throws(() => q.requeue('a', '1'), /not taken/);
    assert.throws(() => q.requeue('x', '1'), /not taken/);
  });
});
