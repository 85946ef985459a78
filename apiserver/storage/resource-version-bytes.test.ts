import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CreatePodResponse, UpdatePodStatusResponse } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import { metadataTagOf } from '../../sdk/wire/metadata-tag.js';
import { asFirstField, withResourceVersionBytes } from './resource-version-bytes.js';

function pod(meta: Partial<ObjectMeta>): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web-1',
      generateName: 'web-',
      namespace: 'default',
      uid: 'u-1',
      generation: '3',
      creationTimestamp: new Date('2026-01-02T03:04:05Z'),
      labels: { app: 'web', '123': 'numeric' },
      annotations: { note: 'ü ✓' },
      finalizers: ['a/b'],
      managedFields: [
        {
          manager: 'kubectl',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } },
          time: new Date('2026-01-02T03:04:05Z'),
        },
      ],
      ...meta,
    },
    spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Running' },
  });
}

/** The object's encoding with `rv`, and the stored one (without it) spliced: they must be the same bytes. */
function check<T extends KindObject>(message: MessageFns<T>, obj: T, rv: string): void {
  const meta = obj.metadata!;
  meta.resourceVersion = '';
  const stored = message.encode(obj).finish();
  meta.resourceVersion = rv;
  const expected = Buffer.from(message.encode(obj).finish());
  const tag = metadataTagOf(message);
  assert.ok(tag !== undefined);
  assert.deepEqual(withResourceVersionBytes(stored, tag, rv), expected);
}

describe('withResourceVersionBytes', () => {
  it('is the encoding of the object with its resourceVersion, byte for byte', () => {
    check(Pod, pod({}), '12345');
    check(Pod, pod({}), '1');
    check(Pod, pod({}), '9'.repeat(200)); // a length of two varint bytes
  });

  it('puts the field where the encoder does, whatever metadata fields surround it', () => {
    // Nothing before it; nothing after it; nothing at all but it.
    check(Pod, Pod.fromPartial({ metadata: { labels: { a: 'b' } } }), '7');
    check(Pod, Pod.fromPartial({ metadata: { name: 'n', namespace: 'ns', uid: 'u' } }), '7');
    check(Pod, Pod.fromPartial({ metadata: {} }), '7');
    check(Pod, Pod.fromPartial({ kind: 'Pod', metadata: {}, spec: {} }), '42');
  });

  it('grows the metadata length across a varint boundary', () => {
    // Metadata of 127 bytes without the field: its length takes two bytes with it.
    for (let n = 100; n < 140; n++)
      check(Pod, Pod.fromPartial({ metadata: { name: 'x'.repeat(n) } }), '1234');
  });

  it('holds for every kind', () => {
    for (const info of kinds) {
      const message = typesOf(info).message as MessageFns<KindObject>;
      const obj = message.create({
        metadata: { name: 'a', namespace: 'b', uid: 'c', labels: { x: 'y' }, finalizers: ['f'] },
      } as never);
      check(message, obj, '77');
    }
    check(ConfigMap, ConfigMap.fromPartial({ metadata: { name: 'c' }, data: { k: 'v'.repeat(300) } }), '8');
  });

  it('leaves the bytes as they are for an empty resourceVersion', () => {
    const stored = Pod.encode(pod({})).finish();
    assert.deepEqual(withResourceVersionBytes(stored, metadataTagOf(Pod)!, ''), Buffer.from(stored));
  });

  it('refuses bytes that hold a resourceVersion already, no metadata, or a broken field', () => {
    const tag = metadataTagOf(Pod)!;
    const withRv = Pod.encode(pod({ resourceVersion: '5' })).finish();
    assert.equal(withResourceVersionBytes(withRv, tag, '6'), undefined);
    const noMeta = Pod.encode(Pod.fromPartial({ kind: 'Pod' })).finish();
    assert.equal(withResourceVersionBytes(noMeta, tag, '6'), undefined);
    const whole = Pod.encode(pod({})).finish();
    assert.equal(withResourceVersionBytes(whole.subarray(0, whole.length - 3), tag, '6'), undefined);
  });
});

describe('asFirstField', () => {
  it('is the response whose only field is the object', () => {
    const obj = pod({ resourceVersion: '9' });
    const bytes = Pod.encode(obj).finish();
    assert.deepEqual(asFirstField(bytes), Buffer.from(CreatePodResponse.encode({ pod: obj }).finish()));
    assert.deepEqual(asFirstField(bytes), Buffer.from(UpdatePodStatusResponse.encode({ pod: obj }).finish()));
    assert.deepEqual(CreatePodResponse.decode(asFirstField(bytes)).pod, obj);
  });
});
