/**
 * Runs every `*.test.ts` file of the repository with Node's test runner (Node 20's
 * runner does not expand globs itself). Extra arguments are passed to the runner;
 * file arguments narrow the run: `npm run test:unit -- apiserver/`.
 *
 * The runner's TAP output passes through as it comes; at the end, every failed test is
 * printed again with its error block, so a failure in a long run is found without
 * searching thousands of lines.
 *
 * The runner leads a process group of its own: a test that signals its own group by
 * mistake (`kill(0)`) ends the run, which is then reported, rather than the shell that
 * started it. Ctrl-C and termination are passed on to that group.
 */
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';

const args = process.argv.slice(2);
const filters = args.filter((a) => !a.startsWith('-'));
const flags = args.filter((a) => a.startsWith('-'));
const files = readdirSync('.', { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.test.ts') && !f.split('/').includes('node_modules'))
  .filter((f) => filters.length === 0 || filters.some((p) => f.startsWith(p)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...flags, ...files],
  { stdio: ['inherit', 'pipe', 'inherit'], detached: true },
);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    try {
      process.kill(-(child.pid as number), signal);
    } catch {
      // The runner is gone already.
    }
  });
}

/** Failed tests' blocks: the `not ok` line and its indented YAML, up to the closing `...`. */
const failures: string[][] = [];
let open: { indent: string; lines: string[] } | undefined;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  if (open) {
    open.lines.push(line);
    if (line === `${open.indent}  ...`) {
      failures.push(open.lines);
      open = undefined;
    }
    return;
  }
  const m = /^(\s*)not ok \d+ - /.exec(line);
  if (m) open = { indent: m[1] ?? '', lines: [line] };
});
const exited = new Promise<number>((resolve) =>
  child.on('exit', (code, signal) => {
    if (signal) process.stdout.write(`\n# the test runner was ended by ${signal} before it finished\n`);
    resolve(code ?? (signal ? 1 : 0));
  }),
);
lines.on('close', async () => {
  if (open) failures.push(open.lines);
  const code = await exited;
  if (failures.length > 0) {
    process.stdout.write(`\n# ${failures.length} failed (a suite counts with its failed tests):\n`);
    for (const block of failures) process.stdout.write(block.join('\n') + '\n');
  }
  process.exit(code);
});
