import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyIndex } from './key-index.js';

/** A small deterministic generator, so that a failure replays. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe('KeyIndex', () => {
  it('gets, replaces and deletes like a Map', () => {
    const index = new KeyIndex<number>();
    assert.equal(index.get('/a'), undefined);
    index.set('/a', 1);
    index.set('/b', 2);
    index.set('/a', 3);
    assert.equal(index.size, 2);
    assert.equal(index.get('/a'), 3);
    assert.equal(index.has('/b'), true);
    assert.equal(index.delete('/b'), true);
    assert.equal(index.delete('/b'), false);
    assert.equal(index.has('/b'), false);
    assert.equal(index.size, 1);
    assert.deepEqual([...index.keys()], ['/a']);
    assert.deepEqual([...index.values()], [3]);
  });

  it('matches a Map through growth and heavy deletion', () => {
    for (const seed of [1, 2, 3]) {
      const random = generator(seed);
      const index = new KeyIndex<number>();
      const model = new Map<string, number>();
      // A key space of 3,000 against a first table of 1,024 slots: the index grows, and
      // runs of occupied slots wrap around the end of the table while keys come and go.
      for (let step = 0; step < 60_000; step++) {
        const key = `/registry/pods/ns-${Math.floor(random() * 3000)}`;
        const action = random();
        if (action < 0.5) {
          index.set(key, step);
          model.set(key, step);
        } else if (action < 0.8) {
          assert.equal(index.delete(key), model.delete(key), `delete ${key} at step ${step}`);
        } else {
          assert.equal(index.get(key), model.get(key), `get ${key} at step ${step}`);
        }
        assert.equal(index.size, model.size);
      }
      for (const [key, value] of model) assert.equal(index.get(key), value);
      assert.deepEqual([...index.keys()].sort(), [...model.keys()].sort());
      assert.deepEqual(
        [...index.values()].sort((a, b) => a - b),
        [...model.values()].sort((a, b) => a - b),
      );
    }
  });

  it('finds every key after deleting all but a few of many', () => {
    const index = new KeyIndex<string>();
    const keys = Array.from({ length: 20_000 }, (_, i) => `/k/${i}`);
    for (const key of keys) index.set(key, key);
    for (let i = 0; i < keys.length; i++) if (i % 97 !== 0) assert.ok(index.delete(keys[i]!));
    for (let i = 0; i < keys.length; i++)
      assert.equal(index.get(keys[i]!), i % 97 === 0 ? keys[i] : undefined);
    // Entries freed by the deletions are reused.
    for (const key of keys) index.set(key, key);
    assert.equal(index.size, keys.length);
    assert.equal([...index.keys()].length, keys.length);
  });

  it('tells apart keys that differ only in their last character or in length', () => {
    const index = new KeyIndex<number>();
    const keys = ['/a', '/a/', '/a\x00', '/b', '', '/a/b', '/a/b/'];
    for (const [i, key] of keys.entries()) index.set(key, i);
    for (const [i, key] of keys.entries()) assert.equal(index.get(key), i);
    assert.equal(index.size, keys.length);
  });
});
