/**
 * The REST benchmark works end to end in its quick mode: it starts a real store and
 * apiserver, drives gets, creates and lists over gRPC, HTTP/2 and HTTP/1.1, and prints
 * every row with a figure on both sides. Nothing is asserted about the targets (the
 * machine is shared); what was started is killed by pid even on failure.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exitedWithOutput, killProcess } from '../test/processes.js';
import { descendants } from './descendants.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const cell = ' *[^|]*?';
const rate = String.raw`[\d,]+/s \(p50 [\d.,]+ ms\)`;
const lat = String.raw`p50 [\d.,]+ ms, p90 [\d.,]+ ms \(n=3\)`;

it('prints every row of gets, creates and lists in quick mode', { timeout: 60_000 }, async () => {
  const bench = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', 'rest.ts'), '--quick'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  bench.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  bench.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = exitedWithOutput(bench);
  // Seen while it runs: once the benchmark exits, its orphans are no longer its descendants.
  const seen = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of descendants(bench.pid!)) seen.add(pid);
  }, 200);
  const timer = setTimeout(() => bench.kill('SIGTERM'), 55_000);
  try {
    const code = await exited;
    assert.equal(code, 0, `${stdout}\n${stderr}`);
    assert.match(stdout, /^\| operation +\| gRPC +\| REST +\| ratio +\| target +\| met +\|$/m);
    for (const op of ['gets', 'creates']) {
      for (const protocol of ['HTTP/2', 'HTTP/1.1']) {
        assert.match(
          stdout,
          new RegExp(
            String.raw`^\| ${op}/s, REST over ${protocol.replace('.', '\\.')} +\| ${rate} +\| ${rate} +\| \d+% +\| ≥ 70% of gRPC +\| (met|MISSED) +\|$`,
            'm',
          ),
          stdout,
        );
      }
    }
    for (const form of ['JSON, HTTP/2', 'Table, HTTP/2', 'JSON, HTTP/1.1']) {
      assert.match(
        stdout,
        new RegExp(
          String.raw`^\| list of 100 pods, ${form.replace('.', '\\.')} +\| ${lat} +\| ${lat} +\| \d+\.\d\d× +\| ≤ 1\.5× gRPC \(p50\) +\| (met|MISSED) +\|$`,
          'm',
        ),
        stdout,
      );
    }
    // No call failed on any side: a failure shows as "errors" in a cell.
    assert.doesNotMatch(stdout, new RegExp(`\\|${cell}errors`), stdout);
    assert.match(stdout, /load average \(1, 5, 15 min\) [\d.]+, [\d.]+, [\d.]+ at the start/);
  } finally {
    clearInterval(watch);
    clearTimeout(timer);
    if (bench.exitCode === null && bench.signalCode === null) {
      bench.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    }
    for (const pid of [bench.pid ?? 0, ...seen]) killProcess(pid);
  }
});
