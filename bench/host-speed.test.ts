import assert from 'node:assert/strict';
import { it } from 'node:test';
import { hostSpeed, sampleHostSpeed } from './host-speed.js';

it('measures a positive, finite CPU time per unit with its spread and cost', () => {
  const speed = hostSpeed({ units: 300, repetitions: 3 });
  assert.ok(Number.isFinite(speed.usPerUnit) && speed.usPerUnit > 0, `${speed.usPerUnit} µs per unit`);
  assert.ok(Number.isFinite(speed.spread) && speed.spread >= 1, `spread ${speed.spread}`);
  // Every repetition and the warm-up were spent: the cost is at least the timed units.
  assert.ok(speed.costMs >= (3 * 300 * speed.usPerUnit) / 1000, `${speed.costMs} ms spent`);
});

it('gives about the same figure twice in a row', () => {
  const first = hostSpeed();
  const second = hostSpeed();
  const ratio = Math.max(first.usPerUnit, second.usPerUnit) / Math.min(first.usPerUnit, second.usPerUnit);
  // Generous: on a shared machine the host's speed itself moves between two calls.
  assert.ok(ratio < 3, `${first.usPerUnit.toFixed(1)} then ${second.usPerUnit.toFixed(1)} µs per unit`);
});

it('rejects a workload of nothing', () => {
  assert.throws(() => hostSpeed({ units: 0 }), /positive/);
  assert.throws(() => hostSpeed({ repetitions: 0 }), /positive/);
});

it('samples the reference through a window, in bursts', async () => {
  const sampler = sampleHostSpeed(20, 50);
  // A hundred periods for five bursts: on a loaded host the interval's timer fires late.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const sampled = sampler.stop();
  assert.ok(sampled.bursts >= 5, `${sampled.bursts} bursts`);
  assert.ok(Number.isFinite(sampled.usPerUnit) && sampled.usPerUnit > 0, `${sampled.usPerUnit} µs per unit`);
  assert.ok(sampled.costMs > 0);
  // Stopped: no burst after stop().
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(sampler.stop().bursts, sampled.bursts);
});
