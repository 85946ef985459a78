// `wheelhouse store` as a process: its background threads run niced, its main thread does not.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnStore } from './spawn-store.js';

const dir = mkdtempSync(join(tmpdir(), 'store-main-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('runs every thread but the main one at --background-nice', {
  skip: process.platform !== 'linux' && 'thread priorities are per thread on Linux only',
}, async () => {
  const store = spawnStore(dir, ['--background-nice', '11']);
  try {
    await store.port();
    const pid = store.child.pid!;
    const threads = () =>
      readdirSync(`/proc/${pid}/task`)
        .map(Number)
        .filter((tid) => tid !== pid);
    // The first scan follows the start at once; give it a moment to land.
    const deadline = Date.now() + 10_000;
    let unlowered: number[] = threads();
    while (unlowered.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      unlowered = threads().filter((tid) => getPriority(tid) !== 11);
    }
    assert.deepEqual(unlowered, []);
    assert.ok(threads().length >= 4, `the store runs ${threads().length} background threads`);
    assert.equal(getPriority(pid), getPriority(process.pid));
  } finally {
    store.child.kill('SIGTERM');
    await store.exited();
  }
});

test('refuses a nice value over 19', async () => {
  const store = spawnStore(dir, ['--background-nice', '20']);
  assert.notEqual(await store.exited(), 0);
  assert.match(store.stderr(), /--background-nice must be 0 to 19, not 20/);
});
