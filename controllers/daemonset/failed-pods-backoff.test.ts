import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createFailedPodsBackoff } from './failed-pods-backoff.js';

test('the first replacement is immediate; the delay doubles to the maximum; a quiet key starts over', () => {
  const b = createFailedPodsBackoff(1000, 4000);
  assert.equal(b.remaining('k', 0), 0);
  b.next('k', 0);
  assert.equal(b.remaining('k', 400), 600);
  assert.equal(b.remaining('k', 1000), 0);
  b.next('k', 1000);
  assert.equal(b.remaining('k', 1000), 2000);
  b.next('k', 3000);
  b.next('k', 7000);
  assert.equal(b.remaining('k', 7000), 4000, 'capped');
  assert.equal(b.remaining('other', 7000), 0);
  // Quiet for more than twice the maximum.
  assert.equal(b.remaining('k', 7000 + 8001), 0);
  b.next('k', 7000 + 8001);
  assert.equal(b.remaining('k', 7000 + 8001), 1000);
  b.gc(100_000);
  assert.equal(b.remaining('k', 100_000), 0);
});
