/**
 * The CronJob controller (Kubernetes' CronJob controller v2): starts a Job for each
 * scheduled time of every CronJob, within its concurrency policy and starting deadline,
 * keeps `status.active`, `lastScheduleTime` and `lastSuccessfulTime`, and deletes
 * finished Jobs beyond the history limits.
 *
 * One queue keyed by CronJob. A reconcile brings the status up to date with the Jobs the
 * CronJob controls (job-tracking.ts), prunes the history, decides about the schedule
 * (schedule-decision.ts), acts, writes the status only when it changed, and asks to be
 * run again at the next scheduled time: CronJobs are never polled. Changes to a CronJob
 * or to one of its Jobs queue it at once.
 */
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { CronJob, type CronJobStatus } from '../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { ObjectReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { NAMESPACE_INDEX } from '../../sdk/informers/index.js';
import { controllerOf, isControlledBy } from '../../sdk/owner-references.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import type { Clock } from './clock.js';
import { creationSkewMetric } from './creation-skew-metric.js';
import type { CronJobEvent } from './cron-job-events.js';
import { jobFromTemplate } from './job-from-template.js';
import { jobsBeyondHistory, observeJobs, statusChanged } from './job-tracking.js';
import { decideSchedule } from './schedule-decision.js';

export interface CronJobControllerOptions extends ControllerOptions {
  readonly clock: Clock;
}

const apiVersion = 'batch/v1';
const kind = 'CronJob';

const isNotFound = (err: unknown) => err instanceof ApiError && err.code === Code.NOT_FOUND;

/** An ObjectReference to a Job, as `status.active` holds them. */
function referenceTo(job: Job): ObjectReference {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: job.metadata?.namespace ?? '',
    name: job.metadata?.name ?? '',
    uid: job.metadata?.uid ?? '',
    resourceVersion: job.metadata?.resourceVersion ?? '',
    fieldPath: '',
  };
}

export async function runCronJobController(
  opts: CronJobControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger, clock } = opts;
  const cronJobs = informers.informerFor<CronJob>('CronJob');
  const jobs = informers.informerFor<Job>('Job');
  const cronJobClient = clients.kind<CronJob>('CronJob');
  const jobClient = clients.kind<Job>('Job');
  const skew = opts.registry ? creationSkewMetric(opts.registry) : undefined;

  const controller = createController({
    name: 'cronjob',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });
  controller.watch(cronJobs);
  // A Job's changes concern the CronJob that controls it.
  controller.watch(jobs, (job) => {
    const ref = controllerOf(job);
    return ref?.kind === kind ? [{ namespace: job.metadata?.namespace ?? '', name: ref.name }] : [];
  });

  async function sync(namespace: string, name: string) {
    const cached = cronJobs.indexer.get(`${namespace}/${name}`);
    if (!cached) return undefined;
    let cj: CronJob = { ...cached, apiVersion, kind };
    const record = (target: CronJob, e: CronJobEvent) => events.event(target, e.type, e.reason, e.message);
    const owned = jobs.indexer.byIndex(NAMESPACE_INDEX, namespace).filter((job) => isControlledBy(job, cj));

    let observed = observeJobs(cj, owned);
    if (observed.unexpected.length > 0) {
      // Our own status write may not have reached the cache yet: read it fresh before
      // calling a Job unexpected.
      const live = await cronJobClient.get(namespace, name);
      if (live.metadata?.uid === cj.metadata?.uid) {
        cj = { ...live, apiVersion, kind };
        observed = observeJobs(cj, owned);
      }
    }
    for (const e of observed.events) record(cj, e);
    for (const job of observed.unexpected) {
      record(cj, {
        type: 'Warning',
        reason: 'UnexpectedJob',
        message: `Saw a job that the controller did not create or forgot: ${job.metadata?.name ?? ''}`,
      });
    }
    let status = observed.status;
    for (const ref of observed.unconfirmed) {
      try {
        await jobClient.get(ref.namespace || namespace, ref.name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
        record(cj, { type: 'Normal', reason: 'MissingJob', message: `Active job went missing: ${ref.name}` });
        status = { ...status, active: status.active.filter((r) => r.uid !== ref.uid) };
      }
    }

    for (const job of jobsBeyondHistory(cj, owned)) {
      if (await deleteJob(cj, job.metadata?.name ?? '')) {
        status = { ...status, active: status.active.filter((r) => r.uid !== job.metadata?.uid) };
      }
    }

    const now = clock.now();
    const decision = decideSchedule({ ...cj, status }, now);
    for (const e of decision.events) record(cj, e);
    let requeueAfter = decision.requeueAfter;
    let failure: unknown;
    if (decision.start) {
      try {
        status = await start(cj, status, decision.start.scheduledTime, decision.start.replace);
      } catch (err) {
        failure = err;
        requeueAfter = undefined;
      }
    }
    if (statusChanged(cj.status, status)) await writeStatus(cj, status);
    if (failure !== undefined) throw failure;
    return requeueAfter === undefined ? undefined : { requeueAfter: clock.realDelay(requeueAfter) };
  }

  /** Deletes a Job and its Pods in the background; false (with a FailedDelete Event) when refused. */
  async function deleteJob(cj: CronJob, jobName: string): Promise<boolean> {
    try {
      await jobClient.delete(cj.metadata?.namespace ?? '', jobName, { propagationPolicy: 'Background' });
    } catch (err) {
      if (isNotFound(err)) return true;
      events.event(cj, 'Warning', 'FailedDelete', `Deleted job: ${(err as Error).message}`);
      logger.warn({ cronJob: cj.metadata?.name, job: jobName, err }, 'could not delete a job');
      return false;
    }
    events.event(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${jobName}`);
    return true;
  }

  /** Replaces the active Jobs if asked, creates the Job for `scheduledTime`, returns the status that follows. */
  async function start(
    cj: CronJob,
    before: CronJobStatus,
    scheduledTime: number,
    replace: readonly ObjectReference[],
  ): Promise<CronJobStatus> {
    let status = before;
    const namespace = cj.metadata?.namespace ?? '';
    for (const ref of replace) {
      try {
        await jobClient.get(ref.namespace || namespace, ref.name);
      } catch (err) {
        events.event(cj, 'Warning', 'FailedGet', `Get job: ${(err as Error).message}`);
        throw err;
      }
      if (!(await deleteJob(cj, ref.name))) throw new Error(`could not replace job ${namespace}/${ref.name}`);
      status = { ...status, active: status.active.filter((r) => r.uid !== ref.uid) };
    }
    const request = jobFromTemplate(cj, scheduledTime);
    let job: Job;
    try {
      job = await jobClient.create(request);
      events.event(cj, 'Normal', 'SuccessfulCreate', `Created job ${job.metadata?.name ?? ''}`);
      skew?.observe(Math.max(0, clock.now() - scheduledTime) / 1000);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      // A namespace being deleted refuses every create: nothing to report, the CronJob goes too.
      if (err.code === Code.FAILED_PRECONDITION && /terminat/i.test(err.message)) throw err;
      if (err.code !== Code.ALREADY_EXISTS) {
        events.event(cj, 'Warning', 'FailedCreate', `Error creating job: ${err.message}`);
        throw err;
      }
      // Created before, and the status that says so was lost (or is not in the cache yet).
      job = await jobClient.get(namespace, request.metadata?.name ?? '');
      if (!isControlledBy(job, cj)) return status;
      if (status.active.some((r) => r.uid === job.metadata?.uid)) return status;
      logger.info({ cronJob: cj.metadata?.name, job: job.metadata?.name }, 'job already exists');
    }
    return {
      ...status,
      active: [...status.active, referenceTo(job)],
      lastScheduleTime: new Date(scheduledTime),
    };
  }

  async function writeStatus(cj: CronJob, status: CronJobStatus): Promise<void> {
    try {
      await cronJobClient.updateStatus(CronJob.fromPartial({ ...cj, status }));
    } catch (err) {
      // Gone: nothing to record. A conflict is retried with the newer CronJob.
      if (isNotFound(err)) return;
      throw err;
    }
  }

  await controller.run(signal);
}
