/**
 * The density benchmark works end to end in a reduced quick mode (20 simulated nodes, 300
 * pods): the whole plane as real processes, creation throttled and not, a rolling update,
 * deletion, and every pod accounted for after each. Targets are printed, not asserted
 * (the machine is shared); what is asserted is that the run completes, that every figure
 * is there, and that the report is a page with its plots. Whatever it started is killed
 * by pid even on failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitedWithOutput, killProcess } from '../test/processes.js';
import { descendants } from './descendants.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-density-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('runs the quick density benchmark with every pod accounted for', { timeout: 175_000 }, async () => {
  const report = join(dir, 'report');
  const bench = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'bench', 'density.ts'),
      '--quick',
      // Smaller than the quick mode's 50 nodes and 1,000 pods, whose rolling update alone
      // outlasts a test's budget on a loaded 2-core machine.
      '--nodes',
      '20',
      '--pods',
      '300',
      '--timeout',
      '150s',
      '--report',
      report,
      '--tmp-dir',
      dir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  bench.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  let progress = '';
  bench.stderr.on('data', (c: Buffer) => {
    progress += c.toString();
  });
  const exited = exitedWithOutput(bench);
  const seen = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of descendants(bench.pid ?? 0)) seen.add(pid);
  }, 200);
  try {
    const code = await exited;
    assert.equal(code, 0, `${output}\n${progress.slice(-3000)}`);
    assert.match(output, /^density: 20 simulated nodes on 1 host\(s\), 300 pods in 30 Deployments of 10/);
    assert.match(output, /\n {2}accounted: 30 Deployments, 300 pods after creation\n/);
    assert.match(output, /\n {2}accounted: 30 Deployments, 300 pods after the rolling update\n/);
    assert.match(output, /\n {2}accounted: nothing left after deletion\n/);
    assert.match(output, /pod startup p50\/p90\/p99 \(\d+ pods\) +\d+\/\d+\/\d+ ms +target p99 ≤ 1000 ms/);
    for (const part of ['create→scheduled', 'scheduled→running', 'running→observed'])
      assert.match(output, new RegExp(`${part} p50/p90/p99 +\\d+/\\d+/\\d+ ms`));
    assert.match(output, /pods\/s, first create to last running \(\d+ pods\) +\d+ +target ≥ 300\/s/);
    assert.match(output, /scheduler throughput, pods\/s +\d+/);
    assert.match(output, /rolling update: pods replaced\/s \(\d+ new pods\) +\d+/);
    assert.match(output, /Create pods ×\d+ p50 \d+ ms, p99 +\d+ ms +target ≤ 250 ms/);
    for (const component of ['store', 'apiserver', 'scheduler', 'controller-manager', 'kubelet-simulator'])
      assert.match(output, new RegExp(`\\n {2}${component}[^:]*: RSS, CPU \\d+\\.\\d s +\\d+ MiB`));
    assert.match(output, /store size before compaction +\d+\.\d MiB/);
    assert.match(output, /store size after compaction \(compacted revision \d+\) +\d+\.\d MiB/);
    assert.match(output, /\ndensity: every pod accounted for\n/);
    assert.match(
      progress,
      /\[ *\d+ s\] (starting|throttled creation|unthrottled creation|rolling update|deletion): \d+ pods, \d+ running/,
    );
    // The report: a page with its plots drawn inline, and the raw data beside it.
    const html = readFileSync(join(report, 'index.html'), 'utf8');
    assert.equal(html.match(/<svg /g)?.length, 5);
    assert.match(html, /Pod startup latency/);
    assert.match(html, /<path d="M[\d.]+ [\d.]+L/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org)/);
    const data = JSON.parse(readFileSync(join(report, 'data.json'), 'utf8')) as { startups: unknown[] };
    assert.ok(data.startups.length >= 600, `${data.startups.length} startups recorded`);
    // The benchmark removed its plane's data dir.
    assert.deepEqual(
      readdirSync(dir).filter((f) => f !== 'report'),
      [],
    );
    assert.ok(existsSync(report));
  } finally {
    clearInterval(watch);
    if (bench.exitCode === null && bench.signalCode === null) {
      bench.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    for (const pid of [bench.pid ?? 0, ...seen]) killProcess(pid);
  }
});
