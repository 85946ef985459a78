// Runs in its own process (the test runner isolates files), whose threads it renices.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { lowerBackgroundPriority } from './background-priority.js';

const others = () =>
  readdirSync('/proc/self/task')
    .map(Number)
    .filter((tid) => tid !== process.pid);

test('refuses nice values outside 0 to 19', () => {
  assert.throws(() => lowerBackgroundPriority(20), RangeError);
  assert.throws(() => lowerBackgroundPriority(-1), RangeError);
  assert.throws(() => lowerBackgroundPriority(1.5), RangeError);
});

test('lowers every thread but the main one, threads started later too, and never raises one', {
  skip: process.platform !== 'linux' && 'thread priorities are per thread on Linux only',
}, async () => {
  const mainBefore = getPriority(process.pid);
  const background = lowerBackgroundPriority(7, { rescanMs: 20 });
  try {
    const lowered = await background.scan();
    assert.ok(lowered >= 1, `lowered ${lowered} threads`);
    assert.deepEqual(
      others().filter((tid) => getPriority(tid) < 7),
      [],
    );
    assert.equal(getPriority(process.pid), mainBefore);

    // A thread started afterwards is found by a rescan.
    const known = new Set(others());
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    await new Promise((resolve) => worker.once('online', resolve));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const started = others().filter((tid) => !known.has(tid));
    assert.ok(started.length > 0, 'the worker brought threads of its own');
    assert.deepEqual(
      started.filter((tid) => getPriority(tid) < 7),
      [],
    );
    await worker.terminate();

    // Asking for less than a thread already has leaves it where it is.
    const milder = lowerBackgroundPriority(3);
    await milder.scan();
    milder.stop();
    assert.deepEqual(
      others().filter((tid) => getPriority(tid) !== 7),
      [],
    );
    assert.equal(getPriority(process.pid), mainBefore);
  } finally {
    background.stop();
  }
});

test('0 leaves every thread alone', { skip: process.platform !== 'linux' }, async () => {
  const before = new Map(others().map((tid) => [tid, getPriority(tid)]));
  const background = lowerBackgroundPriority(0);
  assert.equal(await background.scan(), 0);
  background.stop();
  for (const [tid, nice] of before) assert.equal(getPriority(tid), nice);
});
