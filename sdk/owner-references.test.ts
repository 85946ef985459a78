import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ObjectMeta } from './gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from './kind-registry.js';
import { controllerOf, controllerRef, isControlledBy, isOwnedBy } from './owner-references.js';

const obj = (name: string, uid: string, ownerReferences: ObjectMeta['ownerReferences'] = []): KindObject => ({
  apiVersion: 'apps/v1',
  kind: 'ReplicaSet',
  metadata: ObjectMeta.create({ name, uid, ownerReferences }),
});

test('a controller reference names its owner by uid; only the controller controls', () => {
  const rs = obj('web-1', 'u-rs');
  const other = obj('other', 'u-other');
  const ref = controllerRef(rs);
  assert.deepEqual(ref, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    name: 'web-1',
    uid: 'u-rs',
    controller: true,
    blockOwnerDeletion: true,
  });
  const pod = obj('p', 'u-p', [{ ...controllerRef(other), controller: false }, ref]);
  assert.equal(controllerOf(pod)?.uid, 'u-rs');
  assert.ok(isControlledBy(pod, rs));
  assert.ok(!isControlledBy(pod, other));
  assert.ok(isOwnedBy(pod, other));
  // A new owner with the same name is not the old one.
  assert.ok(!isControlledBy(pod, obj('web-1', 'u-new')));
  assert.equal(controllerOf(obj('orphan', 'u')), undefined);
});
