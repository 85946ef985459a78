import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Json } from '../../../sdk/manifest/index.js';
import { applyJsonPatch, JsonPatchError, parseJsonPatch, parsePointer } from './json-patch.js';

/** Applies a patch given as JSON text, as a webhook sends it. */
function patch(doc: Json, ops: string): Json {
  return applyJsonPatch(doc, parseJsonPatch(ops));
}

function fails(doc: Json, ops: string, pattern: RegExp): void {
  assert.throws(
    () => patch(doc, ops),
    (err: unknown) => {
      assert.ok(err instanceof JsonPatchError, String(err));
      assert.match(err.message, pattern);
      return true;
    },
  );
}

// The examples of RFC 6902, Appendix A.
describe('JSON Patch: RFC 6902 appendix A', () => {
  test('A.1 adding an object member', () => {
    assert.deepEqual(patch({ foo: 'bar' }, '[{"op":"add","path":"/baz","value":"qux"}]'), {
      foo: 'bar',
      baz: 'qux',
    });
  });
  test('A.2 adding an array element', () => {
    assert.deepEqual(patch({ foo: ['bar', 'baz'] }, '[{"op":"add","path":"/foo/1","value":"qux"}]'), {
      foo: ['bar', 'qux', 'baz'],
    });
  });
  test('A.3 removing an object member', () => {
    assert.deepEqual(patch({ baz: 'qux', foo: 'bar' }, '[{"op":"remove","path":"/baz"}]'), { foo: 'bar' });
  });
  test('A.4 removing an array element', () => {
    assert.deepEqual(patch({ foo: ['bar', 'qux', 'baz'] }, '[{"op":"remove","path":"/foo/1"}]'), {
      foo: ['bar', 'baz'],
    });
  });
  test('A.5 replacing a value', () => {
    assert.deepEqual(patch({ baz: 'qux', foo: 'bar' }, '[{"op":"replace","path":"/baz","value":"boo"}]'), {
      baz: 'boo',
      foo: 'bar',
    });
  });
  test('A.6 moving a value', () => {
    assert.deepEqual(
      patch(
        { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } },
        '[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]',
      ),
      { foo: { bar: 'baz' }, qux: { corge: 'grault', thud: 'fred' } },
    );
  });
  test('A.7 moving an array element', () => {
    assert.deepEqual(
      patch({ foo: ['all', 'grass', 'cows', 'eat'] }, '[{"op":"move","from":"/foo/1","path":"/foo/3"}]'),
      { foo: ['all', 'cows', 'eat', 'grass'] },
    );
  });
  test('A.8 testing a value: success', () => {
    const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
    assert.deepEqual(
      patch(doc, '[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]'),
      doc,
    );
  });
  test('A.9 testing a value: error', () => {
    fails({ baz: 'qux' }, '[{"op":"test","path":"/baz","value":"bar"}]', /test failed/);
  });
  test('A.10 adding a nested member object', () => {
    assert.deepEqual(patch({ foo: 'bar' }, '[{"op":"add","path":"/child","value":{"grandchild":{}}}]'), {
      foo: 'bar',
      child: { grandchild: {} },
    });
  });
  test('A.11 ignoring unrecognized elements', () => {
    assert.deepEqual(patch({ foo: 'bar' }, '[{"op":"add","path":"/baz","value":"qux","xyz":123}]'), {
      foo: 'bar',
      baz: 'qux',
    });
  });
  test('A.12 adding to a nonexistent target', () => {
    fails({ foo: 'bar' }, '[{"op":"add","path":"/baz/bat","value":"qux"}]', /"\/baz" does not exist/);
  });
  test('A.14 ~ escape ordering', () => {
    assert.deepEqual(patch({ '/': 9, '~1': 10 }, '[{"op":"test","path":"/~01","value":10}]'), {
      '/': 9,
      '~1': 10,
    });
  });
  test('A.15 comparing strings and numbers', () => {
    fails({ '/': 9, '~1': 10 }, '[{"op":"test","path":"/~01","value":"10"}]', /test failed/);
  });
  test('A.16 adding an array value', () => {
    assert.deepEqual(patch({ foo: ['bar'] }, '[{"op":"add","path":"/foo/-","value":["abc","def"]}]'), {
      foo: ['bar', ['abc', 'def']],
    });
  });
});

describe('JSON Patch: edge cases', () => {
  test('the document given is not changed, and a failing patch applies nothing', () => {
    const doc = { metadata: { labels: { app: 'web' } } };
    const out = patch(doc, '[{"op":"add","path":"/metadata/labels/team","value":"a"}]');
    assert.deepEqual(out, { metadata: { labels: { app: 'web', team: 'a' } } });
    assert.deepEqual(doc, { metadata: { labels: { app: 'web' } } });
    fails(
      doc,
      '[{"op":"remove","path":"/metadata/labels/app"},{"op":"remove","path":"/nope"}]',
      /operation 1 \(remove \/nope\)/,
    );
    assert.deepEqual(doc, { metadata: { labels: { app: 'web' } } });
  });

  test('copy is deep: changing the copy leaves the source alone', () => {
    const out = patch(
      { a: { x: [1] } },
      '[{"op":"copy","from":"/a","path":"/b"},{"op":"add","path":"/b/x/-","value":2}]',
    );
    assert.deepEqual(out, { a: { x: [1] }, b: { x: [1, 2] } });
  });

  test('the whole document can be replaced or tested through the empty pointer', () => {
    assert.deepEqual(patch({ a: 1 }, '[{"op":"replace","path":"","value":{"b":2}}]'), { b: 2 });
    assert.deepEqual(patch({ a: 1 }, '[{"op":"test","path":"","value":{"a":1}}]'), { a: 1 });
  });

  test('test compares objects regardless of key order, arrays in order', () => {
    const doc = { o: { a: 1, b: [1, 2] } };
    assert.deepEqual(patch(doc, '[{"op":"test","path":"/o","value":{"b":[1,2],"a":1}}]'), doc);
    fails(doc, '[{"op":"test","path":"/o/b","value":[2,1]}]', /test failed/);
    fails(doc, '[{"op":"test","path":"/o","value":{"a":1}}]', /test failed/);
  });

  test('replace and remove need an existing target; add may create a member', () => {
    fails({ a: 1 }, '[{"op":"replace","path":"/b","value":2}]', /"\/b" does not exist/);
    fails({ a: [] }, '[{"op":"remove","path":"/a/0"}]', /"\/a\/0" does not exist/);
    assert.deepEqual(patch({ a: [] }, '[{"op":"add","path":"/a/0","value":1}]'), { a: [1] });
  });

  test('array indexes: no leading zeros, not past the end, "-" only where adding', () => {
    fails({ a: [1, 2] }, '[{"op":"add","path":"/a/01","value":0}]', /"01" is not an index of the array/);
    fails(
      { a: [1, 2] },
      '[{"op":"add","path":"/a/3","value":0}]',
      /"3" is not an index of the array at "\/a" \(0 to 2/,
    );
    fails({ a: [1, 2] }, '[{"op":"remove","path":"/a/-"}]', /"\/a\/-" does not exist/);
    assert.deepEqual(patch({ a: [1, 2] }, '[{"op":"add","path":"/a/2","value":3}]'), { a: [1, 2, 3] });
  });

  test('a value cannot be moved into its own child', () => {
    fails({ a: { b: {} } }, '[{"op":"move","from":"/a","path":"/a/b/c"}]', /own children/);
    // Moving onto itself is allowed and changes nothing.
    assert.deepEqual(patch({ a: 1 }, '[{"op":"move","from":"/a","path":"/a"}]'), { a: 1 });
  });

  test('a scalar is not a container', () => {
    fails(
      { a: 'text' },
      '[{"op":"add","path":"/a/b","value":1}]',
      /"\/a" is a string, not an object or array/,
    );
  });

  test('malformed patches are refused before anything is applied', () => {
    assert.throws(() => parseJsonPatch('{"op":"add"}'), /must be an array/);
    assert.throws(() => parseJsonPatch('not json'), /not JSON/);
    assert.throws(
      () => parseJsonPatch('[{"op":"frobnicate","path":"/a"}]'),
      /"op" must be one of add, remove, replace, move, copy, test, got "frobnicate"/,
    );
    assert.throws(() => parseJsonPatch('[{"op":"add","path":"/a"}]'), /"value" is required/);
    assert.throws(
      () => parseJsonPatch('[{"op":"move","path":"/a"}]'),
      /"from" must be a JSON pointer string/,
    );
    assert.throws(() => parsePointer('a/b'), /must start with "\/"/);
  });

  test('pointers unescape ~1 and ~0 (in that order)', () => {
    assert.deepEqual(parsePointer('/metadata/labels/app.kubernetes.io~1name'), [
      'metadata',
      'labels',
      'app.kubernetes.io/name',
    ]);
    assert.deepEqual(parsePointer('/~01'), ['~1']);
    assert.deepEqual(parsePointer('/'), ['']);
  });
});
