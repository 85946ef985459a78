/**
 * The chaos run, short: three rounds of churn on the whole plane, each with a fault (the
 * apiserver SIGKILLed, then the store, then the controller manager stopped for longer
 * than its lease), each followed by convergence on every acknowledged write within the
 * stated bound. Whatever the run started is killed by pid even on failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { runBench } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-chaos-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('converges after SIGKILL of the apiserver and the store and SIGSTOP of the controller manager', {
  timeout: 175_000,
}, async () => {
  const run = await runBench(
    'chaos.ts',
    [
      '--rounds',
      '3',
      '--round-time',
      '6s',
      '--nodes',
      '6',
      '--rate',
      '3',
      '--converge-timeout',
      '45s',
      '--tmp-dir',
      dir,
    ],
    170_000,
  );
  assert.equal(run.code, 0, `${run.stdout}\n${run.stderr.slice(-3000)}`);
  assert.match(
    run.stdout,
    /\nround {2}1: SIGKILL apiserver \(pid \d+; restarted apiserver \(SIGKILL\)[^)]*\): converged in \d+\.\d s/,
  );
  assert.match(
    run.stdout,
    /\nround {2}2: SIGKILL store \(pid \d+; restarted [^\n]*store \(SIGKILL\)[^\n]*: converged in \d+\.\d s/,
  );
  assert.match(
    run.stdout,
    /\nround {2}3: SIGSTOP controller-manager for 9 s \(pid \d+, lease 6s[^\n]*: converged in \d+\.\d s/,
  );
  assert.match(run.stdout, /\nrounds survived: 3 of 3; time to converge p50 \d+\.\d s, max \d+\.\d s/);
  assert.match(run.stdout, /operations acknowledged [1-9]\d*, conflicts \d+, unanswered \d+, other errors 0/);
  assert.match(run.stdout, /\nchaos: passed\n/);
  assert.deepEqual(readdirSync(dir), []);
});
