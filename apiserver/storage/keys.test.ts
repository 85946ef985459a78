import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { kinds } from '../../sdk/kinds.js';
import { namespacePrefix, objectKey, objectKeyErrors } from './keys.js';

const pod = kinds.find((k) => k.kind === 'Pod')!;
const clusterRole = kinds.find((k) => k.kind === 'ClusterRole')!;

function refused(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    assert.equal(err.code, Code.INVALID_ARGUMENT);
    return err;
  }
  return assert.fail('expected INVALID_ARGUMENT');
}

describe('storage keys', () => {
  it('lays objects out as Kubernetes does', () => {
    assert.equal(objectKey(pod, 'default', 'web'), '/registry/pods/default/web');
    assert.equal(objectKey(clusterRole, '', 'system:basic-user'), '/registry/clusterroles/system:basic-user');
    assert.equal(namespacePrefix(pod, 'default'), '/registry/pods/default/');
    assert.equal(namespacePrefix(pod, ''), '/registry/pods/');
  });

  it('refuses a name or namespace the store cannot key as an invalid field, never showing the key', () => {
    const space = refused(() => objectKey(clusterRole, '', 'a b'));
    assert.equal(
      space.message,
      'ClusterRole.rbac.authorization.k8s.io "a b" is invalid: metadata.name: Invalid value: "a b": must consist of printable ASCII characters other than space',
    );
    assert.equal(space.causes[0]?.field, 'metadata.name');
    const slash = refused(() => objectKey(pod, 'default', 'a/b'));
    assert.match(slash.message, /metadata\.name: Invalid value: "a\/b": may not contain '\/'/);
    const ns = refused(() => objectKey(pod, 'x y', 'web'));
    assert.equal(ns.causes[0]?.field, 'metadata.namespace');
    const long = refused(() => objectKey(clusterRole, '', 'r'.repeat(4000)));
    assert.match(
      long.message,
      /metadata\.name: Invalid value: "r{128}\.\.\."\(truncated\): must be no more than 3049 characters/,
    );
    assert.ok(!long.message.includes('/registry/'));
    refused(() => namespacePrefix(pod, 'a b'));
    refused(() => namespacePrefix(pod, 'n'.repeat(4000)));
  });

  it('objectKeyErrors is empty for what can be stored', () => {
    assert.deepEqual(objectKeyErrors(pod, 'default', 'web'), []);
    assert.deepEqual(objectKeyErrors(clusterRole, 'ignored for cluster-scoped kinds', 'x'), []);
  });
});
