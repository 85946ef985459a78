import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeClock } from './fake-clock.js';
import {
  createBucketRateLimiter,
  createDefaultControllerRateLimiter,
  createItemExponentialFailureRateLimiter,
  createMaxOfRateLimiter,
  type RateLimiter,
} from './rate-limiter.js';

describe('item exponential failure rate limiter', () => {
  it('doubles from the base delay per failure, up to the maximum', () => {
    const limiter = createItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const delays = Array.from({ length: 22 }, () => limiter.when('a'));
    assert.deepEqual(delays.slice(0, 8), [5, 10, 20, 40, 80, 160, 320, 640]);
    assert.equal(delays[17], 5 * 2 ** 17); // 655.36 s, the last below the cap
    assert.deepEqual(delays.slice(18), [1_000_000, 1_000_000, 1_000_000, 1_000_000]);
    assert.equal(limiter.numRequeues('a'), 22);
  });

  it('stays at the maximum however many failures', () => {
    const limiter = createItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    for (let n = 0; n < 5000; n++) limiter.when('a');
    assert.equal(limiter.when('a'), 1_000_000);
  });

  it('counts each item on its own', () => {
    const limiter = createItemExponentialFailureRateLimiter<string>(5, 1000);
    limiter.when('a');
    limiter.when('a');
    assert.equal(limiter.when('b'), 5);
    assert.equal(limiter.numRequeues('a'), 2);
    assert.equal(limiter.numRequeues('b'), 1);
  });

  it('starts over after forget', () => {
    const limiter = createItemExponentialFailureRateLimiter<string>(5, 1000);
    limiter.when('a');
    limiter.when('a');
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });
});

describe('bucket rate limiter', () => {
  it('lets a burst through at once, then spaces calls by 1/qps', () => {
    const clock = createFakeClock();
    const limiter = createBucketRateLimiter<string>({ qps: 10, burst: 100, clock });
    for (let n = 0; n < 100; n++) assert.equal(limiter.when(`item-${n}`), 0, `call ${n} is in the burst`);
    assert.equal(limiter.when('x'), 100);
    assert.equal(limiter.when('y'), 200);
    assert.equal(limiter.when('x'), 300, 'the bucket is shared by all items');
    assert.equal(limiter.numRequeues('x'), 0);
  });

  it('refills at qps, up to the burst', () => {
    const clock = createFakeClock();
    const limiter = createBucketRateLimiter<string>({ qps: 10, burst: 100, clock });
    for (let n = 0; n < 102; n++) limiter.when('a'); // two tokens owed
    clock.advance(1000); // ten added
    for (let n = 0; n < 8; n++) assert.equal(limiter.when('a'), 0);
    assert.equal(limiter.when('a'), 100);
    clock.advance(3_600_000);
    for (let n = 0; n < 100; n++) assert.equal(limiter.when('a'), 0);
    assert.equal(limiter.when('a'), 100, 'an idle bucket holds no more than the burst');
  });

  it('refuses a bucket that can never give a token', () => {
    assert.throws(() => createBucketRateLimiter({ qps: 0, burst: 1 }), RangeError);
    assert.throws(() => createBucketRateLimiter({ qps: 1, burst: 0 }), RangeError);
  });
});

describe('max-of rate limiter', () => {
  /** Answers the given delays in turn and records what it was asked. */
  function scripted(delays: number[], requeues: number): RateLimiter<string> & { forgotten: string[] } {
    const forgotten: string[] = [];
    let i = 0;
    return {
      when: () => delays[i++] ?? 0,
      forget: (item) => {
        forgotten.push(item);
      },
      numRequeues: () => requeues,
      forgotten,
    };
  }

  it('answers the longest delay of its limiters, asking every one', () => {
    const a = scripted([5, 50, 0], 3);
    const b = scripted([30, 10, 0], 7);
    const limiter = createMaxOfRateLimiter(a, b);
    assert.deepEqual([limiter.when('x'), limiter.when('x'), limiter.when('x')], [30, 50, 0]);
    assert.equal(limiter.numRequeues('x'), 7);
    limiter.forget('x');
    assert.deepEqual(a.forgotten, ['x']);
    assert.deepEqual(b.forgotten, ['x']);
  });

  it('combines backoff and bucket: the bucket wins once its burst is spent', () => {
    const clock = createFakeClock();
    const limiter = createMaxOfRateLimiter<string>(
      createItemExponentialFailureRateLimiter(5, 40),
      createBucketRateLimiter({ qps: 100, burst: 1, clock }),
    );
    const delays = Array.from({ length: 6 }, () => limiter.when('a'));
    // backoff 5 10 20 40 40 40; bucket 0 10 20 30 40 50
    assert.deepEqual(delays, [5, 10, 20, 40, 40, 50]);
  });
});

describe('default controller rate limiter', () => {
  it('is per-item backoff from 5 ms and 10 qps overall after a burst of 100', () => {
    const clock = createFakeClock();
    const limiter = createDefaultControllerRateLimiter<string>(clock);
    assert.deepEqual([limiter.when('a'), limiter.when('a'), limiter.when('a')], [5, 10, 20]);
    for (let n = 3; n < 100; n++) assert.equal(limiter.when(`item-${n}`), 5);
    assert.equal(limiter.when('new'), 100, 'the 101st failure waits for the bucket');
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    clock.advance(3_600_000);
    assert.equal(limiter.when('a'), 5);
  });

  it('caps the backoff at 1000 s', () => {
    const clock = createFakeClock();
    const limiter = createDefaultControllerRateLimiter<string>(clock);
    let last = 0;
    for (let n = 0; n < 40; n++) {
      clock.advance(1000); // keep the bucket full
      last = limiter.when('a');
    }
    assert.equal(last, 1_000_000);
  });
});
