import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Code, maxStatusCauses } from '../../sdk/errors.js';
import { kinds } from '../../sdk/kinds.js';
import { invalid, notSupported, required } from './field-error.js';
import { FieldPath } from './field-path.js';
import { toApiError } from './to-api-error.js';

const pod = kinds.find((k) => k.kind === 'Pod')!;
const deployment = kinds.find((k) => k.kind === 'Deployment')!;

describe('toApiError', () => {
  it('lists every error in the message and carries each as a cause', () => {
    const err = toApiError(pod, 'web', [
      required(FieldPath.of('spec', 'containers').index(0).child('image')),
      notSupported(FieldPath.of('spec', 'restartPolicy'), 'Sometimes', ['Always', 'Never', 'OnFailure']),
    ]);
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    assert.equal(err.reason, 'Invalid');
    assert.equal(
      err.message,
      'Pod "web" is invalid: [spec.containers[0].image: Required value, spec.restartPolicy: Unsupported value: ' +
        '"Sometimes": supported values: "Always", "Never", "OnFailure"]',
    );
    assert.deepEqual(err.causes, [
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
      {
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "Sometimes": supported values: "Always", "Never", "OnFailure"',
        field: 'spec.restartPolicy',
      },
    ]);
    assert.equal(err.statusDetails.name, 'web');
    assert.equal(err.statusDetails.kind, 'Pod');
    assert.equal(err.statusDetails.group, '');
    // The details survive the trip through the wire form.
    assert.deepEqual(err.toStatus().details?.causes, err.causes);
  });

  const messages: [kind: Parameters<typeof toApiError>[0], count: number, message: string][] = [
    [
      deployment,
      1,
      'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    ],
    ['Widget', 0, 'Widget "web" is invalid'],
    [
      pod,
      2,
      'Pod "web" is invalid: [spec.replicas: Invalid value: -1: must be greater than or equal to 0, spec.replicas: Invalid value: -2: must be greater than or equal to 0]',
    ],
  ];
  for (const [kind, count, message] of messages) {
    it(message, () => {
      const errs = [-1, -2]
        .slice(0, count)
        .map((n) => invalid(FieldPath.of('spec', 'replicas'), n, 'must be greater than or equal to 0'));
      assert.equal(toApiError(kind, 'web', errs).message, message);
    });
  }

  it('says a repeated message once but keeps every cause', () => {
    const same = invalid(FieldPath.of('metadata', 'labels'), 'a b', 'bad');
    const err = toApiError(pod, 'web', [same, same]);
    assert.equal(err.message, 'Pod "web" is invalid: metadata.labels: Invalid value: "a b": bad');
    assert.equal(err.causes.length, 2);
  });

  it('names the group of grouped kinds', () => {
    assert.equal(toApiError(deployment, 'web', []).statusDetails.group, 'apps');
  });

  it('lists at most maxStatusCauses messages, then how many more, and quotes a long name by its prefix', () => {
    const name = 'n'.repeat(40_000);
    const errors = Array.from({ length: 100 }, (_, i) =>
      invalid(FieldPath.of('metadata', 'labels'), `bad key ${i}`, 'not a qualified name'),
    );
    const err = toApiError(pod, name, errors);
    assert.ok(err.message.startsWith(`Pod "${'n'.repeat(128)}..."(truncated) is invalid: [metadata.labels:`));
    assert.ok(err.message.endsWith(`not a qualified name, and ${100 - maxStatusCauses} more errors]`));
    assert.equal(err.message.split('metadata.labels: ').length - 1, maxStatusCauses);
    assert.equal(err.causes.length, 100, 'every cause is kept until the error is sent');
  });
});
