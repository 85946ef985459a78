import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseMeminfo, parseProcStat, readHostSample } from './host-stats.js';

const stat = ['cpu  100 20 30 4000 50 6 7 8 9 10', 'cpu0 50 10 15 2000 25 3 3 4 4 5', 'intr 12345', ''].join(
  '\n',
);

test('busy CPU time is user+nice+system+irq+softirq+steal ticks, in nanoseconds', () => {
  // 100 + 20 + 30 + 6 + 7 + 8 = 171 ticks of 10 ms; idle (4000) and iowait (50) are not work.
  assert.equal(parseProcStat(stat), 1_710_000_000n);
  assert.throws(() => parseProcStat('intr 1\n'), /no aggregate "cpu" line/);
});

test('meminfo in bytes; an old kernel without MemAvailable falls back to MemFree', () => {
  const text = 'MemTotal:       1000 kB\nMemFree:         200 kB\nMemAvailable:    600 kB\nBuffers: 1 kB\n';
  assert.deepEqual(parseMeminfo(text), { total: 1_024_000n, free: 204_800n, available: 614_400n });
  assert.deepEqual(parseMeminfo('MemTotal: 10 kB\nMemFree: 4 kB\n'), {
    total: 10_240n,
    free: 4_096n,
    available: 4_096n,
  });
  assert.throws(() => parseMeminfo('MemFree: 4 kB\n'), /no MemTotal/);
});

test('a host sample: working set is total minus available, usage total minus free', () => {
  const dir = mkdtempSync(join(tmpdir(), 'host-stats-'));
  try {
    writeFileSync(join(dir, 'stat'), stat);
    writeFileSync(join(dir, 'meminfo'), 'MemTotal: 1000 kB\nMemFree: 200 kB\nMemAvailable: 600 kB\n');
    assert.deepEqual(readHostSample(dir), {
      cpuUsageCoreNanoSeconds: 1_710_000_000n,
      memoryWorkingSetBytes: 409_600n,
      memoryUsageBytes: 819_200n,
      memoryAvailableBytes: 614_400n,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('this host reads: some CPU used, memory in use below the total', () => {
  const host = readHostSample();
  assert.ok(host.cpuUsageCoreNanoSeconds > 0n);
  assert.ok(host.memoryWorkingSetBytes > 0n);
  assert.ok(host.memoryAvailableBytes > 0n);
});
