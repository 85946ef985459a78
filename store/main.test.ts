// `wheelhouse store` as a process: its background threads run niced, its main thread does not.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const dir = mkdtempSync(join(tmpdir(), 'store-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function startStore(extra: string[]): { child: ChildProcess; stderr: () => string } {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'main-entry.ts'),
      '--data-dir',
      dir,
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      '',
      '--port-file',
      join(dir, 'port'),
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  return { child, stderr: () => stderr };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

test('runs every thread but the main one at --background-nice', {
  skip: process.platform !== 'linux' && 'thread priorities are per thread on Linux only',
}, async () => {
  const { child, stderr } = startStore(['--background-nice', '11']);
  try {
    const deadline = Date.now() + 20_000;
    while (!existsSync(join(dir, 'port'))) {
      assert.equal(child.exitCode, null, stderr());
      assert.ok(Date.now() < deadline, `the store did not start: ${stderr()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const pid = child.pid!;
    const threads = () =>
      readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .filter((tid) => tid !== pid);
    // The first scan follows the start at once; give it a moment to land.
    let unlowered: number[] = threads();
    while (unlowered.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      unlowered = threads().filter((tid) => getPriority(tid) !== 11);
    }
    assert.deepEqual(unlowered, []);
    assert.ok(threads().length >= 4, `the store runs ${threads().length} background threads`);
    assert.equal(getPriority(pid), getPriority(process.pid));
  } finally {
    child.kill('SIGTERM');
    await exited(child);
  }
});

test('refuses a nice value over 19', async () => {
  const { child, stderr } = startStore(['--background-nice', '20']);
  assert.notEqual(await exited(child), 0);
  assert.match(stderr(), /--background-nice must be 0 to 19, not 20/);
});
