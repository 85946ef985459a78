import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { encodeObject, forgetStoredBytes, fromStoredBytes, keepStoredBytes } from './stored-bytes.js';

function pod(): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'u-1', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  });
}

describe('stored bytes', () => {
  it('encode an object from the bytes kept with it, with its resourceVersion', () => {
    const obj = pod();
    const stored = Pod.encode(obj).finish();
    keepStoredBytes(obj, stored);
    obj.metadata!.resourceVersion = '17';
    const expected = Buffer.from(Pod.encode(obj).finish());
    assert.deepEqual(fromStoredBytes(Pod, obj), expected);
    assert.deepEqual(Buffer.from(encodeObject(Pod, obj)), expected);
  });

  it('are what the encoding is made of while kept: the object itself is not read', () => {
    const obj = pod();
    keepStoredBytes(obj, Pod.encode(obj).finish());
    // A change the invariant forbids shows that the kept bytes, not the object, were encoded.
    obj.metadata!.labels = { app: 'changed' };
    assert.deepEqual(Pod.decode(encodeObject(Pod, obj)).metadata?.labels, { app: 'web' });
  });

  it('are forgotten when asked, or once used with forget', () => {
    const obj = pod();
    keepStoredBytes(obj, Pod.encode(obj).finish());
    forgetStoredBytes(obj);
    assert.equal(fromStoredBytes(Pod, obj), undefined);
    keepStoredBytes(obj, Pod.encode(obj).finish());
    assert.ok(fromStoredBytes(Pod, obj, true));
    assert.equal(fromStoredBytes(Pod, obj), undefined);
    // Without kept bytes the object is encoded as it is.
    obj.metadata!.labels = { app: 'changed' };
    assert.deepEqual(Pod.decode(encodeObject(Pod, obj)).metadata?.labels, { app: 'changed' });
  });

  it('that are not of the expected shape are passed over: the object is encoded', () => {
    const obj = pod();
    obj.metadata!.resourceVersion = '3';
    // Bytes that already hold a resourceVersion cannot take another.
    keepStoredBytes(obj, Pod.encode(obj).finish());
    obj.metadata!.resourceVersion = '4';
    assert.equal(fromStoredBytes(Pod, obj), undefined);
    assert.equal(Pod.decode(encodeObject(Pod, obj)).metadata?.resourceVersion, '4');
  });
});
