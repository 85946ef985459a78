import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wrapBytes } from './wrap-bytes.js';

test('wraps the bytes without copying or sharing the pool', () => {
  const bytes = new Uint8Array([1, 2, 3]);
  const wrapped = wrapBytes(bytes);
  assert.deepEqual([...wrapped], [1, 2, 3]);
  assert.equal(wrapped.buffer, bytes.buffer);
  // A copy of the same size would be a slice of the 8 KiB pool.
  assert.equal(Buffer.from(bytes).buffer.byteLength, Buffer.poolSize);
  assert.equal(wrapped.buffer.byteLength, 3);
  const view = new Uint8Array(bytes.buffer, 1, 2);
  assert.deepEqual([...wrapBytes(view)], [2, 3]);
});
