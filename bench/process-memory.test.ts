/**
 * The live memory probe against real child processes: one that preloads
 * bench/memory-probe.mjs answers with what it holds after a collection (and what it
 * retains shows there), one without the probe is not signalled (SIGUSR2 would end it).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { catchesSignal, probeLiveMemory } from './process-memory.js';

const dir = mkdtempSync(join(tmpdir(), 'process-memory-test-'));
const probe = new URL('./memory-probe.mjs', import.meta.url).pathname;
const children: ChildProcess[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

/** A child that prints "ready" once its handlers are installed, and keeps N MiB more of arrays of doubles when sent N. */
function child(preload: boolean): Promise<ChildProcess> {
  const script = `
    const kept = [];
    process.stdin.on('data', (d) => {
      for (let i = 0; i < Number(d.toString()); i++) kept.push(new Array(131072).fill(i + 0.5));
      process.stdout.write('grown\\n');
    });
    setImmediate(() => process.stdout.write('ready\\n'));
  `;
  const c = spawn(process.execPath, [...(preload ? ['--import', probe] : []), '-e', script], {
    env: { ...process.env, BENCH_MEMORY_DIR: dir, NODE_OPTIONS: '' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(c);
  return new Promise((resolve, reject) => {
    c.stdout?.once('data', () => resolve(c));
    c.once('exit', (code) => reject(new Error(`the child exited (${code})`)));
  });
}

const grow = (c: ChildProcess, mib: number) =>
  new Promise<void>((resolve) => {
    c.stdout?.once('data', () => resolve());
    c.stdin?.write(String(mib));
  });

test('a process with the probe reports its live memory, which follows what it keeps', async () => {
  const c = await child(true);
  const pid = c.pid as number;
  assert.equal(catchesSignal(pid, 'SIGUSR2'), true);
  const first = await probeLiveMemory(pid, dir);
  assert.ok(first !== undefined, 'it answered');
  assert.ok(first.heapUsedMiB > 1 && first.heapUsedMiB < 64, `heap used ${first.heapUsedMiB} MiB`);
  await grow(c, 20);
  const second = await probeLiveMemory(pid, dir);
  assert.ok(second !== undefined, 'it answered again');
  const held = second.heapUsedMiB - first.heapUsedMiB;
  assert.ok(
    held > 15 && held < 40,
    `20 MiB of arrays kept: the heap used after a collection grew ${held} MiB`,
  );
  assert.equal(c.exitCode, null);
});

test('a process without the probe is not signalled', async () => {
  const c = await child(false);
  const pid = c.pid as number;
  assert.equal(catchesSignal(pid, 'SIGUSR2'), false);
  assert.equal(await probeLiveMemory(pid, dir, 1000), undefined);
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(c.exitCode, null, 'still running');
  assert.equal(c.signalCode, null);
});
