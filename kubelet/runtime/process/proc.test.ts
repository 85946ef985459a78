import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { killProcess } from '../../../test/processes.js';
import { isSameProcess, processStartTime, signalGroup } from './proc.js';

const linux = process.platform === 'linux';

/** A `sleep` leading a process group of its own, as a container's wrapper does. */
function groupLeader() {
  const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
  const pid = child.pid as number;
  return { child, pid, startTime: processStartTime(pid) };
}

test('signalGroup signals the group when its leader is the process recorded', { skip: !linux }, async () => {
  const { child, pid, startTime } = groupLeader();
  assert.notEqual(startTime, '');
  const exited = once(child, 'exit');
  signalGroup(pid, 'SIGKILL', startTime);
  const [, signal] = await exited;
  assert.equal(signal, 'SIGKILL');
});

test('signalGroup leaves alone a group whose leader pid now belongs to another process', {
  skip: !linux,
}, async (t) => {
  const { child, pid, startTime } = groupLeader();
  t.after(() => child.kill('SIGKILL'));
  // The recorded container started at another time: this pid was reused.
  signalGroup(pid, 'SIGKILL', String(Number(startTime) + 1));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(child.exitCode, null);
  assert.equal(child.signalCode, null);
  assert.ok(isSameProcess(pid, startTime));
});

test('signalGroup reaches the members of a group whose leader has exited', { skip: !linux }, async (t) => {
  // The leader (a shell) starts a member in its group and exits at once; the member
  // does not hold the pipe, so the pipe closes when the shell exits.
  const shell = spawn('sh', ['-c', 'sleep 30 >/dev/null & echo $!'], {
    detached: true,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const leader = shell.pid as number;
  const startTime = processStartTime(leader);
  let out = '';
  shell.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  // 'close', not 'exit': the shell can exit before its output has been read.
  await once(shell, 'close');
  const member = Number(out.trim());
  assert.ok(Number.isInteger(member) && member > 1, `the member's pid, read as ${JSON.stringify(out)}`);
  t.after(() => killProcess(member));
  assert.ok(isSameProcess(member, ''));
  signalGroup(leader, 'SIGKILL', startTime);
  const deadline = Date.now() + 20_000;
  while (isSameProcess(member, '') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  assert.equal(isSameProcess(member, ''), false);
});
