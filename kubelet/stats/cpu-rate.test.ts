import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cpuRate } from './cpu-rate.js';

const s = (atNs: bigint, usageCoreNanoSeconds: bigint) => ({ atNs, usageCoreNanoSeconds });

test('the rate is CPU time over wall time, in nanocores', () => {
  // One core busy for 10 s.
  assert.deepEqual(cpuRate(s(0n, 0n), s(10_000_000_000n, 10_000_000_000n)), {
    usageNanoCores: 1_000_000_000n,
    windowNs: 10_000_000_000n,
  });
  // 250 ms of CPU over 1 s is a quarter core (250m).
  assert.equal(cpuRate(s(5n, 100n), s(1_000_000_005n, 250_000_100n))?.usageNanoCores, 250_000_000n);
  // Two cores flat out.
  assert.equal(cpuRate(s(0n, 0n), s(2_000_000_000n, 4_000_000_000n))?.usageNanoCores, 2_000_000_000n);
  // Idle.
  assert.equal(cpuRate(s(0n, 7n), s(1_000_000_000n, 7n))?.usageNanoCores, 0n);
});

test('counters past 2^53 keep their precision', () => {
  const base = 2n ** 62n;
  assert.equal(cpuRate(s(base, base), s(base + 10n ** 9n, base + 3n))?.usageNanoCores, 3n);
});

test('no rate without two samples in order, or from a counter that went back', () => {
  assert.equal(cpuRate(undefined, s(1n, 1n)), undefined, 'one sample has no window');
  assert.equal(cpuRate(s(10n, 1n), s(10n, 5n)), undefined, 'same time: no window');
  assert.equal(cpuRate(s(10n, 1n), s(9n, 5n)), undefined, 'the clock went back');
  assert.equal(cpuRate(s(0n, 500n), s(1_000_000_000n, 100n)), undefined, 'restarted counter');
});
