import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { slowStartBatch } from './slow-start.js';

/** Calls that end only when the test says so: `round()` ends every call in flight, in start order. */
function heldCalls(fail: (index: number) => boolean = () => false) {
  const pending: { index: number; end: () => void }[] = [];
  let started = 0;
  const settled = () => new Promise<void>((r) => setImmediate(r));
  return {
    get started() {
      return started;
    },
    get inFlight() {
      return pending.length;
    },
    fn: (index: number) =>
      new Promise<void>((resolve, reject) => {
        started++;
        pending.push({
          index,
          end: () => (fail(index) ? reject(new Error(`refused ${index}`)) : resolve()),
        });
      }),
    /** Ends the calls in flight now; resolves to how many there were, once their effects ran. */
    async round(): Promise<number> {
      const now = pending.splice(0);
      for (const c of now) c.end();
      await settled();
      return now.length;
    },
    /** Ends one call, by its index. */
    async end(index: number): Promise<void> {
      const at = pending.findIndex((c) => c.index === index);
      assert.ok(at >= 0, `call ${index} is not in flight`);
      pending.splice(at, 1)[0]?.end();
      await settled();
    },
  };
}

describe('slowStartBatch', () => {
  test('the window doubles every round trip: 1, 2, 4, … up to the count', async () => {
    const calls = heldCalls();
    const done = slowStartBatch(20, 1, calls.fn);
    const rounds: number[] = [];
    while (calls.inFlight > 0) rounds.push(await calls.round());
    assert.deepEqual(rounds, [1, 2, 4, 8, 5]);
    assert.deepEqual(await done, { successes: 20, error: undefined, window: 20 });
  });

  test('a slow call does not hold the others back (a window, not a barrier)', async () => {
    const calls = heldCalls();
    const done = slowStartBatch(20, 1, calls.fn);
    await calls.round(); // call 0: the window is now 2
    // Call 1 hangs; every other call completes around it.
    for (let i = 2; i < 20; i++) await calls.end(i);
    assert.equal(calls.started, 20);
    assert.equal(calls.inFlight, 1);
    await calls.end(1);
    assert.deepEqual(await done, { successes: 20, error: undefined, window: 20 });
  });

  test('a template that is always refused fails once', async () => {
    let calls = 0;
    const r = await slowStartBatch(500, 1, async () => {
      calls++;
      throw new Error('forbidden: exceeded quota');
    });
    assert.equal(calls, 1);
    assert.equal(r.successes, 0);
    assert.match(String(r.error), /exceeded quota/);
  });

  test('after the first failure no call starts; the calls in flight finish', async () => {
    // The apiserver takes 5 pods, then refuses.
    const calls = heldCalls((i) => i >= 5);
    const done = slowStartBatch(100, 1, calls.fn);
    await calls.round(); // 0
    await calls.round(); // 1, 2
    assert.equal(calls.inFlight, 4); // 3, 4, 5, 6
    await calls.end(5); // the first refusal
    const startedAtFailure = calls.started;
    while (calls.inFlight > 0) await calls.round();
    assert.equal(calls.started, startedAtFailure, 'no call started after the failure');
    const r = await done;
    assert.equal(r.successes, 5);
    assert.match(String(r.error), /refused 5/);
    assert.ok(calls.started - r.successes <= 4, `at most the window fails (${calls.started - r.successes})`);
  });

  test('maxInFlight bounds the window', async () => {
    const calls = heldCalls();
    const done = slowStartBatch(100, 1, calls.fn, { maxInFlight: 6 });
    let widest = 0;
    while (calls.inFlight > 0) widest = Math.max(widest, await calls.round());
    assert.equal(widest, 6);
    assert.deepEqual(await done, { successes: 100, error: undefined, window: 6 });
  });

  test('openTo: the first call goes alone, then the window opens to a size known to work', async () => {
    const calls = heldCalls();
    const done = slowStartBatch(100, 1, calls.fn, { openTo: 32, maxInFlight: 64 });
    assert.equal(await calls.round(), 1);
    assert.equal(await calls.round(), 32);
    while (calls.inFlight > 0) await calls.round();
    assert.deepEqual(await done, { successes: 100, error: undefined, window: 64 });
    // A template refused since the earlier run still fails only once.
    let refused = 0;
    const r = await slowStartBatch(
      100,
      1,
      async () => {
        refused++;
        throw new Error('denied');
      },
      { openTo: 64 },
    );
    assert.equal(refused, 1);
    assert.equal(r.successes, 0);
  });

  test('makes no further call once its signal aborts: a term that ended creates nothing more', async () => {
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
    // Call 1, then calls 2 and 3 in the window of 2; nothing after the abort.
    assert.equal(calls, 3);
    assert.deepEqual(r, { successes: 3, error: undefined, window: 4 });
    const none = await slowStartBatch(10, 1, async () => assert.fail('called after abort'), term.signal);
    assert.deepEqual(none, { successes: 0, error: undefined, window: 1 });
  });
});
