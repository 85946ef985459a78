import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCrashLoopBackoff } from './crash-loop-backoff.js';

test('the first crash restarts at once, then the wait starts at 10 s, doubles and stops at 5 min', () => {
  let now = 1_000_000;
  const backoff = createCrashLoopBackoff({ now: () => now });
  const waits: number[] = [];
  for (let i = 0; i < 9; i++) {
    const started = now;
    now += 1_000; // ran one second, then crashed
    const finished = now;
    const wait = backoff.remaining('uid/app', started, finished);
    waits.push(wait);
    if (wait > 0) {
      now += wait - 1;
      assert.equal(
        backoff.remaining('uid/app', started, finished),
        1,
        'asking again neither doubles nor restarts early',
      );
      now += 1;
    }
    assert.equal(backoff.remaining('uid/app', started, finished), 0, 'over once the wait has passed');
  }
  assert.deepEqual(waits, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
});

test('a run of 10 min resets the wait; containers and pods are counted apart', () => {
  let now = 0;
  const backoff = createCrashLoopBackoff({ now: () => now });
  for (let i = 0; i < 4; i++) {
    now += 1_000;
    now += backoff.remaining('a/web', now - 1_000, now);
  }
  now += 1_000;
  assert.equal(backoff.remaining('a/web', now - 1_000, now), 80_000);
  assert.equal(backoff.remaining('a/sidecar', now - 1_000, now), 0);
  assert.equal(backoff.remaining('b/web', now - 1_000, now), 0);
  now += 80_000 + 600_000;
  assert.equal(backoff.remaining('a/web', now - 600_000, now), 0, 'ran 10 min: starts over');
  now += 1_000;
  assert.equal(backoff.remaining('a/web', now - 1_000, now), 10_000);
  now += 1_000;
  backoff.forget('b/');
  assert.equal(backoff.remaining('b/web', now - 1_000, now), 0, 'forgotten');
});
