import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgeHosts, memorySlope, memorySlopeBeside, type ProcessSample } from './memory-verdict.js';

type Window = { t: number; hosts: Record<string, ProcessSample> }[];

/** 30 samples of 10 s; `mib(host, i)` is a host's RSS at sample i, undefined while it does not run. */
function window(pids: Record<string, number>, mib: (host: string, i: number) => number | undefined): Window {
  return Array.from({ length: 30 }, (_, i) => {
    const hosts: Record<string, ProcessSample> = {};
    for (const [name, pid] of Object.entries(pids)) {
      const v = mib(name, i);
      if (v !== undefined) hosts[name] = { pid, rssMiB: v };
    }
    return { t: 300 + 10 * i, hosts };
  });
}

/** Of the three hosts `w` shows, sim-node alone ran the whole window as one process: it alone is judged, and flat. */
function assertOnlySimNodeJudged(w: Window): void {
  const v = judgeHosts(w);
  assert.equal(v.seen, 3);
  assert.deepEqual(
    v.judged.map((h) => h.name),
    ['kubelet-simulator sim-node'],
  );
  assert.equal(v.flat, true);
}

test('a flat series is flat, a steady rise past the noise is not', () => {
  const flat = memorySlope(Array.from({ length: 30 }, (_, i) => [i * 10, 100 + (i % 3)] as const));
  assert.equal(flat.flat, true);
  const rising = memorySlope(Array.from({ length: 30 }, (_, i) => [i * 10, 100 + i] as const));
  assert.equal(rising.flat, false);
  assert.ok(Math.abs(rising.perMinute - 6) < 1e-9);
  assert.ok(Math.abs(rising.growth - 29) < 1e-9);
});

test('the floor is what a series may grow by whatever its noise', () => {
  const points = Array.from({ length: 30 }, (_, i) => [i * 10, 30 + i * 0.2] as const);
  assert.equal(memorySlope(points).flat, true, '5.8 MiB is within the default 8 MiB');
  assert.equal(memorySlope(points, 2).flat, false, 'but not within 2 MiB');
});

test('hosts joining leave the verdict flat though their sum grows', () => {
  // sim-node runs throughout; joined-1 and joined-2 start halfway, each at 80 MiB.
  const w = window(
    { 'kubelet-simulator sim-node': 10, 'kubelet-simulator joined-1': 11, 'kubelet-simulator joined-2': 12 },
    (h, i) => (h.endsWith('sim-node') ? 120 + (i % 2) : i >= 15 ? 80 : undefined),
  );
  const sum = memorySlope(
    w.map((s) => [s.t, Object.values(s.hosts).reduce((a, p) => a + p.rssMiB, 0)] as const),
  );
  assert.equal(sum.flat, false, 'the sum alone would be judged growing');
  assertOnlySimNodeJudged(w);
});

test('one host growing fails the verdict', () => {
  const w = window({ 'kubelet-simulator sim-node': 10, 'kubelet-simulator joined-1': 11 }, (h, i) =>
    h.endsWith('sim-node') ? 120 : 80 + 2 * i,
  );
  const v = judgeHosts(w);
  assert.equal(v.flat, false);
  assert.equal(v.judged[0]?.name, 'kubelet-simulator joined-1', 'the worst first');
  assert.equal(v.judged[0]?.slope.flat, false);
});

test('a host that left during the window, or is another process under its name, is not judged', () => {
  const pids = (i: number) => (i < 15 ? 20 : 21);
  const w = window({ 'kubelet-simulator sim-node': 10, 'kubelet-simulator joined-1': 11 }, (h, i) =>
    h.endsWith('sim-node') ? 120 : i < 20 ? 80 + 5 * i : undefined,
  );
  // The same name, restarted halfway (another pid), growing across the restart.
  for (const [i, s] of w.entries())
    s.hosts['kubelet-simulator joined-9'] = { pid: pids(i), rssMiB: 60 + 4 * i };
  assertOnlySimNodeJudged(w);
});

test('no sample, nothing judged', () => {
  const v = judgeHosts([]);
  assert.deepEqual(v, { seen: 0, judged: [], flat: true });
});

/**
 * 22 readings of 20 s, as the soak's window of a 15-minute run: a history of events
 * (MiB) that bursts of rollouts filled at the start and through the last half of the
 * window and that was light in between, and live memory 40 MiB plus 0.6 MiB per MiB of history.
 */
function swingingHistory(leakPerMinute: number): [number, number, number][] {
  return Array.from({ length: 22 }, (_, i) => {
    const t = 460 + 20 * i;
    const history = i < 2 || i > 10 ? 95 : 50 + (i % 3);
    return [t, 40 + 0.6 * history + (leakPerMinute * (t - 460)) / 60 + (i % 2) * 0.8, history];
  });
}

test('memory that swings with the state it holds by design is flat beside it, though its slope rises', () => {
  const points = swingingHistory(0);
  const plain = memorySlope(
    points.map(([t, y]) => [t, y] as const),
    4,
  );
  assert.equal(plain.flat, false, 'the plain slope judges the swing');
  const beside = memorySlopeBeside(points, 4);
  assert.equal(beside.flat, true);
  assert.ok(Math.abs(beside.perState - 0.6) < 0.05, `c ${beside.perState}`);
  assert.ok(Math.abs(beside.perMinute) < 0.2, `${beside.perMinute} MiB/min`);
});

test('a leak beside the swinging state is still judged growing', () => {
  const beside = memorySlopeBeside(swingingHistory(2), 4);
  assert.equal(beside.flat, false);
  assert.ok(Math.abs(beside.perMinute - 2) < 0.2, `${beside.perMinute} MiB/min`);
});

test('a state rising with time takes at most its bounded share of a leak', () => {
  // The history rises 10 MiB through the window, and memory by 3 MiB for each of its MiB:
  // a fit free to pick any c would put all 30 MiB on the state; held at 1.5 MiB per MiB,
  // about 15 remain.
  const points = Array.from({ length: 22 }, (_, i) => {
    const history = 80 + (10 * i) / 21 + (i % 2);
    return [460 + 20 * i, 100 + 3 * (history - 80), history] as [number, number, number];
  });
  const beside = memorySlopeBeside(points, 4);
  assert.equal(beside.perState, 1.5);
  assert.ok(Math.abs(beside.growth - 15) < 1, `${beside.growth} MiB`);
  assert.equal(beside.flat, false);
});
