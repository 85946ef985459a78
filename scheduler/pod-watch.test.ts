import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { WatchPodsResponse } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { WatchEventType } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { withoutManagedFields } from './pod-watch.js';

const pod = (name: string, managers: number) =>
  Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '42',
      // Long enough that the metadata's length takes more bytes with them than without.
      labels: { app: 'web', tier: 'x'.repeat(40) },
      annotations: { note: 'kept' },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs', controller: true },
      ],
      managedFields: Array.from({ length: managers }, (_, i) => ({
        manager: `manager-${i}`,
        operation: 'Update',
        apiVersion: 'v1',
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': {} } },
      })),
    },
    spec: {
      nodeName: 'node-1',
      containers: [{ name: 'c', image: 'nginx' }],
      schedulerName: 'default-scheduler',
    },
    status: { phase: 'Pending' },
  });

const cleared = (p: Pod): Pod => ({
  ...p,
  metadata: { ...(p.metadata as NonNullable<Pod['metadata']>), managedFields: [] },
});

test('leaves out every pod’s managed fields and nothing else', () => {
  const events = [
    { type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object: pod('a', 2) },
    { type: WatchEventType.WATCH_EVENT_TYPE_MODIFIED, object: pod('b', 0) },
    { type: WatchEventType.WATCH_EVENT_TYPE_DELETED, object: pod('c', 1) },
    {
      type: WatchEventType.WATCH_EVENT_TYPE_BOOKMARK,
      object: Pod.fromPartial({ metadata: { resourceVersion: '43' } }),
    },
  ];
  const bytes = WatchPodsResponse.encode({ events }).finish();
  const out = withoutManagedFields(bytes);
  assert.ok(out.length < bytes.length);
  const decoded = WatchPodsResponse.decode(out);
  assert.deepEqual(
    decoded,
    WatchPodsResponse.decode(
      WatchPodsResponse.encode({ events: events.map((e) => ({ ...e, object: cleared(e.object) })) }).finish(),
    ),
  );
  assert.equal(decoded.events[0]?.object?.metadata?.labels.tier, 'x'.repeat(40));
  assert.equal(decoded.events[0]?.object?.spec?.containers[0]?.image, 'nginx');
});

test('a message without managed fields comes back as it was', () => {
  const bytes = WatchPodsResponse.encode({
    events: [{ type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object: pod('a', 0) }],
  }).finish();
  assert.equal(withoutManagedFields(bytes), bytes);
});

test('bytes that are not a message are refused', () => {
  assert.throws(() => withoutManagedFields(Uint8Array.from([0x0a, 0x05, 0x01])), /past the end/);
});
