/**
 * The CronJob controller against a real store and apiserver: first its loop in this
 * process on a clock the test sets (exact scheduled times, a create retried after its
 * status was lost, missed times beyond the limit and past the starting deadline), then
 * the controller manager process on a clock that runs a minute a second, with the test
 * playing the Job controller.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { CronJob, type CronJobSpec } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import {
  type ControllerManagerProcess,
  eventsAbout,
  type InProcessControllers,
  runControllerInProcess,
  startControllerManager,
  useCluster,
  waitFor,
} from '../shared/testing.js';
import type { Clock } from './clock.js';
import { runCronJobController } from './cron-job-controller.js';
import { CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION } from './job-from-template.js';

/** The controller's clock runs a minute a second: `* * * * *` starts a Job every second. */
const TIME_SCALE = 60;
const minute = 60_000;

function cronJob(name: string, spec: Partial<CronJobSpec> = {}): CronJob {
  return CronJob.fromPartial({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name, namespace: 'default' },
    spec: {
      schedule: '* * * * *',
      concurrencyPolicy: 'Allow',
      jobTemplate: {
        metadata: { labels: { app: name }, annotations: { owner: 'team-a' } },
        spec: {
          template: {
            spec: { containers: [{ name: 'task', image: 'busybox:1.36' }], restartPolicy: 'Never' },
          },
        },
      },
      ...spec,
    },
  });
}

describe('CronJob controller', { timeout: 180_000 }, () => {
  const suite = useCluster();
  const cronJobs = () => suite.admin.kind<CronJob>('CronJob');
  const jobClient = () => suite.admin.kind<Job>('Job');
  /** The Jobs `cj` controls, by name. */
  const jobsOf = async (cj: CronJob) =>
    (await jobClient().list('default')).items
      .filter((j) => j.metadata?.ownerReferences.some((r) => r.uid === cj.metadata?.uid && r.controller))
      .sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  const eventsOf = (name: string) => eventsAbout(suite.admin, 'CronJob', name);

  /** Changes a CronJob as a user would, again on a conflict with the controller's status writes. */
  const change = async (name: string, mutate: (cj: CronJob) => CronJob, subresource?: 'status') => {
    for (let attempt = 0; ; attempt++) {
      const cj = mutate(await cronJobs().get('default', name));
      try {
        return await (subresource ? cronJobs().updateStatus(cj) : cronJobs().update(cj));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 10) throw err;
      }
    }
  };
  const setSuspend = (name: string, suspend: boolean) =>
    change(name, (cj) => ({ ...cj, spec: { ...cj.spec, suspend } as CronJob['spec'] }));

  describe('on a clock the test sets, in this process', () => {
    let controller: InProcessControllers;
    let now = Date.now();
    const clock: Clock = { now: () => now, realDelay: (ms) => ms };

    /** Sets the clock and makes the controller look at `name` again (an annotation changes). */
    const advanceTo = async (t: number, name: string) => {
      now = t;
      await change(name, (cj) => ({
        ...cj,
        metadata: {
          ...cj.metadata,
          annotations: { ...cj.metadata?.annotations, tick: String(t) },
        } as CronJob['metadata'],
      }));
    };
    const state = (name: string) => async () =>
      JSON.stringify({
        status: (await cronJobs().get('default', name)).status,
        events: (await eventsOf(name)).map((e) => `${e.reason} x${e.count}: ${e.message}`),
      });

    before(() => {
      controller = runControllerInProcess(suite.cluster, (ctx) =>
        runCronJobController({ ...ctx, workers: 2, clock }, ctx.signal),
      );
    });
    after(async () => {
      await controller?.stop();
      // The controller manager's tests come next: it must find nothing of these.
      for (const name of ['exact', 'late'])
        await cronJobs()
          .delete('default', name)
          .catch(() => undefined);
    });

    test('starts the latest missed minute, and a create retried after a lost status is not duplicated', async () => {
      // Until the test moves it, the clock stays before the CronJob's creation: nothing is due.
      now = Date.now();
      const cj = await cronJobs().create(
        CronJob.fromPartial({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'exact', namespace: 'default' },
          spec: {
            schedule: '* * * * *',
            jobTemplate: {
              spec: {
                template: { spec: { containers: [{ name: 't', image: 'busybox' }], restartPolicy: 'Never' } },
              },
            },
          },
        }),
      );
      const created = cj.metadata?.creationTimestamp?.getTime() ?? 0;
      // Five minutes later and 30 s: the fifth minute after the creation is due, the others skipped.
      const due = Math.floor(created / minute) * minute + 5 * minute;
      await advanceTo(due + 30_000, 'exact');
      const [job] = await waitFor(
        'the Job of the latest minute',
        async () => {
          const jobs = await jobsOf(cj);
          return jobs.length > 0 ? jobs : undefined;
        },
        { describe: state('exact') },
      );
      assert.equal(job?.metadata?.name, `exact-${due / minute}`);
      assert.equal(
        job?.metadata?.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp'],
        new Date(due).toISOString().replace('.000Z', 'Z'),
      );
      await waitFor('lastScheduleTime', async () =>
        (await cronJobs().get('default', 'exact')).status?.lastScheduleTime?.getTime() === due
          ? true
          : undefined,
      );

      // The status is lost (as if the write after the create had failed): the same minute is
      // due again, its create meets AlreadyExists, and the Job is taken back into active.
      await change(
        'exact',
        (cj) => ({ ...cj, status: { active: [], lastScheduleTime: new Date(due - minute) } }),
        'status',
      );
      await waitFor(
        'the existing Job back in active',
        async () => {
          const s = (await cronJobs().get('default', 'exact')).status;
          return s?.active.length === 1 &&
            s.active[0]?.uid === job?.metadata?.uid &&
            s.lastScheduleTime?.getTime() === due
            ? true
            : undefined;
        },
        { describe: state('exact') },
      );
      assert.equal((await jobsOf(cj)).length, 1, 'no second Job');
      // Created 30 s after its scheduled time, by the clock the test set.
      const skew = await controller.registry.getSingleMetricAsString(
        'cronjob_controller_job_creation_skew_duration_seconds',
      );
      assert.match(skew, /_count 1$/m);
      assert.match(skew, /_bucket\{le="16"\} 0$/m);
      assert.match(skew, /_bucket\{le="32"\} 1$/m);
      const creates = (await eventsOf('exact')).filter((e) => e.reason === 'SuccessfulCreate');
      assert.deepEqual(
        creates.map((e) => [e.message, e.count]),
        [[`Created job exact-${due / minute}`, 1]],
      );
    });

    test('reports more than 100 missed times, and a time past its starting deadline', async () => {
      now = Date.now();
      const cj = await cronJobs().create(
        CronJob.fromPartial({
          apiVersion: 'batch/v1',
          kind: 'CronJob',
          metadata: { name: 'late', namespace: 'default' },
          spec: {
            schedule: '*/10 * * * *',
            concurrencyPolicy: 'Allow',
            jobTemplate: {
              spec: {
                template: { spec: { containers: [{ name: 't', image: 'busybox' }], restartPolicy: 'Never' } },
              },
            },
          },
        }),
      );
      const created = cj.metadata?.creationTimestamp?.getTime() ?? 0;
      const tenMinutes = 10 * minute;
      // A day and more later: 150 times were missed; only the latest starts.
      const latest = Math.floor(created / tenMinutes) * tenMinutes + 150 * tenMinutes;
      await advanceTo(latest + 1000, 'late');
      await waitFor(
        'TooManyMissedTimes and the latest Job',
        async () => {
          const tooMany = (await eventsOf('late')).some(
            (e) =>
              e.reason === 'TooManyMissedTimes' &&
              e.type === 'Warning' &&
              e.message ===
                'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew',
          );
          const names = (await jobsOf(cj)).map((j) => j.metadata?.name);
          return tooMany && names.length === 1 && names[0] === `late-${latest / minute}` ? true : undefined;
        },
        { describe: state('late') },
      );

      // With a 60 s deadline, a time seen 5 minutes late is skipped and reported.
      await change('late', (cj) => ({
        ...cj,
        spec: { ...cj.spec, startingDeadlineSeconds: '60' } as CronJob['spec'],
      }));
      const missed = latest + tenMinutes;
      await advanceTo(missed + 5 * minute, 'late');
      await waitFor(
        'MissSchedule',
        async () =>
          (await eventsOf('late')).some(
            (e) =>
              e.reason === 'MissSchedule' &&
              e.message ===
                `Missed scheduled time to start a job: ${new Date(missed).toUTCString().replace('GMT', '+0000')}`,
          )
            ? true
            : undefined,
        { describe: state('late') },
      );
      assert.equal((await jobsOf(cj)).length, 1, 'nothing started late');
      // Within the deadline, the next one starts.
      await advanceTo(missed + tenMinutes + 30_000, 'late');
      await waitFor(
        'the Job within the deadline',
        async () =>
          (await jobsOf(cj)).some((j) => j.metadata?.name === `late-${(missed + tenMinutes) / minute}`)
            ? true
            : undefined,
        { describe: state('late') },
      );
    });
  });

  describe('in the controller manager, on a clock a minute a second', () => {
    let cm: ControllerManagerProcess;
    const describeState = (cj: CronJob) => async () =>
      JSON.stringify({
        status: (await cronJobs().get('default', cj.metadata?.name ?? '')).status,
        jobs: (await jobsOf(cj)).map((j) => j.metadata?.name),
        events: (await eventsOf(cj.metadata?.name ?? '')).map((e) => `${e.reason}: ${e.message}`),
        log: cm.output().slice(-2000),
      });
    /** Plays the Job controller: the Job ran and finished. */
    const finish = async (job: Job, type: 'Complete' | 'Failed', startTime = new Date()) => {
      const fresh = await jobClient().get('default', job.metadata?.name ?? '');
      const done = new Date();
      return jobClient().updateStatus(
        Job.fromPartial({
          ...fresh,
          status: {
            startTime,
            ...(type === 'Complete' ? { completionTime: done, succeeded: 1 } : { failed: 1 }),
            conditions: [
              {
                type,
                status: 'True',
                reason: type === 'Failed' ? 'BackoffLimitExceeded' : '',
                message: '',
                lastTransitionTime: done,
              },
            ],
          },
        }),
      );
    };
    /** Waits for `cj` to control at least `n` Jobs, returns them. */
    const atLeastJobs = (cj: CronJob, n: number, opts: { timeoutMs?: number } = {}) =>
      waitFor(
        `${n} jobs of ${cj.metadata?.name}`,
        async () => {
          const jobs = await jobsOf(cj);
          return jobs.length >= n ? jobs : undefined;
        },
        { describe: describeState(cj), ...opts },
      );

    before(async () => {
      cm = await startControllerManager(suite.cluster, [
        '--controllers',
        'cronjob,garbage-collector',
        '--cronjob-test-time-scale',
        String(TIME_SCALE),
      ]);
    });
    after(async () => {
      await cm?.stop();
    });

    test('starts a Job on schedule, named by its minute, and follows it to success', async () => {
      const cj = await cronJobs().create(cronJob('report', { timeZone: 'Asia/Kolkata' }));
      const [job] = await atLeastJobs(cj, 1);
      assert.ok(job);
      const name = job.metadata?.name ?? '';
      const minute = Number(/^report-(\d+)$/.exec(name)?.[1]);
      assert.ok(Number.isInteger(minute), `job name ${name} is <cronjob>-<minutes since epoch>`);
      const scheduled = job.metadata?.annotations[CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] ?? '';
      assert.match(scheduled, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00\+05:30$/, 'RFC 3339 in the CronJob time zone');
      assert.equal(Date.parse(scheduled), minute * 60_000, 'the annotation is the minute of the name');
      assert.equal(job.metadata?.annotations.owner, 'team-a');
      assert.equal(job.metadata?.labels.app, 'report');
      assert.deepEqual(
        job.metadata?.ownerReferences.map((r) => [r.kind, r.name, r.uid, r.controller, r.blockOwnerDeletion]),
        [['CronJob', 'report', cj.metadata?.uid, true, true]],
      );
      assert.equal(job.spec?.template?.spec?.containers[0]?.image, 'busybox:1.36');
      const status = await waitFor(
        'the job in status.active',
        async () => {
          const s = (await cronJobs().get('default', 'report')).status;
          return s?.active.some((r) => r.name === name) ? s : undefined;
        },
        { describe: describeState(cj) },
      );
      assert.ok(status.lastScheduleTime && status.lastScheduleTime.getTime() >= minute * 60_000);
      const events = await waitFor('SuccessfulCreate', async () => {
        const e = await eventsOf('report');
        return e.some((x) => x.reason === 'SuccessfulCreate' && x.message === `Created job ${name}`)
          ? e
          : undefined;
      });
      assert.ok(
        events.every((e) => e.type === 'Normal' || e.reason === 'TooManyMissedTimes'),
        JSON.stringify(events),
      );

      const finished = await finish(job, 'Complete');
      const completion = finished.status?.completionTime?.getTime();
      await waitFor(
        'lastSuccessfulTime and the job out of active',
        async () => {
          const s = (await cronJobs().get('default', 'report')).status;
          return s?.lastSuccessfulTime?.getTime() === completion && !s?.active.some((r) => r.name === name)
            ? s
            : undefined;
        },
        { describe: describeState(cj) },
      );
      await waitFor('SawCompletedJob', async () =>
        (await eventsOf('report')).some(
          (e) =>
            e.reason === 'SawCompletedJob' && e.message === `Saw completed job: ${name}, condition: Complete`,
        )
          ? true
          : undefined,
      );
      await cronJobs().delete('default', 'report');
    });

    test('Forbid starts nothing while a Job runs, and starts again once it finished', async () => {
      const cj = await cronJobs().create(cronJob('forbid', { concurrencyPolicy: 'Forbid' }));
      const [first] = await atLeastJobs(cj, 1);
      assert.ok(first);
      // Several scheduled times pass while the first Job runs.
      await waitFor(
        'JobAlreadyActive reported on three scheduled times',
        async () => {
          const e = (await eventsOf('forbid')).find((x) => x.reason === 'JobAlreadyActive');
          return e && e.count >= 3 ? e : undefined;
        },
        { describe: describeState(cj) },
      );
      assert.deepEqual(
        (await jobsOf(cj)).map((j) => j.metadata?.name),
        [first.metadata?.name],
        'no second Job while the first runs',
      );
      await finish(first, 'Complete');
      const jobs = await atLeastJobs(cj, 2);
      const second = jobs.find((j) => j.metadata?.name !== first.metadata?.name);
      assert.ok(second);
      const status = await waitFor('only the second active', async () => {
        const s = (await cronJobs().get('default', 'forbid')).status;
        return s?.active.length === 1 && s.active[0]?.name === second.metadata?.name ? s : undefined;
      });
      assert.equal(status.active[0]?.uid, second.metadata?.uid);
      await setSuspend('forbid', true);
    });

    test('reports a Job it did not start and an active Job that went missing', async () => {
      const cj = await cronJobs().create(cronJob('audit', { concurrencyPolicy: 'Forbid' }));
      const [first] = await atLeastJobs(cj, 1);
      assert.ok(first);
      const firstName = first.metadata?.name ?? '';
      await waitFor('the first Job active', async () =>
        (await cronJobs().get('default', 'audit')).status?.active.some((r) => r.name === firstName)
          ? true
          : undefined,
      );
      // A Job that names the CronJob as its controller, created by someone else.
      await jobClient().create(
        Job.fromPartial({
          apiVersion: 'batch/v1',
          kind: 'Job',
          metadata: {
            name: 'audit-by-hand',
            namespace: 'default',
            ownerReferences: [
              {
                apiVersion: 'batch/v1',
                kind: 'CronJob',
                name: 'audit',
                uid: cj.metadata?.uid ?? '',
                controller: true,
              },
            ],
          },
          spec: cj.spec?.jobTemplate?.spec,
        }),
      );
      await waitFor(
        'UnexpectedJob',
        async () =>
          (await eventsOf('audit')).some(
            (e) =>
              e.type === 'Warning' &&
              e.reason === 'UnexpectedJob' &&
              e.message === 'Saw a job that the controller did not create or forgot: audit-by-hand',
          )
            ? true
            : undefined,
        { describe: describeState(cj) },
      );
      assert.ok(
        !(await cronJobs().get('default', 'audit')).status?.active.some((r) => r.name === 'audit-by-hand'),
        'never adopted into active',
      );
      // The running Job disappears: reported, and Forbid no longer holds the next one back.
      await jobClient().delete('default', firstName);
      await waitFor(
        'MissingJob and a new Job active',
        async () => {
          const missing = (await eventsOf('audit')).some(
            (e) => e.reason === 'MissingJob' && e.message === `Active job went missing: ${firstName}`,
          );
          const active = (await cronJobs().get('default', 'audit')).status?.active ?? [];
          return missing &&
            active.length === 1 &&
            active[0]?.name !== firstName &&
            active[0]?.name !== 'audit-by-hand'
            ? true
            : undefined;
        },
        { describe: describeState(cj) },
      );
      await cronJobs().delete('default', 'audit');
    });

    test('Replace deletes the running Job before starting the next', async () => {
      const cj = await cronJobs().create(cronJob('replace', { concurrencyPolicy: 'Replace' }));
      const [first] = await atLeastJobs(cj, 1);
      assert.ok(first);
      const firstName = first.metadata?.name ?? '';
      await waitFor(
        'the first Job replaced by a later one',
        async () => {
          const s = (await cronJobs().get('default', 'replace')).status;
          const active = s?.active ?? [];
          return active.length === 1 && active[0]?.name !== firstName ? active : undefined;
        },
        { describe: describeState(cj) },
      );
      await waitFor('the first Job gone', async () =>
        (await jobsOf(cj)).some((j) => j.metadata?.name === firstName) ? undefined : true,
      );
      const events = await eventsOf('replace');
      assert.ok(
        events.some((e) => e.reason === 'SuccessfulDelete' && e.message === `Deleted job ${firstName}`),
        JSON.stringify(events.map((e) => `${e.reason}: ${e.message}`)),
      );
      // At most one Job at any time: every earlier one was deleted before the next was created.
      const running = (await jobsOf(cj)).filter((j) => j.metadata?.deletionTimestamp === undefined);
      assert.ok(running.length <= 2, `at most the active Job and one being created: ${running.length}`);
      await cronJobs().delete('default', 'replace');
    });

    test('keeps the newest finished Jobs within the history limits', async () => {
      const cj = await cronJobs().create(
        cronJob('history', { successfulJobsHistoryLimit: 2, failedJobsHistoryLimit: 1 }),
      );
      // Finish each Job as it appears: the first two fail, the next four succeed.
      const outcomes = new Map<string, 'Complete' | 'Failed'>();
      const starts = new Map<string, number>();
      await waitFor(
        'six finished Jobs',
        async () => {
          for (const job of await jobsOf(cj)) {
            const name = job.metadata?.name ?? '';
            if (outcomes.has(name) || outcomes.size >= 6) continue;
            const type = outcomes.size < 2 ? 'Failed' : 'Complete';
            const minute = Number(name.split('-').pop());
            await finish(job, type, new Date(minute * 60_000));
            outcomes.set(name, type);
            starts.set(name, minute);
          }
          return outcomes.size >= 6 ? true : undefined;
        },
        { describe: describeState(cj) },
      );
      await setSuspend('history', true);
      const byStart = [...outcomes.keys()].sort((a, b) => (starts.get(a) ?? 0) - (starts.get(b) ?? 0));
      const failed = byStart.filter((n) => outcomes.get(n) === 'Failed');
      const succeeded = byStart.filter((n) => outcomes.get(n) === 'Complete');
      const keep = [...failed.slice(-1), ...succeeded.slice(-2)].sort();
      const left = await waitFor(
        'the finished Jobs pruned to the limits',
        async () => {
          const names = (await jobsOf(cj))
            .filter(
              (j) => outcomes.has(j.metadata?.name ?? '') && j.metadata?.deletionTimestamp === undefined,
            )
            .map((j) => j.metadata?.name ?? '')
            .sort();
          return JSON.stringify(names) === JSON.stringify(keep) ? names : undefined;
        },
        { describe: describeState(cj) },
      );
      assert.deepEqual(left, keep);
      const pruned = [...failed.slice(0, -1), ...succeeded.slice(0, -2)].map((n) => `Deleted job ${n}`);
      await waitFor(
        'SuccessfulDelete for every pruned Job',
        async () => {
          const deletes = (await eventsOf('history')).filter((e) => e.reason === 'SuccessfulDelete');
          return pruned.every((m) => deletes.some((e) => e.message === m)) ? true : undefined;
        },
        { describe: async () => `${pruned.join(', ')}\n${await describeState(cj)()}` },
      );
    });

    test('a suspended CronJob starts nothing until it is resumed', async () => {
      const paused = await cronJobs().create(cronJob('paused', { suspend: true }));
      // A running CronJob beside it shows the scheduled times passing.
      const ticking = await cronJobs().create(cronJob('ticking'));
      await atLeastJobs(ticking, 3);
      assert.deepEqual(await jobsOf(paused), [], 'no Job while suspended');
      assert.equal((await cronJobs().get('default', 'paused')).status?.lastScheduleTime, undefined);
      await cronJobs().delete('default', 'ticking');
      await setSuspend('paused', false);
      const [job] = await atLeastJobs(paused, 1, { timeoutMs: 10_000 });
      assert.match(job?.metadata?.name ?? '', /^paused-\d+$/);
    });
  });
});
