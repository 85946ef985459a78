import assert from 'node:assert/strict';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createFifoStock } from './fifo-stock.js';
import { createSpawner } from './spawner.js';

describe('spawner', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wh-spawner-'));
  const spawner = createSpawner({ threads: 2 });
  // `exited` does not keep a process alive (a detached child may outlive it): this does.
  const alive = setInterval(() => undefined, 1000);
  after(async () => {
    clearInterval(alive);
    await spawner.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('starts a process with its env, cwd and stdio, and reports its exit code', async () => {
    const out = openSync(join(dir, 'out'), 'w');
    const child = await spawner.spawn('/bin/sh', ['-c', 'echo "$GREETING from $(pwd)"; exit 3'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', GREETING: 'hello' },
      cwd: dir,
      stdio: ['ignore', out, 'ignore'],
    });
    closeSync(out);
    assert.ok(child.pid > 0);
    assert.deepEqual(await child.exited, { code: 3, signal: null });
    assert.equal(child.exitCode, 3);
    assert.equal(readFileSync(join(dir, 'out'), 'utf8'), `hello from ${dir}\n`);
  });

  test('reports the signal that ended a process', async () => {
    const child = await spawner.spawn('/bin/sh', ['-c', 'sleep 30'], { detached: true });
    process.kill(-child.pid, 'SIGKILL');
    assert.deepEqual(await child.exited, { code: null, signal: 'SIGKILL' });
  });

  test('rejects what cannot start, and run() rejects a failing command', async () => {
    await assert.rejects(spawner.spawn(join(dir, 'no-such-program'), []), /ENOENT/);
    await assert.rejects(spawner.run('/bin/sh', ['-c', 'exit 1']), /exit code 1/);
    await spawner.run('/bin/sh', ['-c', 'exit 0']);
  });

  test('many spawns at once all start, spread over the threads', async () => {
    const children = await Promise.all(
      Array.from({ length: 20 }, (_, i) => spawner.spawn('/bin/sh', ['-c', `exit ${i}`])),
    );
    assert.equal(new Set(children.map((c) => c.pid)).size, 20);
    const codes = await Promise.all(children.map((c) => c.exited.then((e) => e.code)));
    assert.deepEqual(
      codes,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });
});

describe('FIFO stock', () => {
  test('hands out FIFOs, refills in batches, and reuses what an earlier stock left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-fifos-'));
    const spawner = createSpawner({ threads: 1 });
    let makes = 0;
    const make = (paths: string[]) => {
      makes++;
      return spawner.run('mkfifo', paths);
    };
    try {
      const stock = createFifoStock(join(dir, 'stock'), make, { batch: 4 });
      for (let i = 0; i < 6; i++) await stock.take(join(dir, `out-${i}`), join(dir, `err-${i}`));
      for (let i = 0; i < 6; i++) {
        assert.ok(statSync(join(dir, `out-${i}`)).isFIFO());
        assert.ok(statSync(join(dir, `err-${i}`)).isFIFO());
      }
      // 12 FIFOs in batches of 4: a handful of mkfifo calls, not one per FIFO.
      assert.ok(makes >= 3 && makes <= 5, `mkfifo ran ${makes} times`);
      // Let a background refill land, then a new stock on the same directory uses it.
      const deadline = Date.now() + 10_000;
      while (readdirSync(join(dir, 'stock')).length === 0 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 20));
      const left = readdirSync(join(dir, 'stock')).length;
      assert.ok(left > 0);
      const before = makes;
      const again = createFifoStock(join(dir, 'stock'), make, { batch: 2 * left + 2 });
      await again.take(join(dir, 'reused'));
      assert.ok(statSync(join(dir, 'reused')).isFIFO());
      assert.ok(readdirSync(join(dir, 'stock')).length >= left - 1 || makes > before);
    } finally {
      await spawner.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a failing mkfifo fails the take', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wh-fifos-'));
    try {
      const stock = createFifoStock(join(dir, 'stock'), () => Promise.reject(new Error('no mkfifo here')));
      await assert.rejects(stock.take(join(dir, 'out')), /no mkfifo here/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a spawner closed under a run', () => {
  test('the run still settles when its process ends, keeping the event loop until then', {
    timeout: 20_000,
  }, async () => {
    const spawner = createSpawner({ threads: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'wh-spawner-closed-'));
    try {
      const started = join(dir, 'started');
      const marker = join(dir, 'done');
      const run = spawner.run('/bin/sh', ['-c', `: > ${started}; sleep 1.5; : > ${marker}`]);
      // Once it has started (its thread posts the pid before the shell runs a line), end
      // its thread: its end is then followed by pid.
      const deadline = Date.now() + 10_000;
      while (!existsSync(started) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await spawner.close();
      await assert.rejects(run, /ended unseen/);
      assert.ok(statSync(marker).isFile(), 'the run settled after its process ended');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
