import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ObjectIndex } from './object-index.js';

function keysUnder(index: ObjectIndex<string>, prefix: string): string[] {
  const out: string[] = [];
  index.scan(prefix, (entry) => out.push(entry));
  return out;
}

describe('ObjectIndex', () => {
  it('scans a prefix in key order whatever the insertion order', () => {
    const index = new ObjectIndex<string>();
    for (const key of ['/r/b/2', '/r/a/1', '/r/c/1', '/r/a/3', '/r/b/1', '/r/a/2', '/s/a/1'])
      index.set(key, key);
    assert.equal(index.size, 7);
    assert.deepEqual(keysUnder(index, '/r/'), ['/r/a/1', '/r/a/2', '/r/a/3', '/r/b/1', '/r/b/2', '/r/c/1']);
    assert.deepEqual(keysUnder(index, '/r/b/'), ['/r/b/1', '/r/b/2']);
    assert.deepEqual(keysUnder(index, '/r/d/'), []);
    assert.deepEqual(keysUnder(index, '/s/'), ['/s/a/1']);
  });

  it('replaces an entry in place and forgets deleted keys', () => {
    const index = new ObjectIndex<string>();
    index.set('/r/a', 'one');
    index.set('/r/b', 'two');
    index.set('/r/a', 'one again');
    assert.deepEqual(keysUnder(index, '/r/'), ['one again', 'two']);
    assert.equal(index.delete('/r/a'), true);
    assert.equal(index.delete('/r/a'), false);
    assert.equal(index.get('/r/a'), undefined);
    assert.deepEqual(keysUnder(index, '/r/'), ['two']);
    index.clear();
    assert.equal(index.size, 0);
    assert.deepEqual(keysUnder(index, ''), []);
  });
});

describe('ObjectIndex with many keys', () => {
  it('keeps them in order through random inserts and deletes, across its chunks', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const index = new ObjectIndex<string>();
    const reference = new Set<string>();
    const keyOf = () => `/r/ns${Math.floor(random() * 4)}/pod-${Math.floor(random() * 5000)}`;
    // In order first (a list), then at random, deleting a third as many.
    for (let i = 0; i < 3000; i++) {
      const key = `/r/ns0/a-${String(i).padStart(5, '0')}`;
      index.set(key, key);
      reference.add(key);
    }
    for (let i = 0; i < 20_000; i++) {
      const key = keyOf();
      if (random() < 0.25) {
        assert.equal(index.delete(key), reference.delete(key));
      } else {
        index.set(key, key);
        reference.add(key);
      }
    }
    const sorted = [...reference].sort();
    assert.equal(index.size, sorted.length);
    assert.deepEqual(keysUnder(index, ''), sorted);
    for (const prefix of ['/r/ns0/', '/r/ns1/pod-1', '/r/ns3/pod-4999', '/r/ns9/', '/r/ns2/pod-25']) {
      assert.deepEqual(
        keysUnder(index, prefix),
        sorted.filter((k) => k.startsWith(prefix)),
        prefix,
      );
    }
    for (const key of sorted) index.delete(key);
    assert.equal(index.size, 0);
    assert.deepEqual(keysUnder(index, '/r/'), []);
    index.set('/r/z', 'z');
    assert.deepEqual(keysUnder(index, '/r/'), ['z']);
  });
});
