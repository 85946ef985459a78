import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  duplicate,
  errorBody,
  errorMessage,
  type FieldError,
  forbidden,
  internalError,
  invalid,
  notFound,
  notSupported,
  required,
  tooLong,
  tooMany,
} from './field-error.js';
import { FieldPath } from './field-path.js';

const image = FieldPath.of('spec', 'containers').index(0).child('image');

describe('field errors', () => {
  const cases: [err: FieldError, message: string][] = [
    [required(image), 'spec.containers[0].image: Required value'],
    [
      required(FieldPath.of('metadata', 'name'), 'name or generateName is required'),
      'metadata.name: Required value: name or generateName is required',
    ],
    [
      notSupported(FieldPath.of('spec', 'restartPolicy'), 'Sometimes', ['Always', 'Never', 'OnFailure']),
      'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
    ],
    [notSupported(FieldPath.of('spec', 'x'), 'y', []), 'spec.x: Unsupported value: "y"'],
    [
      invalid(FieldPath.of('spec', 'replicas'), -1n, 'must be greater than or equal to 0'),
      'spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    [invalid(FieldPath.of('spec', 'paused'), true, 'no'), 'spec.paused: Invalid value: true: no'],
    [invalid(FieldPath.of('metadata', 'name'), 'A"b', 'bad'), 'metadata.name: Invalid value: "A\\"b": bad'],
    [
      invalid(FieldPath.of('metadata', 'uid'), null, 'field is immutable'),
      'metadata.uid: Invalid value: null: field is immutable',
    ],
    [invalid(FieldPath.of('spec', 'list'), ['a', 'b'], 'bad'), 'spec.list: Invalid value: ["a","b"]: bad'],
    [
      invalid(
        FieldPath.of('metadata', 'creationTimestamp'),
        new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
        'field is immutable',
      ),
      'metadata.creationTimestamp: Invalid value: "2024-01-02T03:04:05.000Z": field is immutable',
    ],
    [
      invalid(FieldPath.of('spec', 'x'), undefined, 'must be set one way'),
      'spec.x: Invalid value: must be set one way',
    ],
    [
      duplicate(FieldPath.of('spec', 'containers').index(1).child('name'), 'web'),
      'spec.containers[1].name: Duplicate value: "web"',
    ],
    [notFound(FieldPath.of('spec', 'volumes').index(0), 'data'), 'spec.volumes[0]: Not found: "data"'],
    [
      forbidden(FieldPath.of('metadata', 'namespace'), 'not allowed on this type'),
      'metadata.namespace: Forbidden: not allowed on this type',
    ],
    [
      tooLong(FieldPath.of('metadata', 'annotations'), 262144),
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    ],
    [tooLong(FieldPath.of('a'), 1), 'a: Too long: may not be more than 1 byte'],
    [tooLong(FieldPath.of('a'), -1), 'a: Too long: value is too long'],
    [
      tooMany(FieldPath.of('spec', 'containers'), 5, 3),
      'spec.containers: Too many: 5: must have at most 3 items',
    ],
    [
      tooMany(FieldPath.of('spec', 'containers'), -1, 1),
      'spec.containers: Too many: must have at most 1 item',
    ],
    [internalError(FieldPath.of('spec'), new Error('boom')), 'spec: Internal error: boom'],
    [required(FieldPath.root()), 'Required value'],
  ];
  for (const [err, message] of cases) {
    it(message, () => {
      assert.equal(errorMessage(err), message);
      assert.equal(errorBody(err), err.path === '' ? message : message.slice(err.path.length + 2));
    });
  }

  it('prints a long value as a marked prefix, still naming the field and its limit', () => {
    const name = 'a'.repeat(40_000);
    const err = invalid(FieldPath.of('metadata', 'name'), name, 'must be no more than 253 characters');
    assert.equal(
      errorMessage(err),
      `metadata.name: Invalid value: "${'a'.repeat(128)}..."(truncated): must be no more than 253 characters`,
    );
    assert.equal(err.value, name, 'the error itself keeps the whole value');
    const list = invalid(
      FieldPath.of('spec', 'list'),
      Array.from({ length: 10_000 }, (_, i) => i),
      'bad',
    );
    assert.match(errorMessage(list), /^spec\.list: Invalid value: \[0,1,2,[0-9,]*\.\.\.\(truncated\): bad$/);
    assert.ok(errorMessage(list).length < 200);
    const detail = invalid(FieldPath.of('spec'), 1, 'd'.repeat(1 << 20));
    assert.ok(errorMessage(detail).length < 1100);
  });

  it('prints a long map key of a path as a marked prefix', () => {
    const key = 'k'.repeat(1 << 20);
    const path = FieldPath.of('metadata', 'labels').key(key).toString();
    assert.ok(path.startsWith(`metadata.labels[${'k'.repeat(300)}`));
    assert.ok(path.endsWith('...(truncated)]'));
    assert.ok(path.length < 400);
    const valid = `${'d'.repeat(253)}/${'n'.repeat(63)}`;
    assert.equal(FieldPath.of('metadata', 'labels').key(valid).toString(), `metadata.labels[${valid}]`);
  });

  it('keeps the structured parts', () => {
    assert.deepEqual(notSupported(FieldPath.of('spec', 'restartPolicy'), 'Sometimes', ['Always']), {
      type: 'NotSupported',
      path: 'spec.restartPolicy',
      value: 'Sometimes',
      detail: 'supported values: "Always"',
    });
    assert.deepEqual(required(image), { type: 'Required', path: 'spec.containers[0].image', detail: '' });
  });
});
