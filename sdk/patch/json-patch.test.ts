import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyJsonPatch,
  formatPointer,
  type Json,
  JsonPatchError,
  jsonEqual,
  parsePointer,
} from './json-patch.js';

/** The examples of RFC 6902, appendix A: document, patch, result (or the error expected). */
const rfcExamples: {
  name: string;
  doc: Json;
  patch: Json;
  result?: Json;
  error?: RegExp;
  testFailed?: boolean;
}[] = [
  {
    name: 'A.1 adding an object member',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux' }],
    result: { baz: 'qux', foo: 'bar' },
  },
  {
    name: 'A.2 adding an array element',
    doc: { foo: ['bar', 'baz'] },
    patch: [{ op: 'add', path: '/foo/1', value: 'qux' }],
    result: { foo: ['bar', 'qux', 'baz'] },
  },
  {
    name: 'A.3 removing an object member',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'remove', path: '/baz' }],
    result: { foo: 'bar' },
  },
  {
    name: 'A.4 removing an array element',
    doc: { foo: ['bar', 'qux', 'baz'] },
    patch: [{ op: 'remove', path: '/foo/1' }],
    result: { foo: ['bar', 'baz'] },
  },
  {
    name: 'A.5 replacing a value',
    doc: { baz: 'qux', foo: 'bar' },
    patch: [{ op: 'replace', path: '/baz', value: 'boo' }],
    result: { baz: 'boo', foo: 'bar' },
  },
  {
    name: 'A.6 moving a value',
    doc: { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
    patch: [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }],
    result: { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
  },
  {
    name: 'A.7 moving an array element',
    doc: { foo: ['all', 'grass', 'cows', 'eat'] },
    patch: [{ op: 'move', from: '/foo/1', path: '/foo/3' }],
    result: { foo: ['all', 'cows', 'eat', 'grass'] },
  },
  {
    name: 'A.8 testing a value: success',
    doc: { baz: 'qux', foo: ['a', 2, 'c'] },
    patch: [
      { op: 'test', path: '/baz', value: 'qux' },
      { op: 'test', path: '/foo/1', value: 2 },
    ],
    result: { baz: 'qux', foo: ['a', 2, 'c'] },
  },
  {
    name: 'A.9 testing a value: error',
    doc: { baz: 'qux' },
    patch: [{ op: 'test', path: '/baz', value: 'bar' }],
    error: /test failed/,
    testFailed: true,
  },
  {
    name: 'A.10 adding a nested member object',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/child', value: { grandchild: {} } }],
    result: { foo: 'bar', child: { grandchild: {} } },
  },
  {
    name: 'A.11 ignoring unrecognized elements',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }],
    result: { foo: 'bar', baz: 'qux' },
  },
  {
    name: 'A.12 adding to a nonexistent target',
    doc: { foo: 'bar' },
    patch: [{ op: 'add', path: '/baz/bat', value: 'qux' }],
    error: /"\/baz" does not exist/,
  },
  {
    name: 'A.14 ~ escape ordering',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: 10 }],
    result: { '/': 9, '~1': 10 },
  },
  {
    name: 'A.15 comparing strings and numbers',
    doc: { '/': 9, '~1': 10 },
    patch: [{ op: 'test', path: '/~01', value: '10' }],
    error: /test failed/,
    testFailed: true,
  },
  {
    name: 'A.16 adding an array value',
    doc: { foo: ['bar'] },
    patch: [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }],
    result: { foo: ['bar', ['abc', 'def']] },
  },
];

describe('applyJsonPatch: RFC 6902 appendix A', () => {
  for (const ex of rfcExamples) {
    it(ex.name, () => {
      if (ex.error) {
        assert.throws(
          () => applyJsonPatch(ex.doc, ex.patch),
          (err: unknown) =>
            err instanceof JsonPatchError &&
            ex.error?.test(err.message) === true &&
            err.testFailed === (ex.testFailed ?? false),
        );
      } else {
        assert.deepEqual(applyJsonPatch(ex.doc, ex.patch), ex.result);
      }
    });
  }
});

describe('applyJsonPatch', () => {
  it('is atomic: a failing operation leaves the document as it was', () => {
    const doc = { spec: { replicas: 1, items: ['a'] } };
    assert.throws(
      () =>
        applyJsonPatch(doc, [
          { op: 'replace', path: '/spec/replicas', value: 5 },
          { op: 'add', path: '/spec/items/-', value: 'b' },
          { op: 'remove', path: '/spec/missing' },
        ]),
      (err: unknown) =>
        err instanceof JsonPatchError &&
        err.path === '/spec/missing' &&
        /operation 2 \(remove/.test(err.message),
    );
    assert.deepEqual(doc, { spec: { replicas: 1, items: ['a'] } });
  });

  it('adds at the end with "-" and at index length, refuses past it', () => {
    assert.deepEqual(applyJsonPatch([1, 2], [{ op: 'add', path: '/2', value: 3 }]), [1, 2, 3]);
    assert.deepEqual(applyJsonPatch([1, 2], [{ op: 'add', path: '/-', value: 3 }]), [1, 2, 3]);
    assert.throws(
      () => applyJsonPatch([1, 2], [{ op: 'add', path: '/3', value: 3 }]),
      /not an index of the array/,
    );
    assert.throws(() => applyJsonPatch([1, 2], [{ op: 'add', path: '/01', value: 3 }]), /not an index/);
    assert.throws(() => applyJsonPatch([1, 2], [{ op: 'remove', path: '/-' }]), /does not exist/);
    assert.throws(() => applyJsonPatch([1, 2], [{ op: 'replace', path: '/2', value: 0 }]), /does not exist/);
  });

  it('replaces and tests the whole document with the "" pointer', () => {
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'add', path: '', value: [1] }]), [1]);
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
    assert.throws(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '' }]), /whole document/);
  });

  it('copies deeply, so later changes to the copy leave the source alone', () => {
    const out = applyJsonPatch({ a: { x: [1] } }, [
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'add', path: '/b/x/-', value: 2 },
    ]);
    assert.deepEqual(out, { a: { x: [1] }, b: { x: [1, 2] } });
  });

  it('refuses to move a value into its own child; moving onto itself changes nothing', () => {
    assert.throws(
      () => applyJsonPatch({ a: { b: {} } }, [{ op: 'move', from: '/a', path: '/a/b/c' }]),
      /into one of its own children/,
    );
    assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'move', from: '/a', path: '/a' }]), { a: 1 });
  });

  it('tests objects regardless of member order, and distinguishes 1 from "1" and null from absent', () => {
    assert.doesNotThrow(() =>
      applyJsonPatch({ a: { x: 1, y: [2] } }, [{ op: 'test', path: '/a', value: { y: [2], x: 1 } }]),
    );
    assert.throws(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: '1' }]), /test failed/);
    assert.throws(
      () => applyJsonPatch({ a: null }, [{ op: 'test', path: '/b', value: null }]),
      /does not exist/,
    );
    assert.doesNotThrow(() => applyJsonPatch({ a: null }, [{ op: 'test', path: '/a', value: null }]));
  });

  it('names what is malformed by its place in the patch', () => {
    const cases: [Json, string, RegExp][] = [
      [{ op: 'add' }, '', /must be an array/],
      [[{ op: 'frobnicate', path: '/a' }], '/0/op', /"op" must be one of/],
      [
        [
          { op: 'add', path: '/a', value: 1 },
          { op: 'add', value: 1 },
        ],
        '/1/path',
        /"path" must be a JSON pointer/,
      ],
      [[{ op: 'replace', path: '/a' }], '/0/value', /"value" is required/],
      [[{ op: 'move', path: '/a' }], '/0/from', /"from" must be/],
      [[{ op: 'add', path: 'a', value: 1 }], 'a', /must start with "\/"/],
      [[{ op: 'add', path: '/a~2', value: 1 }], '/a~2', /bad escape/],
      [['add'], '/0', /expected an object/],
    ];
    for (const [patch, path, message] of cases) {
      assert.throws(
        () => applyJsonPatch({ a: 1 }, patch),
        (err: unknown) => err instanceof JsonPatchError && err.path === path && message.test(err.message),
        JSON.stringify(patch),
      );
    }
  });

  it('reads and writes escaped pointers', () => {
    assert.deepEqual(parsePointer('/a~1b/c~0d/~01'), ['a/b', 'c~d', '~1']);
    assert.equal(formatPointer(['a/b', 'c~d', '~1']), '/a~1b/c~0d/~01');
    assert.deepEqual(
      applyJsonPatch({ metadata: { labels: { 'app.kubernetes.io/name': 'x' } } }, [
        { op: 'replace', path: '/metadata/labels/app.kubernetes.io~1name', value: 'y' },
      ]),
      { metadata: { labels: { 'app.kubernetes.io/name': 'y' } } },
    );
  });

  it('jsonEqual compares structure', () => {
    assert.ok(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }));
    assert.ok(!jsonEqual([1, 2], [2, 1]));
    assert.ok(!jsonEqual({ a: 1 }, { a: 1, b: undefined as unknown as Json }));
  });

  it('copies only the path of a change, and leaves the document as it was, also when an operation fails', () => {
    const doc = {
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: { replicas: 1, template: { containers: [{ name: 'a' }, { name: 'b' }] } },
      status: { replicas: 1 },
    };
    const before = JSON.stringify(doc);
    const out = applyJsonPatch(doc, [
      { op: 'test', path: '/spec/replicas', value: 1 },
      { op: 'replace', path: '/spec/replicas', value: 3 },
      { op: 'add', path: '/spec/paused', value: true },
      { op: 'add', path: '/metadata/labels/tier', value: 'front' },
      { op: 'add', path: '/spec/template/containers/1', value: { name: 'c' } },
    ]) as typeof doc & { spec: { paused: boolean } };
    assert.equal(JSON.stringify(doc), before, 'the document is unchanged');
    assert.deepEqual(out.spec.replicas, 3);
    assert.equal(out.spec.paused, true, 'two changes to one object both land');
    assert.deepEqual(out.metadata.labels, { app: 'web', tier: 'front' });
    assert.deepEqual(
      out.spec.template.containers.map((c) => c.name),
      ['a', 'c', 'b'],
    );
    assert.equal(out.status, doc.status, 'what no operation touched is shared');
    assert.equal(out.spec.template.containers[0], doc.spec.template.containers[0]);
    assert.notEqual(out.spec, doc.spec);
    assert.throws(
      () =>
        applyJsonPatch(doc, [
          { op: 'replace', path: '/spec/replicas', value: 5 },
          { op: 'remove', path: '/metadata/labels/app' },
          { op: 'test', path: '/status/replicas', value: 2 },
        ]),
      /test failed/,
    );
    assert.equal(JSON.stringify(doc), before, 'a failed patch changed nothing');
  });
});
