import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { until } from '../../test/until.js';
import { createBeatScheduler } from './beat-scheduler.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('beat scheduler', () => {
  test('runs tasks in the order they are due, whatever the order they were scheduled in', async () => {
    const beats = createBeatScheduler();
    const ran: string[] = [];
    const ac = new AbortController();
    const t0 = Date.now();
    // d is due late enough that c is scheduled before it even on a loaded machine.
    const dMs = 2_000;
    beats.schedule(t0 + dMs, () => ran.push('d'));
    beats.schedule(t0 + 20, () => ran.push('a'));
    beats.schedule(t0 + 40, () => ran.push('b'));
    beats.schedule(t0 + 20, () => ran.push('a2'));
    const running = beats.run(ac.signal);
    await until(() => ran.length >= 3, 'a, a2 and b');
    // Earlier than the armed timer (d's): runs before it.
    beats.schedule(Date.now() + 1, () => ran.push('c'));
    await until(() => ran.length === 5, 'c and d');
    assert.deepEqual(ran, ['a', 'a2', 'b', 'c', 'd']);
    assert.ok(Date.now() - t0 >= dMs, 'nothing ran before its time');
    ac.abort();
    await running;
  });

  test('a periodic task reschedules itself; thousands wait with one listener on the signal', async () => {
    const beats = createBeatScheduler();
    const ac = new AbortController();
    const counts = new Array<number>(2_000).fill(0);
    const t0 = Date.now();
    counts.forEach((_, i) => {
      const beat = async () => {
        counts[i] = (counts[i] ?? 0) + 1;
        await delay(1);
        beats.schedule(Date.now() + 20, beat);
      };
      beats.schedule(t0 + (i % 20), beat);
    });
    const running = beats.run(ac.signal);
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
    await until(() => counts.every((n) => n >= 3), 'every task to run three times');
    assert.equal(getEventListeners(ac.signal, 'abort').length, 1);
    ac.abort();
    await running;
    assert.equal(beats.pending, 0);
  });

  test('an abort drops waiting tasks and waits for those already started', async () => {
    const beats = createBeatScheduler();
    const ac = new AbortController();
    let finished = false;
    let late = false;
    beats.schedule(Date.now(), async () => {
      await delay(50);
      finished = true;
    });
    beats.schedule(Date.now() + 1_000, () => {
      late = true;
    });
    const running = beats.run(ac.signal);
    await delay(10);
    ac.abort();
    await running;
    assert.ok(finished, 'the started task settled before run() resolved');
    assert.ok(!late, 'the waiting task never ran');
    beats.schedule(Date.now(), () => {
      late = true;
    });
    await delay(10);
    assert.ok(!late, 'nothing runs once stopped');
  });

  test('a task that throws or rejects does not stop the others', async () => {
    const beats = createBeatScheduler();
    const ac = new AbortController();
    const ran: number[] = [];
    beats.schedule(Date.now(), () => {
      throw new Error('boom');
    });
    beats.schedule(Date.now(), () => Promise.reject(new Error('boom')));
    beats.schedule(Date.now() + 5, () => ran.push(1));
    const running = beats.run(ac.signal);
    await delay(30);
    assert.deepEqual(ran, [1]);
    ac.abort();
    await running;
  });
});
