import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { kinds } from '../../sdk/kinds.js';
import { fieldsV1Of, treeOfFieldsV1 } from '../../sdk/patch/fields-v1.js';
import type { KeyValue } from '../../store/types.js';
import { createDecoder } from './decoder.js';
import { copyMetadata, managedFieldsBytes, splitManagedFields } from './lazy-managed-fields.js';
import { withResourceVersion } from './stored-event.js';

const podInfo = kinds.find((k) => k.kind === 'Pod')!;
const leaseInfo = kinds.find((k) => k.kind === 'Lease')!;

function pod(withManagedFields: boolean): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      namespace: 'default',
      uid: 'u-1',
      labels: { app: 'web' },
      finalizers: ['a/b'],
      managedFields: withManagedFields
        ? [
            {
              manager: 'kubectl',
              operation: 'Update',
              apiVersion: 'v1',
              fieldsType: 'FieldsV1',
              fieldsV1: fieldsV1Of({
                'f:metadata': { 'f:labels': { 'f:app': {} } },
                'f:spec': { 'f:containers': {} },
              }),
              time: new Date('2026-01-02T03:04:05Z'),
            },
            {
              manager: 'kubelet',
              operation: 'Update',
              apiVersion: 'v1',
              fieldsType: 'FieldsV1',
              subresource: 'status',
              fieldsV1: fieldsV1Of({ 'f:status': { 'f:phase': {} } }),
            },
          ]
        : [],
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'i' }] },
    status: { phase: 'Running' },
  });
}

const kv = (value: Uint8Array, modRevision = 42): KeyValue =>
  ({ key: '/registry/pods/default/web-1', value, modRevision, createRevision: 1, version: 2 }) as KeyValue;

describe('lazy managed fields', () => {
  it('decodes an object equal to a whole decode, and encodes it to the same bytes', () => {
    const value = Pod.encode(pod(true)).finish();
    const lazy = createDecoder<Pod>(podInfo)(kv(value));
    const whole = Pod.decode(value);
    whole.metadata!.resourceVersion = '42';
    assert.deepEqual(lazy, whole);
    assert.equal(lazy.metadata!.managedFields.length, 2);
    assert.deepEqual(treeOfFieldsV1(lazy.metadata!.managedFields[0]!.fieldsV1), {
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { 'f:containers': {} },
    });
    assert.ok(managedFieldsBytes(lazy.metadata) > 0);
    const reencoded = Pod.encode(lazy).finish();
    const expected = Pod.encode(whole).finish();
    assert.deepEqual(Buffer.from(reencoded), Buffer.from(expected));
  });

  it('leaves an object without managed fields as a plain decode', () => {
    const value = Pod.encode(pod(false)).finish();
    assert.equal(splitManagedFields(value, (3 << 3) | 2), undefined);
    const obj = createDecoder<Pod>(podInfo)(kv(value));
    assert.equal(managedFieldsBytes(obj.metadata), 0);
    assert.deepEqual(obj.metadata!.managedFields, []);
  });

  it('works for other kinds: a Lease', () => {
    const lease = Lease.fromPartial({
      metadata: { name: 'n1', managedFields: [{ manager: 'kubelet', operation: 'Update' }] },
      spec: { holderIdentity: 'n1' },
    });
    const obj = createDecoder<Lease>(leaseInfo)(kv(Lease.encode(lease).finish(), 7));
    assert.equal(obj.metadata!.resourceVersion, '7');
    assert.equal(obj.metadata!.managedFields[0]!.manager, 'kubelet');
    assert.equal(obj.spec!.holderIdentity, 'n1');
  });

  it('gives every read a new, equal array; spreads and clones get the entries as data', () => {
    const obj = createDecoder<Pod>(podInfo)(kv(Pod.encode(pod(true)).finish()));
    const meta = obj.metadata!;
    assert.notEqual(meta.managedFields, meta.managedFields);
    assert.deepEqual(meta.managedFields, meta.managedFields);
    const spread = { ...meta };
    assert.equal(managedFieldsBytes(spread), 0);
    assert.equal(spread.managedFields.length, 2);
    assert.equal(structuredClone(obj).metadata!.managedFields.length, 2);
    assert.equal(JSON.parse(JSON.stringify(meta)).managedFields.length, 2);
  });

  it('turns into a plain property when assigned', () => {
    const obj = createDecoder<Pod>(podInfo)(kv(Pod.encode(pod(true)).finish()));
    const entries = [obj.metadata!.managedFields[1]!];
    obj.metadata!.managedFields = entries;
    assert.equal(obj.metadata!.managedFields, entries);
    assert.equal(Pod.decode(Pod.encode(obj).finish()).metadata!.managedFields.length, 1);
  });

  it('keeps the fields as bytes through a copy with a new resourceVersion', () => {
    const obj = createDecoder<Pod>(podInfo)(kv(Pod.encode(pod(true)).finish()));
    const at = withResourceVersion(obj, 99);
    assert.equal(at.metadata!.resourceVersion, '99');
    assert.equal(obj.metadata!.resourceVersion, '42');
    assert.equal(managedFieldsBytes(at.metadata), managedFieldsBytes(obj.metadata));
    assert.deepEqual(at.metadata!.managedFields, obj.metadata!.managedFields);
    assert.deepEqual(at.metadata!.labels, { app: 'web' });
    const plain = copyMetadata({ ...obj.metadata! }, { name: 'other' });
    assert.equal(plain.name, 'other');
    assert.equal(plain.managedFields.length, 2);
  });

  it('falls back to a whole decode for bytes it cannot follow', () => {
    const value = Pod.encode(pod(true)).finish();
    assert.ok(splitManagedFields(value, (3 << 3) | 2));
    // Cut short: a length runs past the end.
    assert.equal(splitManagedFields(value.subarray(0, value.length - 1), (3 << 3) | 2), undefined);
    // A group wire type where the metadata is.
    assert.equal(splitManagedFields(Uint8Array.of((3 << 3) | 3, 0), (3 << 3) | 2), undefined);
  });
});
