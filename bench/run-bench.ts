/**
 * For the benchmarks' tests: runs `bench/<script>` as a child process to its end, its
 * stdout and stderr kept apart, and kills by pid whatever it started even when the test
 * fails or times out (its processes are found from /proc while it runs, since once it
 * exits its orphans are no longer its descendants).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitedWithOutput, killProcess } from '../test/processes.js';
import { descendants } from './descendants.js';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface BenchRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the script with `args`; SIGTERM after `timeoutMs`, then SIGKILL to everything it started. */
export async function runBench(
  script: string,
  args: readonly string[],
  timeoutMs: number,
): Promise<BenchRun> {
  const bench = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', script), ...args], {
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
  const seen = new Set<number>();
  const watch = setInterval(() => {
    for (const pid of descendants(bench.pid ?? 0)) seen.add(pid);
  }, 200);
  const timer = setTimeout(() => bench.kill('SIGTERM'), timeoutMs);
  try {
    const code = await exited;
    return { code, stdout, stderr };
  } finally {
    clearInterval(watch);
    clearTimeout(timer);
    if (bench.exitCode === null && bench.signalCode === null) {
      bench.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    }
    for (const pid of [bench.pid ?? 0, ...seen]) killProcess(pid);
  }
}
