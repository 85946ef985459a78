import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Json } from './json-patch.js';
import { applyMergePatch, createMergePatch } from './merge-patch.js';

/** RFC 7386 appendix A: original, patch, result. */
const rfcExamples: [Json, Json, Json][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

describe('applyMergePatch: RFC 7386 appendix A', () => {
  rfcExamples.forEach(([original, patch, result], i) => {
    it(`example ${i + 1}: ${JSON.stringify(patch)}`, () => {
      const before = structuredClone(original);
      assert.deepEqual(applyMergePatch(original, patch), result);
      assert.deepEqual(original, before, 'the target is not changed');
    });
  });

  it('does not share structure with the patch', () => {
    const patch = { spec: { template: { labels: { a: 'b' } } } };
    const out = applyMergePatch({}, patch) as { spec: { template: { labels: Record<string, string> } } };
    out.spec.template.labels.a = 'changed';
    assert.equal(patch.spec.template.labels.a, 'b');
  });
});

describe('createMergePatch', () => {
  it('says only what changed, and null for what went', () => {
    const from = { metadata: { labels: { a: '1', b: '2' }, name: 'x' }, spec: { replicas: 1, list: [1, 2] } };
    const to = { metadata: { labels: { a: '1', c: '3' }, name: 'x' }, spec: { replicas: 1, list: [1] } };
    assert.deepEqual(createMergePatch(from, to), {
      metadata: { labels: { b: null, c: '3' } },
      spec: { list: [1] },
    });
  });

  it('is {} for equal documents', () => {
    assert.deepEqual(createMergePatch({ a: { b: [1] } }, { a: { b: [1] } }), {});
  });

  it('round-trips: applying the patch it creates gives the target', () => {
    const pairs: [Json, Json][] = [
      [
        { a: 1, b: { c: 2, d: [3] } },
        { b: { c: 4, e: 'x' }, f: { g: {} } },
      ],
      [{ a: { b: 1 } }, { a: 'scalar' }],
      [{ a: 'scalar' }, { a: { b: 1 } }],
      [[1], { a: 1 }],
    ];
    for (const [from, to] of pairs) assert.deepEqual(applyMergePatch(from, createMergePatch(from, to)), to);
  });
});
