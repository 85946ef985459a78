import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scaledClock, systemClock } from './clock.js';

describe('the CronJob controller clock', () => {
  it('runs faster from its start and turns its delays into real time', () => {
    const start = Date.now() - 2000;
    const clock = scaledClock(60, start);
    const ahead = clock.now() - start;
    assert.ok(ahead >= 120_000 && ahead < 180_000, `two real seconds are two minutes: ${ahead}`);
    assert.equal(clock.realDelay(60_000), 1000);
    assert.equal(clock.realDelay(-5), 0);
    assert.equal(scaledClock(1), systemClock);
    assert.throws(() => scaledClock(0), /positive number/);
    assert.throws(() => scaledClock(Number.NaN), /positive number/);
  });
});
