import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeClock } from './fake-clock.js';
import { createItemExponentialFailureRateLimiter } from './rate-limiter.js';
import { createRateLimitingQueue } from './rate-limiting-queue.js';

describe('RateLimitingQueue', () => {
  it('retries an item after its backoff, longer each failure, and from the start after forget', async () => {
    const clock = createFakeClock();
    const q = createRateLimitingQueue({ clock });
    const retryAfter = async (expected: number) => {
      q.addRateLimited('a');
      clock.advance(expected - 0.5);
      assert.equal(q.length, 0, `not before ${expected} ms`);
      clock.advance(0.5);
      assert.equal(q.length, 1, `at ${expected} ms`);
      q.done((await q.get())!);
    };
    await retryAfter(5);
    await retryAfter(10);
    await retryAfter(20);
    assert.equal(q.numRequeues('a'), 3);
    q.forget('a');
    assert.equal(q.numRequeues('a'), 0);
    await retryAfter(5);
  });

  it('uses the rate limiter it is given', () => {
    const clock = createFakeClock();
    const q = createRateLimitingQueue({
      clock,
      rateLimiter: createItemExponentialFailureRateLimiter(1000, 1000),
    });
    q.addRateLimited('a');
    clock.advance(999);
    assert.equal(q.length, 0);
    clock.advance(1);
    assert.equal(q.length, 1);
  });

  it('by default also limits retries overall: after a burst of 100, 10 a second', () => {
    const clock = createFakeClock();
    const q = createRateLimitingQueue<number>({ clock });
    for (let n = 0; n < 102; n++) q.addRateLimited(n);
    clock.advance(5);
    assert.equal(q.length, 100);
    clock.advance(94);
    assert.equal(q.length, 100);
    clock.advance(1);
    assert.equal(q.length, 101);
    clock.advance(100);
    assert.equal(q.length, 102);
  });

  it('counts no failure for an add refused by a shut-down queue', () => {
    const q = createRateLimitingQueue({ clock: createFakeClock() });
    q.shutDown();
    q.addRateLimited('a');
    assert.equal(q.numRequeues('a'), 0);
    assert.equal(q.length, 0);
  });
});
