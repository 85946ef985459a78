import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { kinds } from '../../sdk/kinds.js';
import { decodeObject, encodeObject, type Json, type JsonObject } from '../../sdk/manifest/index.js';
import { applyJsonPatch, parseJsonPatch } from '../../sdk/patch/json-patch.js';
import { scalePatch } from './scale-patch.js';

const info = kinds.find((k) => k.kind === 'ReplicaSet');
const annotations = {
  'deployment.kubernetes.io/desired-replicas': '5',
  'deployment.kubernetes.io/max-replicas': '6',
};

const rs = (
  replicas: number,
  available: number,
  more: { generation?: string; uid?: string; annotated?: boolean } = {},
) =>
  ReplicaSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: 'web-abc',
      namespace: 'default',
      uid: more.uid ?? 'u1',
      generation: more.generation ?? '2',
      resourceVersion: '10',
      annotations: more.annotated === false ? {} : { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: { replicas, selector: { matchLabels: { app: 'web' } } },
    status: { replicas, availableReplicas: available, observedGeneration: '2' },
  });

/** `seen`'s patch applied as the apiserver applies it, to the object as it now is. */
function applyTo(current: ReplicaSet, seen: ReplicaSet, replicas: number): ReplicaSet {
  assert.ok(info);
  const ops = parseJsonPatch(JSON.parse(JSON.stringify(scalePatch(seen, replicas, annotations))) as Json);
  return decodeObject(info, applyJsonPatch(encodeObject(info, current) as JsonObject, ops)) as ReplicaSet;
}

test('a status written since the step was decided does not stop a resize', () => {
  const now = rs(3, 3);
  if (now.status) now.status.readyReplicas = 3;
  const written = applyTo(now, rs(3, 1), 5);
  assert.equal(written.spec?.replicas, 5);
  assert.equal(written.status?.readyReplicas, 3, 'the status as it now is');
  assert.deepEqual(written.metadata?.annotations, {
    'deployment.kubernetes.io/revision': '1',
    ...annotations,
  });
});

test('a scale-down holds while the pods it saw are available, not once fewer are', () => {
  assert.equal(applyTo(rs(3, 3), rs(3, 3), 2).spec?.replicas, 2);
  assert.throws(() => applyTo(rs(3, 2), rs(3, 3), 2), /test failed/);
  assert.equal(applyTo(rs(3, 2), rs(3, 3), 4).spec?.replicas, 4, 'a scale-up spends no availability');
});

test('another spec, another uid since: the patch fails', () => {
  assert.throws(() => applyTo(rs(4, 3, { generation: '3' }), rs(3, 3), 5), /test failed/);
  assert.throws(() => applyTo(rs(3, 3, { uid: 'u2' }), rs(3, 3), 5), /test failed/);
});

test('a ReplicaSet without annotations gets the whole map', () => {
  const written = applyTo(rs(0, 0, { annotated: false }), rs(0, 0, { annotated: false }), 1);
  assert.deepEqual(written.metadata?.annotations, annotations);
});
