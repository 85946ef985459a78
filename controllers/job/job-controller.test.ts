import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import { type Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { eventsAbout, useCluster, waitFor } from '../shared/testing.js';
import { jobTrackingFinalizer } from './job-pods.js';
import { isRunning, newJob, podsOf, setPodPhase } from './testing.js';

describe('Job controller', { timeout: 180_000 }, () => {
  const suite = useCluster({
    controllerManager: [
      '--controllers',
      'job,garbage-collector',
      '--job-pod-failure-backoff',
      '100ms',
      '--job-pod-failure-max-backoff',
      '1s',
    ],
  });
  const jobClient = () => suite.admin.kind<Job>('Job');
  const get = (name: string) => jobClient().get('default', name);
  const condition = (job: Job, type: string) => job.status?.conditions.find((c) => c.type === type);
  const describeJob = (name: string) => async () => {
    const job = await get(name).catch(() => undefined);
    const pods = await podsOf(suite.admin, name);
    return `job: ${JSON.stringify(job?.status)}\npods: ${pods
      .map(
        (p) =>
          `${p.metadata?.name} ${p.status?.phase} del=${p.metadata?.deletionTimestamp !== undefined} fin=${p.metadata?.finalizers}`,
      )
      .join('\n')}\n${suite.cm.output().slice(-3000)}`;
  };
  const waitForCondition = (name: string, type: string, timeoutMs = 30_000) =>
    waitFor(
      `${name} ${type}`,
      async () => {
        const job = await get(name);
        return condition(job, type)?.status === 'True' ? job : undefined;
      },
      { timeoutMs, describe: describeJob(name) },
    );
  const waitForPods = (name: string, count: number, filter: (p: Pod) => boolean = isRunning) =>
    waitFor(
      `${count} pods of ${name}`,
      async () => {
        const pods = (await podsOf(suite.admin, name)).filter(filter);
        return pods.length === count ? pods : undefined;
      },
      { describe: describeJob(name) },
    );

  test('completions 5, parallelism 2: never more than 2 at once, Complete with exact counts', async () => {
    const created = await jobClient().create(newJob('five', { completions: 5, parallelism: 2 }));
    // Both running before any is finished: on a loaded machine the second may start late,
    // and finishing the first at once would never show two side by side.
    let maxActive = (await waitForPods('five', 2)).length;
    let done: Job | undefined;
    const deadline = Date.now() + 40_000;
    while (!done && Date.now() < deadline) {
      const running = (await podsOf(suite.admin, 'five')).filter(isRunning);
      maxActive = Math.max(maxActive, running.length);
      const [first] = running;
      if (first) await setPodPhase(suite.admin, first, 'Succeeded');
      const job = await get('five');
      if (condition(job, 'Complete')?.status === 'True') done = job;
      else await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(done, await describeJob('five')());
    assert.equal(maxActive, 2, 'two pods ran at once, never more');
    const s = done.status;
    assert.deepEqual(
      [s?.succeeded, s?.failed, s?.active, s?.ready, s?.terminating],
      [5, 0, 0, 0, 0],
      JSON.stringify(s),
    );
    assert.deepEqual(s?.uncountedTerminatedPods?.succeeded ?? [], []);
    assert.ok(s?.startTime && s.completionTime && s.completionTime >= s.startTime);
    const met = condition(done, 'SuccessCriteriaMet');
    const complete = condition(done, 'Complete');
    assert.equal(met?.reason, 'CompletionsReached');
    assert.equal(complete?.reason, 'CompletionsReached');
    assert.equal(complete?.message, 'Reached expected number of succeeded pods');
    const pods = await podsOf(suite.admin, 'five');
    assert.equal(pods.length, 5, 'exactly five pods were made');
    for (const p of pods) {
      assert.deepEqual(p.metadata?.finalizers, [], 'the tracking finalizer is removed once counted');
      const ref = p.metadata?.ownerReferences[0];
      assert.deepEqual([ref?.kind, ref?.uid, ref?.controller], ['Job', created.metadata?.uid, true]);
      assert.equal(p.metadata?.labels['batch.kubernetes.io/controller-uid'], created.metadata?.uid);
      assert.equal(p.metadata?.labels['controller-uid'], created.metadata?.uid);
      assert.equal(p.metadata?.labels['job-name'], 'five');
      assert.match(p.metadata?.name ?? '', /^five-[a-z0-9]{5}$/);
    }
    await waitFor(
      'events',
      async () => {
        const events = await eventsAbout(suite.admin, 'Job', 'five');
        const creates = events.filter((e) => e.reason === 'SuccessfulCreate');
        const completed = events.find((e) => e.reason === 'Completed');
        return creates.length === 5 && completed?.message === 'Job completed' ? true : undefined;
      },
      {
        describe: async () =>
          JSON.stringify(
            (await eventsAbout(suite.admin, 'Job', 'five')).map((e) => `${e.reason}: ${e.message}`),
          ),
      },
    );
  });

  test('a failing Job hits backoffLimit 2: Failed with BackoffLimitExceeded after 3 failures', async () => {
    await jobClient().create(newJob('fails', { backoffLimit: 2 }));
    const deadline = Date.now() + 30_000;
    let failed: Job | undefined;
    while (!failed && Date.now() < deadline) {
      for (const p of (await podsOf(suite.admin, 'fails')).filter(isRunning))
        await setPodPhase(suite.admin, p, 'Failed');
      const job = await get('fails');
      if (condition(job, 'Failed')?.status === 'True') failed = job;
      else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(failed, await describeJob('fails')());
    assert.deepEqual([failed.status?.failed, failed.status?.succeeded, failed.status?.active], [3, 0, 0]);
    const target = condition(failed, 'FailureTarget');
    const cond = condition(failed, 'Failed');
    assert.equal(target?.reason, 'BackoffLimitExceeded');
    assert.equal(cond?.reason, 'BackoffLimitExceeded');
    assert.equal(cond?.message, 'Job has reached the specified backoff limit');
    assert.equal(failed.status?.completionTime, undefined, 'completionTime is set only on success');
    assert.equal((await podsOf(suite.admin, 'fails')).length, 3, 'one pod per attempt');
    await waitFor('BackoffLimitExceeded event', async () =>
      (await eventsAbout(suite.admin, 'Job', 'fails')).find(
        (e) => e.reason === 'BackoffLimitExceeded' && e.type === 'Warning',
      ),
    );
  });

  test('activeDeadlineSeconds: running pods are deleted and the Job fails with DeadlineExceeded', async () => {
    const started = Date.now();
    await jobClient().create(newJob('slow', { parallelism: 2, completions: 4, activeDeadlineSeconds: '2' }));
    for (const p of await waitForPods('slow', 2)) await setPodPhase(suite.admin, p, 'Running');
    const failed = await waitForCondition('slow', 'Failed');
    assert.ok(Date.now() - started >= 2000, 'not before the deadline');
    const cond = condition(failed, 'Failed');
    assert.equal(cond?.reason, 'DeadlineExceeded');
    assert.equal(cond?.message, 'Job was active longer than specified deadline');
    assert.deepEqual(
      [failed.status?.active, failed.status?.failed, failed.status?.terminating, failed.status?.ready],
      [0, 2, 0, 0],
    );
    await waitFor(
      'the pods gone',
      async () => ((await podsOf(suite.admin, 'slow')).length === 0 ? true : undefined),
      {
        describe: describeJob('slow'),
      },
    );
    // Events are written in the background: wait for them.
    await waitFor('DeadlineExceeded and two SuccessfulDelete events', async () => {
      const events = await eventsAbout(suite.admin, 'Job', 'slow');
      const deadline = events.find((e) => e.reason === 'DeadlineExceeded' && e.type === 'Warning');
      const deletes = events.filter((e) => e.reason === 'SuccessfulDelete');
      return deadline?.message === 'Job was active longer than specified deadline' && deletes.length === 2
        ? true
        : undefined;
    });
  });

  test('Indexed: one pod per index with its annotation, label, hostname and env; completedIndexes', async () => {
    await jobClient().create(newJob('idx', { completionMode: 'Indexed', completions: 3, parallelism: 3 }));
    const pods = await waitForPods('idx', 3);
    const byIndex = new Map<string, Pod>();
    for (const p of pods) {
      const ix = p.metadata?.annotations['batch.kubernetes.io/job-completion-index'] ?? '';
      byIndex.set(ix, p);
      assert.equal(p.metadata?.labels['batch.kubernetes.io/job-completion-index'], ix);
      assert.equal(p.spec?.hostname, `idx-${ix}`);
      assert.match(p.metadata?.name ?? '', new RegExp(`^idx-${ix}-[a-z0-9]{5}$`));
      const env = p.spec?.containers[0]?.env.find((e) => e.name === 'JOB_COMPLETION_INDEX');
      assert.equal(
        env?.valueFrom?.fieldRef?.fieldPath,
        "metadata.annotations['batch.kubernetes.io/job-completion-index']",
      );
    }
    assert.deepEqual([...byIndex.keys()].sort(), ['0', '1', '2']);
    await setPodPhase(suite.admin, byIndex.get('0') as Pod, 'Succeeded');
    await setPodPhase(suite.admin, byIndex.get('2') as Pod, 'Succeeded');
    await setPodPhase(suite.admin, byIndex.get('1') as Pod, 'Failed');
    await waitFor(
      'indexes 0 and 2 done',
      async () => ((await get('idx')).status?.completedIndexes === '0,2' ? true : undefined),
      { describe: describeJob('idx') },
    );
    const [again] = await waitForPods('idx', 1);
    assert.equal(
      again?.metadata?.annotations['batch.kubernetes.io/job-completion-index'],
      '1',
      'index 1 is retried',
    );
    await setPodPhase(suite.admin, again as Pod, 'Succeeded');
    const done = await waitForCondition('idx', 'Complete');
    assert.equal(done.status?.completedIndexes, '0-2');
    assert.deepEqual([done.status?.succeeded, done.status?.failed], [3, 1]);
  });

  test('suspend and resume: pods deleted without counting as failures, startTime reset', async () => {
    await jobClient().create(newJob('pause', { completions: 4, parallelism: 2, suspend: true }));
    let job = await waitForCondition('pause', 'Suspended');
    assert.equal(job.status?.startTime, undefined, 'a Job created suspended has not started');
    assert.equal((await podsOf(suite.admin, 'pause')).length, 0);
    const resume = async (suspend: boolean) => {
      const cur = await get('pause');
      await jobClient().update(Job.fromPartial({ ...cur, spec: { ...cur.spec, suspend } }));
    };
    await resume(false);
    const running = await waitForPods('pause', 2);
    for (const p of running) await setPodPhase(suite.admin, p, 'Running');
    job = await waitFor('resumed', async () => {
      const j = await get('pause');
      const c = condition(j, 'Suspended');
      return c?.status === 'False' && c.reason === 'JobResumed' && j.status?.ready === 2 ? j : undefined;
    });
    const firstStart = job.status?.startTime;
    assert.ok(firstStart);
    await resume(true);
    job = await waitForCondition('pause', 'Suspended');
    await waitForPods('pause', 0, () => true);
    job = await waitFor('status after suspension', async () => {
      const j = await get('pause');
      return j.status?.active === 0 && j.status.terminating === 0 ? j : undefined;
    });
    assert.deepEqual([job.status?.failed, job.status?.succeeded, job.status?.ready], [0, 0, 0]);
    await new Promise((r) => setTimeout(r, 10));
    await resume(false);
    job = await waitFor('resumed again', async () => {
      const j = await get('pause');
      return condition(j, 'Suspended')?.status === 'False' ? j : undefined;
    });
    assert.ok((job.status?.startTime?.getTime() ?? 0) > firstStart.getTime(), 'startTime reset on resume');
    await waitForPods('pause', 2);
    await waitFor('Suspended, Resumed and SuccessfulDelete events', async () => {
      const reasons = (await eventsAbout(suite.admin, 'Job', 'pause')).map((e) => e.reason);
      return ['Suspended', 'Resumed', 'SuccessfulDelete'].every((r) => reasons.includes(r))
        ? true
        : undefined;
    });
  });

  test('a pod deleted by a user counts as failed and is replaced; one that succeeded is never lost', async () => {
    await jobClient().create(newJob('users', { completions: 2, parallelism: 1 }));
    const [first] = await waitForPods('users', 1);
    assert.ok(first);
    assert.deepEqual(first.metadata?.finalizers, [jobTrackingFinalizer]);
    await suite.admin.kind<Pod>('Pod').delete('default', first.metadata?.name ?? '');
    const [second] = await waitForPods(
      'users',
      1,
      (p) => isRunning(p) && p.metadata?.uid !== first.metadata?.uid,
    );
    await waitFor('the deleted pod counted and gone', async () => {
      const j = await get('users');
      const pods = await podsOf(suite.admin, 'users');
      return j.status?.failed === 1 && !pods.some((p) => p.metadata?.uid === first.metadata?.uid)
        ? true
        : undefined;
    });
    // Succeeded and deleted at once: the finalizer holds it until it is counted.
    assert.ok(second);
    await setPodPhase(suite.admin, second, 'Succeeded');
    await suite.admin.kind<Pod>('Pod').delete('default', second.metadata?.name ?? '');
    const [third] = await waitForPods(
      'users',
      1,
      (p) =>
        isRunning(p) && p.metadata?.uid !== first.metadata?.uid && p.metadata?.uid !== second.metadata?.uid,
    );
    assert.ok(third);
    await setPodPhase(suite.admin, third, 'Succeeded');
    const done = await waitForCondition('users', 'Complete');
    assert.deepEqual([done.status?.succeeded, done.status?.failed], [2, 1]);
  });
  test('podFailurePolicy: an Ignore rule does not count, a FailJob rule fails the Job at once', async () => {
    await jobClient().create(
      newJob('policy', {
        backoffLimit: 6,
        podFailurePolicy: {
          rules: [
            { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] },
            { action: 'FailJob', onExitCodes: { operator: 'In', values: [42] }, onPodConditions: [] },
          ],
        },
      }),
    );
    const fail = async (pod: Pod, exitCode: number, disrupted: boolean) => {
      const now = new Date();
      const conditions = [{ type: 'Ready', status: 'False', lastTransitionTime: now, reason: 'PodFailed' }];
      if (disrupted)
        conditions.push({
          type: 'DisruptionTarget',
          status: 'True',
          lastTransitionTime: now,
          reason: 'EvictionByEvictionAPI',
        });
      await suite.admin.kind<Pod>('Pod').updateStatus({
        ...pod,
        status: PodStatus.fromPartial({
          phase: 'Failed',
          conditions,
          containerStatuses: [
            {
              name: 'work',
              image: 'busybox:1.36',
              state: { terminated: { exitCode, finishedAt: now, reason: 'Error' } },
            },
          ],
        }),
      });
    };
    const [first] = await waitForPods('policy', 1);
    await fail(first as Pod, 1, true);
    const [second] = await waitForPods(
      'policy',
      1,
      (p) => isRunning(p) && p.metadata?.uid !== first?.metadata?.uid,
    );
    const afterIgnored = await get('policy');
    assert.equal(afterIgnored.status?.failed ?? 0, 0, 'an ignored failure is not counted');
    await fail(second as Pod, 42, false);
    const failed = await waitForCondition('policy', 'Failed');
    const cond = condition(failed, 'Failed');
    assert.equal(cond?.reason, 'PodFailurePolicy');
    assert.match(
      cond?.message ?? '',
      /^Container work for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 1$/,
    );
    assert.equal(failed.status?.failed, 1);
  });
});
