/**
 * The controller's loop on a clock the test sets, against a real store and apiserver, as
 * the controller manager's identity: exact scheduled times, a create retried after its
 * status was lost, missed times beyond the limit and past the starting deadline.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { apiEventSink, createEventRecorder } from '../../sdk/events/index.js';
import { CronJob } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { adminClients, waitFor } from '../shared/testing.js';
import type { Clock } from './clock.js';
import { runCronJobController } from './cron-job-controller.js';

const minute = 60_000;

describe('CronJob controller on a set clock', { timeout: 90_000 }, () => {
  let cluster: Cluster;
  let admin: Clientset;
  let controllerClients: Clientset;
  const stop = new AbortController();
  let running: Promise<void> | undefined;
  let now = Date.now();
  const clock: Clock = { now: () => now, realDelay: (ms) => ms };

  const cronJobs = () => admin.kind<CronJob>('CronJob');
  const jobsOf = async (cj: CronJob) =>
    (await admin.kind<Job>('Job').list('default')).items.filter((j) =>
      j.metadata?.ownerReferences.some((r) => r.uid === cj.metadata?.uid),
    );
  const eventsOf = async (name: string) =>
    (await admin.kind<Event>('Event').list('default')).items.filter((e) => e.involvedObject?.name === name);
  /** Sets the clock and makes the controller look at `name` again (an annotation changes). */
  const advanceTo = async (t: number, name: string) => {
    now = t;
    const cj = await cronJobs().get('default', name);
    await cronJobs().update({
      ...cj,
      metadata: { ...cj.metadata, annotations: { ...cj.metadata?.annotations, tick: String(t) } },
    } as CronJob);
  };
  const state = (name: string) => async () =>
    JSON.stringify({
      status: (await cronJobs().get('default', name)).status,
      events: (await eventsOf(name)).map((e) => `${e.reason} x${e.count}: ${e.message}`),
    });

  before(async () => {
    cluster = await startCluster();
    admin = adminClients(cluster);
    controllerClients = createClientset(
      {
        server: cluster.apiserver,
        certificateAuthority: cluster.pki.caFile,
        clientCertificate: cluster.pki.controllerManager.certFile,
        clientKey: cluster.pki.controllerManager.keyFile,
      },
      { component: 'cronjob-test' },
    );
    const informers = new InformerFactory(controllerClients.api);
    const logger = createLogger('cronjob-test', { level: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' });
    const events = createEventRecorder(apiEventSink(controllerClients.api), {
      component: 'cronjob-controller',
    });
    informers.start(stop.signal);
    running = runCronJobController(
      { informers, clients: controllerClients, events, logger, workers: 2, clock },
      stop.signal,
    );
  });
  after(async () => {
    stop.abort();
    await running;
    controllerClients?.close();
    admin?.close();
    await cluster?.stop();
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
    const current = await cronJobs().get('default', 'exact');
    await cronJobs().updateStatus({
      ...current,
      status: { active: [], lastScheduleTime: new Date(due - minute) },
    });
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
    const current = await cronJobs().get('default', 'late');
    await cronJobs().update({
      ...current,
      spec: { ...current.spec, startingDeadlineSeconds: '60' },
    } as CronJob);
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
