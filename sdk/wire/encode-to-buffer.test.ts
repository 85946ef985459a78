import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BinaryWriter } from '@bufbuild/protobuf/wire';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { ListPodsResponse } from '../gen/wheelhouse/core/v1/pod_service.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import { type Encodes, encodeToBuffer } from './encode-to-buffer.js';

function pod(name: string, labels: number, image = 'nginx:1.27'): Pod {
  const labelMap: Record<string, string> = {};
  for (let i = 0; i < labels; i++) labelMap[`label-${i}`] = `value-${i}-${name}`;
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: labelMap },
    spec: { nodeName: 'node-1', containers: [{ name: 'web', image }] },
    status: { phase: 'Running', podIp: '10.244.1.7', startTime: new Date(1_700_000_000_000) },
  });
}

/** A type that encodes as `inner` does and records the writers it is handed. */
function recording<T>(inner: Encodes<T>): Encodes<T> & { writers: (BinaryWriter | undefined)[] } {
  const writers: (BinaryWriter | undefined)[] = [];
  return {
    writers,
    encode(message: T, writer?: BinaryWriter): BinaryWriter {
      writers.push(writer);
      return inner.encode(message, writer);
    },
  };
}

test('bytes equal a fresh encode for messages of different sizes in a row', () => {
  const pods = [
    pod('a', 0),
    pod('b', 200),
    pod('c', 1),
    pod('d', 3000, 'ünïcödé-image:1'),
    pod('e', 0),
    Pod.create(),
  ];
  const kept: Buffer[] = [];
  for (const p of pods) {
    const got = encodeToBuffer(Pod, p);
    assert.ok(Buffer.isBuffer(got));
    assert.deepEqual(new Uint8Array(got), Pod.encode(p).finish());
    kept.push(got);
  }
  // Bytes handed out earlier are not overwritten by later encodes.
  for (let i = 0; i < pods.length; i++) {
    assert.deepEqual(new Uint8Array(kept[i]!), Pod.encode(pods[i]!).finish());
    assert.deepEqual(Pod.decode(kept[i]!), Pod.decode(Pod.encode(pods[i]!).finish()));
  }
  const list = ListPodsResponse.fromPartial({ items: pods, metadata: { resourceVersion: '42' } });
  assert.deepEqual(
    new Uint8Array(encodeToBuffer(ListPodsResponse, list)),
    ListPodsResponse.encode(list).finish(),
  );
});

test('a returned Buffer owns its bytes', () => {
  const got = encodeToBuffer(Pod, pod('small', 1));
  assert.equal(got.byteOffset, 0);
  assert.equal(got.buffer.byteLength, got.byteLength);
});

test('one writer serves consecutive encodes', () => {
  const type = recording(Pod);
  encodeToBuffer(type, pod('a', 1));
  encodeToBuffer(type, pod('b', 50));
  encodeToBuffer(type, pod('c', 1));
  assert.equal(type.writers.length, 3);
  assert.ok(type.writers[0] !== undefined);
  assert.equal(type.writers[1], type.writers[0]);
  assert.equal(type.writers[2], type.writers[0]);
});

test('an encode that throws midway leaves the next encode correct', () => {
  const failing: Encodes<ObjectMeta> = {
    encode(message, writer) {
      // Leave the writer mid-message: bytes written, a fork open.
      ObjectMeta.encode(message, writer?.uint32(10).fork());
      throw new Error('encode failed');
    },
  };
  const type = recording(Pod);
  encodeToBuffer(type, pod('before', 1));
  assert.throws(() => encodeToBuffer(failing, ObjectMeta.create({ name: 'x'.repeat(500) })), /encode failed/);
  const p = pod('after', 2);
  const got = encodeToBuffer(type, p);
  assert.deepEqual(new Uint8Array(got), Pod.encode(p).finish());
  assert.notEqual(type.writers[1], type.writers[0], 'the writer that saw the failure is not reused');
});

test('a giant message does not keep its writer', () => {
  const type = recording(Pod);
  encodeToBuffer(type, pod('small', 1));
  const giant = pod('giant', 1, 'x'.repeat(2 << 20));
  const bytes = encodeToBuffer(type, giant);
  assert.ok(bytes.byteLength > 2 << 20);
  assert.deepEqual(new Uint8Array(bytes), Pod.encode(giant).finish());
  encodeToBuffer(type, pod('small-again', 1));
  encodeToBuffer(type, pod('small-again', 1));
  assert.equal(type.writers[1], type.writers[0], 'the giant message went through the kept writer');
  assert.notEqual(type.writers[2], type.writers[1], 'and that writer, grown to megabytes, was dropped');
  assert.equal(type.writers[3], type.writers[2], 'its successor is kept');
});

test('an encode that encodes another message through the helper gets its own writer', () => {
  let inner: Buffer | undefined;
  const p = pod('inner', 3);
  const outer: Encodes<ObjectMeta> = {
    encode(message, writer) {
      const w = ObjectMeta.encode(message, writer);
      inner = encodeToBuffer(Pod, p);
      return w;
    },
  };
  const meta = ObjectMeta.create({ name: 'outer', labels: { a: 'b' } });
  const got = encodeToBuffer(outer, meta);
  assert.deepEqual(new Uint8Array(got), ObjectMeta.encode(meta).finish());
  assert.deepEqual(new Uint8Array(inner!), Pod.encode(p).finish());
});
