import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExpectations } from './expectations.js';
import { slowStartBatch } from './slow-start.js';

test('creations are satisfied once each is observed or skipped', () => {
  const e = createExpectations();
  assert.equal(e.satisfied('ns/rs'), true, 'never set');
  e.expectCreations('ns/rs', 3);
  e.creationObserved('ns/rs');
  e.creationObserved('ns/rs');
  assert.equal(e.satisfied('ns/rs'), false);
  e.creationSkipped('ns/rs');
  assert.equal(e.satisfied('ns/rs'), true);
  e.creationObserved('ns/rs'); // a late event does not go negative
  e.expectCreations('ns/rs', 1);
  assert.equal(e.satisfied('ns/rs'), false);
});

test('deletions are tracked by pod: the same pod seen twice counts once', () => {
  const e = createExpectations();
  e.expectDeletions('ns/rs', ['ns/a', 'ns/b']);
  e.deletionObserved('ns/rs', 'ns/a');
  e.deletionObserved('ns/rs', 'ns/a');
  assert.deepEqual(e.pending('ns/rs'), { adds: 0, deletes: 1 });
  assert.equal(e.satisfied('ns/rs'), false);
  e.deletionSkipped('ns/rs', 'ns/b');
  assert.equal(e.satisfied('ns/rs'), true);
});

test('creations and deletions expected at once are satisfied once both are seen', () => {
  const e = createExpectations();
  e.expect('ns/ds', 1, ['ns/old']);
  e.creationObserved('ns/ds');
  assert.equal(e.satisfied('ns/ds'), false);
  e.deletionObserved('ns/ds', 'ns/old');
  assert.equal(e.satisfied('ns/ds'), true);
});

test('expectations expire, so a lost event cannot wedge an owner', () => {
  let now = 0;
  const e = createExpectations({ now: () => now, timeoutMs: 1000 });
  e.expectCreations('ns/rs', 5);
  now = 999;
  assert.equal(e.satisfied('ns/rs'), false);
  now = 1001;
  assert.equal(e.satisfied('ns/rs'), true);
  e.delete('ns/rs');
  assert.equal(e.pending('ns/rs'), undefined);
});

test('slow start runs batches of 1, 2, 4, … and stops after a failing batch', async () => {
  const batches: number[] = [];
  let inFlight = 0;
  let calls = 0;
  const ok = await slowStartBatch(10, 1, async () => {
    calls++;
    inFlight++;
    await Promise.resolve();
    if (inFlight > 0) batches.push(inFlight);
    inFlight = 0;
  });
  assert.deepEqual(ok, { successes: 10, error: undefined });
  assert.equal(calls, 10);
  let n = 0;
  const failed = await slowStartBatch(100, 1, async () => {
    n++;
    if (n >= 4) throw new Error('quota');
  });
  // Batches of 1 and 2 succeed; every call of the batch of 4 fails; no fifth batch.
  assert.equal(n, 7);
  assert.equal(failed.successes, 3);
  assert.match(String(failed.error), /quota/);
});
