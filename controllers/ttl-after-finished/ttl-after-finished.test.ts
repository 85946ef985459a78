import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import { newCondition } from '../job/job-conditions.js';
import { isRunning, newJob, podsOf, setPodPhase } from '../job/testing.js';
import { eventsAbout, useCluster, waitFor } from '../shared/testing.js';
import { timeLeft } from './ttl-after-finished-controller.js';

test('a Job expires ttlSecondsAfterFinished after its terminal condition, and only when finished', () => {
  const finishedAt = new Date(1_000_000);
  const job = newJob('t', { ttlSecondsAfterFinished: 30 });
  assert.equal(timeLeft(job, 1_000_000), undefined, 'not finished');
  job.status = Job.fromPartial({ status: {} }).status;
  job.status?.conditions.push(
    newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', '', finishedAt),
  );
  assert.equal(timeLeft(job, 1_000_000), undefined, 'an interim condition is not the end');
  job.status?.conditions.push(newCondition('Failed', 'True', 'DeadlineExceeded', '', finishedAt));
  assert.equal(timeLeft(job, 1_010_000), 20_000);
  assert.equal(timeLeft(job, 1_031_000), -1000);
  const noTtl = newJob('u');
  noTtl.status = job.status;
  assert.equal(timeLeft(noTtl, 1_031_000), undefined, 'no TTL, kept forever');
});

describe('TTL-after-finished controller', { timeout: 120_000 }, () => {
  const suite = useCluster({
    controllerManager: ['--controllers', 'job,ttl-after-finished,garbage-collector'],
  });
  const jobClient = () => suite.admin.kind<Job>('Job');

  test('deletes a finished Job and its pods once its TTL has passed, and keeps one without a TTL', async () => {
    await jobClient().create(newJob('short', { ttlSecondsAfterFinished: 2 }));
    await jobClient().create(newJob('kept'));
    for (const name of ['short', 'kept']) {
      const pods = await waitFor(
        `a pod of ${name}`,
        async () => {
          const p = (await podsOf(suite.admin, name)).filter(isRunning);
          return p.length === 1 ? p : undefined;
        },
        { describe: () => suite.cm.output().slice(-3000) },
      );
      await setPodPhase(suite.admin, pods[0] as never, 'Succeeded');
    }
    const finished = await waitFor('short Complete', async () => {
      const j = await jobClient().get('default', 'short');
      return j.status?.conditions.find((c) => c.type === 'Complete' && c.status === 'True');
    });
    const gone = await waitFor(
      'short deleted',
      async () => {
        const list = (await jobClient().list('default')).items;
        return list.some((j) => j.metadata?.name === 'short') ? undefined : Date.now();
      },
      { describe: () => suite.cm.output().slice(-3000) },
    );
    const finishedAt = finished.lastTransitionTime?.getTime() ?? 0;
    assert.ok(
      gone - finishedAt >= 2000,
      `deleted ${gone - finishedAt} ms after finishing, not before its TTL`,
    );
    await waitFor('its pods gone too', async () =>
      (await podsOf(suite.admin, 'short')).length === 0 ? true : undefined,
    );
    const kept = await jobClient().get('default', 'kept');
    assert.equal(kept.status?.conditions.find((c) => c.type === 'Complete')?.status, 'True');
    assert.equal((await podsOf(suite.admin, 'kept')).length, 1, 'a Job without a TTL keeps its pods');
    await waitFor('the Completed event of kept', async () =>
      (await eventsAbout(suite.admin, 'Job', 'kept')).find((e) => e.reason === 'Completed'),
    );
  });
});
