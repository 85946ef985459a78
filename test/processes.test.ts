import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { isAlive, killProcess } from './processes.js';

test('a pid of 0, 1, below 0, or none is never alive and never signalled', () => {
  for (const pid of [0, 1, -1, -process.pid, Number.NaN, 1.5, undefined]) {
    assert.equal(isAlive(pid), false, String(pid));
    // SIGCONT: were the guard missing, this would be harmless for every process it reached.
    assert.equal(killProcess(pid, 'SIGCONT'), false, String(pid));
  }
});

test('a running child is alive until killed', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const pid = child.pid as number;
  assert.equal(isAlive(pid), true);
  const exited = once(child, 'exit');
  assert.equal(killProcess(pid), true);
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
  assert.equal(isAlive(pid), false);
  assert.equal(killProcess(pid), false);
});
