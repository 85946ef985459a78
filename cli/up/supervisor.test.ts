/**
 * The supervisor with small real child processes: start order and readiness,
 * output prefixes, reverse-order stop, SIGKILL after the grace period, and an
 * unexpected exit reported as a failure.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isAlive } from '../../test/processes.js';
import { type ProcessSpec, Supervisor } from './supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'supervisor-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A child that says hello, marks itself ready by creating a file, appends to a
 * shared log when it stops, and (optionally) ignores SIGTERM or exits by itself.
 */
function child(name: string, opts: { ignoreTerm?: boolean; exitAfterMs?: number } = {}): ProcessSpec {
  const ready = join(dir, `${name}.ready`);
  const log = join(dir, 'stops.log');
  const script = `
    const fs = require('node:fs');
    process.stdout.write('hello from ${name}\\nno newline');
    process.on('SIGTERM', () => {
      if (${Boolean(opts.ignoreTerm)}) return;
      fs.appendFileSync(${JSON.stringify(log)}, '${name}\\n');
      process.exit(0);
    });
    setTimeout(() => fs.writeFileSync(${JSON.stringify(ready)}, ''), 50);
    ${opts.exitAfterMs === undefined ? '' : `setTimeout(() => process.exit(3), ${opts.exitAfterMs});`}
    setInterval(() => {}, 1000);
  `;
  return { name, command: process.execPath, args: ['-e', script], ready: async () => existsSync(ready) };
}

describe('Supervisor', () => {
  it('starts in order once each is ready, prefixes output, and stops in reverse order', async () => {
    let output = '';
    const supervisor = new Supervisor(['first', 'second-one'], { write: (t) => (output += t) });
    await supervisor.start(child('first'));
    assert.ok(existsSync(join(dir, 'first.ready')));
    await supervisor.start(child('second-one'));
    const pids = [supervisor.pidOf('first'), supervisor.pidOf('second-one')];
    assert.ok(pids.every((pid) => isAlive(pid)));
    await supervisor.stop();
    assert.deepEqual(readFileSync(join(dir, 'stops.log'), 'utf8').split('\n'), ['second-one', 'first', '']);
    assert.ok(!pids.some((pid) => isAlive(pid)));
    assert.match(output, /^first {6}\| hello from first$/m);
    assert.match(output, /^second-one \| hello from second-one$/m);
    // An unterminated last line still comes out, once the process is gone.
    assert.match(output, /^first {6}\| no newline$/m);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    let output = '';
    const supervisor = new Supervisor(['stubborn'], { write: (t) => (output += t), stopGraceMs: 300 });
    await supervisor.start(child('stubborn', { ignoreTerm: true }));
    const pid = supervisor.pidOf('stubborn');
    const started = Date.now();
    await supervisor.stop();
    assert.ok(Date.now() - started >= 300);
    assert.ok(!isAlive(pid));
    assert.match(output, /stubborn did not stop within 0.3s; killing it/);
  });

  it('reports a process that exits by itself, whether starting or running', async () => {
    const supervisor = new Supervisor(['early', 'late'], { write: () => {} });
    await assert.rejects(
      supervisor.start({ ...child('early', { exitAfterMs: 0 }), ready: async () => false }),
      /early exited unexpectedly \(exit code 3\)/,
    );
    await supervisor.stop();

    const running = new Supervisor(['late'], { write: () => {} });
    await running.start(child('late', { exitAfterMs: 300 }));
    const failure = await running.failed;
    assert.match(failure.message, /late exited unexpectedly \(exit code 3\)/);
    await running.stop();
  });

  it('gives up on a process that never becomes ready', async () => {
    const supervisor = new Supervisor(['slow'], { write: () => {}, startTimeoutMs: 300 });
    await assert.rejects(
      supervisor.start({ ...child('slow'), ready: async () => false }),
      /slow did not become healthy within 0.3s/,
    );
    await supervisor.stop();
    assert.ok(!isAlive(supervisor.pidOf('slow')));
  });
});
