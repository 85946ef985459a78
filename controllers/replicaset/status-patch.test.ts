import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaSet, type ReplicaSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { kinds } from '../../sdk/kinds.js';
import { decodeObject, encodeObject, type Json, type JsonObject } from '../../sdk/manifest/index.js';
import { applyJsonPatch, parseJsonPatch } from '../../sdk/patch/json-patch.js';
import { statusPatch } from './status-patch.js';

const info = kinds.find((k) => k.kind === 'ReplicaSet');

const rs = (replicas: number, more: { generation?: string; uid?: string; status?: boolean } = {}) =>
  ReplicaSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-abc',
      namespace: 'default',
      uid: more.uid ?? 'u1',
      generation: more.generation ?? '2',
      resourceVersion: '10',
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } } },
    ...(more.status === false ? {} : { status: { replicas: 3, readyReplicas: 3, observedGeneration: '2' } }),
  });

/** `seen`'s status patch applied as the apiserver applies it, to the object as it now is. */
function applyTo(current: ReplicaSet, seen: ReplicaSet, status: ReplicaSetStatus): ReplicaSet {
  assert.ok(info);
  const ops = parseJsonPatch(JSON.parse(JSON.stringify(statusPatch(seen, status))) as Json);
  return decodeObject(info, applyJsonPatch(encodeObject(info, current) as JsonObject, ops)) as ReplicaSet;
}

const computed: ReplicaSetStatus = {
  replicas: 3,
  fullyLabeledReplicas: 0,
  readyReplicas: 2,
  availableReplicas: 1,
  observedGeneration: '2',
  conditions: [
    {
      type: 'ReplicaFailure',
      status: 'True',
      lastTransitionTime: new Date('2026-01-02T03:04:05.678Z'),
      reason: 'FailedCreate',
      message: 'quota exceeded',
    },
  ],
  terminatingReplicas: undefined,
};

test('a resize since the read: the status is written exactly, the resize kept', () => {
  const written = applyTo(rs(5, { generation: '3' }), rs(3), computed);
  assert.deepEqual(written.status, computed, 'every field, zero counts and conditions included');
  assert.equal(written.spec?.replicas, 5, 'the spec as it now is');
  assert.equal(written.metadata?.generation, '3');
  assert.equal(written.status?.observedGeneration, '2', 'the generation the status was computed from');
});

test('a ReplicaSet without a status gets one', () => {
  assert.deepEqual(applyTo(rs(3, { status: false }), rs(3, { status: false }), computed).status, computed);
});

test('deleted and recreated under the same name: the patch fails', () => {
  assert.throws(() => applyTo(rs(3, { uid: 'u2' }), rs(3), computed), /test failed/);
});
