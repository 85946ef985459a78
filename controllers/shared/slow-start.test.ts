import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slowStartBatch } from './slow-start.js';

describe('slowStartBatch', () => {
  test('batches of 1, 2, 4, … up to the count', async () => {
    let inFlight = 0;
    let widest = 0;
    const r = await slowStartBatch(20, 1, async () => {
      inFlight++;
      widest = Math.max(widest, inFlight);
      await Promise.resolve();
      inFlight--;
    });
    assert.deepEqual(r, { successes: 20, error: undefined });
    assert.equal(widest, 8); // 1 + 2 + 4 + 8 = 15, then the last 5
  });

  test('stops after the first batch with a failure', async () => {
    let calls = 0;
    const r = await slowStartBatch(100, 1, async (i) => {
      calls++;
      if (i === 4) throw new Error('quota exceeded');
    });
    // Batches 1, 2 and 4 ran (7 calls); the third batch held the failure.
    assert.equal(calls, 7);
    assert.equal(r.successes, 6);
    assert.match(String(r.error), /quota exceeded/);
  });

  test('makes no further batch once its signal aborts: a term that ended creates nothing more', async () => {
    const term = new AbortController();
    let calls = 0;
    const r = await slowStartBatch(
      500,
      1,
      async () => {
        calls++;
        if (calls === 3) term.abort();
      },
      term.signal,
    );
    // The batch in flight (1, then 2) completes; no batch of 4 starts.
    assert.equal(calls, 3);
    assert.deepEqual(r, { successes: 3, error: undefined });
    const none = await slowStartBatch(10, 1, async () => assert.fail('called after abort'), term.signal);
    assert.deepEqual(none, { successes: 0, error: undefined });
  });
});
