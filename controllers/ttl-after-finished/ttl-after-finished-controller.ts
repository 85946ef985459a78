/**
 * The TTL-after-finished controller (Kubernetes' ttlafterfinished): a Job with
 * `ttlSecondsAfterFinished` is deleted that many seconds after it finished — after the
 * last transition of its `Complete` or `Failed` condition — and its Pods go with it
 * (background propagation, through the garbage collector).
 *
 * Before deleting, the Job is read again from the apiserver: the TTL may have been changed
 * or removed since the cache saw it, and the delete is guarded by its uid and
 * resourceVersion so that a Job changed in between is looked at again instead.
 */
import type { Registry } from 'prom-client';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Job } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { InformerFactory } from '../../sdk/informers/index.js';
import type { Logger } from '../../sdk/logger.js';
import { finishedCondition } from '../job/job-conditions.js';

export interface TtlAfterFinishedOptions {
  readonly informers: InformerFactory;
  readonly clients: Clientset;
  readonly logger: Logger;
  readonly registry?: Registry;
  readonly workers: number;
}

/** A finished Job with a TTL, not being deleted yet. */
export function needsCleanup(job: Job): boolean {
  return (
    job.spec?.ttlSecondsAfterFinished !== undefined &&
    job.metadata?.deletionTimestamp === undefined &&
    finishedCondition(job) !== undefined
  );
}

/**
 * How long until the Job expires (ms; 0 or less: expired), or undefined when it needs no
 * cleanup. A finished condition without a transition time counts from now.
 */
export function timeLeft(job: Job, now: number): number | undefined {
  if (!needsCleanup(job)) return undefined;
  const finishedAt = finishedCondition(job)?.lastTransitionTime?.getTime() ?? now;
  return finishedAt + (job.spec?.ttlSecondsAfterFinished ?? 0) * 1000 - now;
}

export async function runTtlAfterFinishedController(
  opts: TtlAfterFinishedOptions,
  signal: AbortSignal,
): Promise<void> {
  const jobs = opts.informers.informerFor<Job>('Job');
  const jobClient = opts.clients.kind<Job>('Job');
  const controller = createController({
    name: 'ttl_jobs_to_delete',
    workers: opts.workers,
    logger: opts.logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    async reconcile({ namespace, name }) {
      const cached = jobs.indexer.get(`${namespace}/${name}`);
      if (!cached) return undefined;
      const left = timeLeft(cached, Date.now());
      if (left === undefined) return undefined;
      if (left > 0) return { requeueAfter: left };
      let fresh: Job;
      try {
        fresh = await jobClient.get(namespace, name);
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
        throw err;
      }
      const freshLeft = timeLeft(fresh, Date.now());
      if (freshLeft === undefined) return undefined;
      if (freshLeft > 0) return { requeueAfter: freshLeft };
      opts.logger.info({ job: `${namespace}/${name}` }, 'deleting a Job whose TTL after finishing expired');
      try {
        await jobClient.delete(namespace, name, {
          propagationPolicy: 'Background',
          preconditions: {
            uid: fresh.metadata?.uid ?? '',
            resourceVersion: fresh.metadata?.resourceVersion ?? '',
          },
        });
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
        throw err;
      }
      return undefined;
    },
  });
  controller.watch(jobs, (job) =>
    needsCleanup(job) ? [{ namespace: job.metadata?.namespace ?? '', name: job.metadata?.name ?? '' }] : [],
  );
  await controller.run(signal);
}
