/**
 * The chaos run, short: two rounds of churn on the whole plane, each with a fault (the
 * apiserver SIGKILLed, then the store), each followed by convergence on every
 * acknowledged write within the stated bound. (The other faults run in `npm run chaos`:
 * three rounds took about 180 s on a loaded machine.) Whatever the run started is killed
 * by pid even on failure.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { runBench } from './run-bench.js';

const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-chaos-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('converges after SIGKILL of the apiserver and of the store', {
  timeout: 175_000,
}, async () => {
  const run = await runBench(
    'chaos.ts',
    [
      '--rounds',
      '2',
      '--round-time',
      '6s',
      '--nodes',
      '6',
      '--rate',
      '3',
      '--converge-timeout',
      '60s',
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
  assert.match(run.stdout, /\nrounds survived: 2 of 2; time to converge p50 \d+\.\d s, max \d+\.\d s/);
  assert.match(run.stdout, /operations acknowledged [1-9]\d*, conflicts \d+, unanswered \d+, other errors 0/);
  assert.match(run.stdout, /\nchaos: passed\n/);
  assert.deepEqual(readdirSync(dir), []);
});
