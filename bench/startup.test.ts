/**
 * The startup benchmark works end to end in its quick mode: it starts a real plane
 * twice, runs whctl against it and prints every figure. Nothing is asserted about
 * time (the machine is shared); what was started is killed by pid even on failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitedWithOutput, killProcess } from '../test/processes.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-startup-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every live descendant of `pid`, from /proc: the processes to kill if the benchmark cannot. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // It ended while we looked.
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

it('prints every startup figure in quick mode', { timeout: 300_000 }, async () => {
  const bench = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench', 'startup.ts'), '--quick', '--tmp-dir', dir],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  bench.stdout.on('data', (c: Buffer) => {
    output += c.toString();
  });
  bench.stderr.on('data', (c: Buffer) => {
    output += c.toString();
  });
  const exited = exitedWithOutput(bench);
  // Seen while it runs: once the benchmark exits, its orphans are no longer its descendants.
  const seen = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of descendants(bench.pid!)) seen.add(pid);
  }, 200);
  const timer = setTimeout(() => bench.kill('SIGTERM'), 280_000);
  try {
    const code = await exited;
    assert.equal(code, 0, output);
    assert.match(output, /^startup benchmark: (compiled \(dist\/\)|from source)/);
    assert.match(output, /load average \d+\.\d\d \d+\.\d\d \d+\.\d\d/);
    assert.match(output, /\nwhctl --help \(median of 1\) +\d+ ms +target ≤ 200 ms/);
    assert.match(output, /\nwhctl get pods \(median of 1\) +\d+ ms +target ≤ 300 ms/);
    assert.match(output, /\nup → Running pod, fresh data dir +\d+\.\d\d s +target ≤ 5 s/);
    assert.match(output, /\nup → Running pod, warm data dir +\d+\.\d\d s +target ≤ 3 s/);
    assert.match(
      output,
      /\nplane resident memory, idle, one node \(\d+ processes\) +\d+ MiB +target ≤ 350 MiB/,
    );
    assert.match(output, /\nplane memory, shared pages counted once +\d+ MiB +target ≤ 350 MiB/);
    for (const component of ['store', 'apiserver', 'controller-manager', 'scheduler', 'kubelet'])
      assert.match(output, new RegExp(`\\n  ${component} +\\d+ MiB +\\d+ MiB\\n`));
    assert.match(output, / load \d+\.\d\d\n/);
    // The benchmark stopped its planes and removed its data dirs.
    assert.deepEqual(readdirSync(dir), []);
  } finally {
    clearInterval(watch);
    clearTimeout(timer);
    if (bench.exitCode === null && bench.signalCode === null) {
      bench.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    for (const pid of [bench.pid ?? 0, ...seen]) killProcess(pid);
  }
});
