import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApplied, mergeManifest } from './merge.js';

describe('mergeManifest', () => {
  it('merges mappings, replaces lists and values, removes nulls, and leaves inputs alone', () => {
    const live = {
      spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'x', tty: true }] },
      metadata: { labels: { a: '1', b: '2' } },
    };
    const manifest = {
      spec: { containers: [{ name: 'a', image: 'y' }] },
      metadata: { labels: { b: '3', a: null } },
    };
    assert.deepEqual(mergeManifest(live, manifest), {
      spec: { nodeName: 'n1', containers: [{ name: 'a', image: 'y' }] },
      metadata: { labels: { b: '3' } },
    });
    assert.equal(live.metadata.labels.a, '1');
  });
});

describe('isApplied', () => {
  const live = {
    spec: {
      replicas: 3,
      paused: undefined,
      resources: { cpu: '1' },
      containers: [{ name: 'a', image: 'x', policy: 'Always' }],
    },
  };

  it('holds when every value the manifest sets is live, defaults aside', () => {
    assert.equal(isApplied(live, { spec: { replicas: 3, containers: [{ name: 'a', image: 'x' }] } }), true);
    assert.equal(isApplied(live, { spec: { paused: false, resources: { cpu: 1 } } }), true);
  });

  it('fails on a changed value, a longer or shorter list, or a value to remove', () => {
    assert.equal(isApplied(live, { spec: { replicas: 4 } }), false);
    assert.equal(isApplied(live, { spec: { paused: true } }), false);
    assert.equal(isApplied(live, { spec: { containers: [] } }), false);
    assert.equal(isApplied(live, { spec: { containers: [{ name: 'a' }, { name: 'b' }] } }), false);
    assert.equal(isApplied(live, { spec: { replicas: null } }), false);
  });
});
