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
