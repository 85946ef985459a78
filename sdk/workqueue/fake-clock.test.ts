import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createFakeClock } from './fake-clock.js';

describe('FakeClock', () => {
  it('runs due timers in deadline order, each at its deadline', () => {
    const clock = createFakeClock(100);
    const fired: [string, number][] = [];
    clock.setTimer(() => fired.push(['b', clock.now()]), 20);
    clock.setTimer(() => fired.push(['a', clock.now()]), 10);
    clock.setTimer(() => fired.push(['c', clock.now()]), 10);
    clock.advance(15);
    assert.deepEqual(fired, [
      ['a', 110],
      ['c', 110],
    ]);
    assert.equal(clock.now(), 115);
    clock.advance(5);
    assert.deepEqual(fired.at(-1), ['b', 120]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('runs timers set by timers when they fall due within the advance', () => {
    const clock = createFakeClock();
    const fired: number[] = [];
    clock.setTimer(() => {
      fired.push(clock.now());
      clock.setTimer(() => fired.push(clock.now()), 5);
    }, 5);
    clock.advance(10);
    assert.deepEqual(fired, [5, 10]);
  });

  it('does not run a cancelled timer', () => {
    const clock = createFakeClock();
    let fired = false;
    const cancel = clock.setTimer(() => {
      fired = true;
    }, 1);
    cancel();
    clock.advance(10);
    assert.equal(fired, false);
    assert.equal(clock.pendingTimers, 0);
  });
});
