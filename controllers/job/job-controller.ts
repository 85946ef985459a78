/**
 * The Job controller (Kubernetes' pkg/controller/job): runs a Job's Pods until enough of
 * them succeed, and keeps its status exact.
 *
 * One reconcile of a Job:
 *  1. claim the Pods of its namespace (adopting orphans its selector matches, with the
 *     tracking finalizer) and count the finished ones it has not counted yet;
 *  2. decide whether it is done: failures above `backoffLimit` (or container restarts of
 *     `OnFailure` Pods), past `activeDeadlineSeconds`, or enough successes;
 *  3. if not, converge on the Pods it should run — `parallelism`, but never more than
 *     the completions left; none while suspended — after the pod-failure backoff, giving
 *     Indexed Jobs' Pods the lowest indexes still missing; if done, delete what runs;
 *  4. track the outcome through the `batch.kubernetes.io/job-tracking` finalizer: first
 *     write the finished Pods' uids to `status.uncountedTerminatedPods`, then remove their
 *     finalizers, then move them into `succeeded`/`failed`. A Pod is therefore counted
 *     exactly once, even when it is deleted the moment it finishes;
 *  5. once nothing runs and nothing is uncounted, turn the interim condition
 *     (`SuccessCriteriaMet`, `FailureTarget`) into `Complete` or `Failed`.
 *
 * Expectations (creations, deletions, finalizer removals not yet seen by the informer)
 * keep it from acting twice on a stale cache, and a status it wrote is never computed
 * again from an older cached copy of the Job.
 */
import { createPodsStream } from '../../sdk/client/create-pods-stream.js';
import { createController, TerminalError } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Job, type JobCondition, JobStatus } from '../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  DeletedFinalStateUnknown,
  indexByController,
  keyOf,
  NAMESPACE_INDEX,
} from '../../sdk/informers/index.js';
import { fromLabelSelector, matches, type Selector } from '../../sdk/labels/index.js';
import { controllerOf } from '../../sdk/owner-references.js';
import { compareForDeletion } from '../replicaset/active-pods-ranking.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { claimObjects } from '../shared/controller-ref-manager.js';
import { createExpectations } from '../shared/expectations.js';
import { isPodActive, isPodReady, isPodTerminating } from '../shared/pod-state.js';
import { slowStartBatch } from '../shared/slow-start.js';
import {
  completionIndexOf,
  duplicatedIndexPods,
  firstPendingIndexes,
  formatIndexes,
  parseIndexes,
} from './completion-index.js';
import {
  ensureCondition,
  findCondition,
  isJobFinished,
  JobComplete,
  JobFailed,
  JobFailureTarget,
  JobSuccessCriteriaMet,
  JobSuspended,
  messageBackoffLimitExceeded,
  messageCompletionsReached,
  messageDeadlineExceeded,
  newCondition,
  reasonBackoffLimitExceeded,
  reasonCompletionsReached,
  reasonDeadlineExceeded,
  reasonPodFailurePolicy,
} from './job-conditions.js';
import {
  countReady,
  hasTrackingFinalizer,
  isPodFailed,
  jobTrackingFinalizer,
  newJobPod,
  onlyReplaceFailedPods,
  pastBackoffLimitOnFailure,
} from './job-pods.js';
import { type BackoffRecord, nextBackoffRecord, noBackoff, remainingBackoff } from './pod-failure-backoff.js';
import { matchPodFailurePolicy } from './pod-failure-policy.js';

/** At most this many Pods created or deleted by one reconcile (Kubernetes' MaxPodCreateDeletePerSync). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** At most this many uids in `status.uncountedTerminatedPods` (keeps the status under ~20 KB). */
export const MAX_UNCOUNTED_PODS = 500;
/** Pod events are batched this long per Job, so a burst of them costs one reconcile. */
export const SYNC_JOB_BATCH_PERIOD_MS = 1000;
/** The `spec.managedBy` value of Jobs this controller reconciles (unset means the same). */
export const JOB_CONTROLLER_NAME = 'kubernetes.io/job-controller';

export interface JobControllerOptions extends ControllerOptions {
  /** The first pod-failure backoff (10 s), doubling with each failure since the last success. */
  readonly podFailureBackoffMs: number;
  /** The longest pod-failure backoff (6 minutes). */
  readonly maxPodFailureBackoffMs: number;
  readonly syncBatchPeriodMs?: number;
}

const apiVersion = 'batch/v1';
const kind = 'Job';

/** What one reconcile knows about the Job and its Pods. */
interface SyncContext {
  readonly key: string;
  job: Job;
  readonly status: JobStatus;
  readonly pods: Pod[];
  readonly active: Pod[];
  readonly expectedRmFinalizers: ReadonlySet<string>;
  readonly uncounted: { readonly succeeded: ReadonlySet<string>; readonly failed: ReadonlySet<string> };
  succeeded: number;
  /** Indexed Jobs: the indexes succeeded in status, and with the Pods that succeeded since. */
  prevSucceededIndexes: Set<number>;
  succeededIndexes: Set<number>;
  terminating: number;
  ready: number;
  newBackoff: BackoffRecord;
  finished: JobCondition | undefined;
  requeueAfter: number | undefined;
  readonly now: Date;
}

function isIndexed(job: Job): boolean {
  return job.spec?.completionMode === 'Indexed';
}

function isSuspended(job: Job): boolean {
  return job.spec?.suspend === true;
}

function statusKey(status: JobStatus | undefined): string {
  return JSON.stringify(JobStatus.toJSON(JobStatus.fromPartial(status ?? {})));
}

function rankForDeletion(a: Pod, b: Pod): number {
  return compareForDeletion({ pod: a, rank: 0 }, { pod: b, rank: 0 });
}

/**
 * Active Pods to delete: for Indexed Jobs first those with no valid index or a repeated
 * one, then the least useful (unscheduled, pending, not ready, newest) up to `rmAtLeast`.
 */
function activePodsForRemoval(job: Job, pods: readonly Pod[], rmAtLeast: number): Pod[] {
  let remove: Pod[] = [];
  let left: Pod[] = [...pods];
  if (isIndexed(job))
    ({ remove, keep: left } = duplicatedIndexPods(pods, job.spec?.completions ?? 0, rankForDeletion));
  if (remove.length < rmAtLeast)
    remove.push(...left.sort(rankForDeletion).slice(0, rmAtLeast - remove.length));
  return remove;
}

export async function runJobController(opts: JobControllerOptions, signal: AbortSignal): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const batchMs = opts.syncBatchPeriodMs ?? SYNC_JOB_BATCH_PERIOD_MS;
  const jobs = informers.informerFor<Job>('Job');
  const pods = informers.informerFor<Pod>('Pod', {}, { [CONTROLLER_INDEX]: indexByController });
  const jobClient = clients.kind<Job>('Job');
  const podClient = clients.kind<Pod>('Pod');
  // Creates go over one CreatePods stream (unary CreatePod against an apiserver without
  // it): cheaper on both ends than a unary call each, and a burst makes hundreds.
  const podCreates = createPodsStream(clients.api);
  signal.addEventListener('abort', () => podCreates.close(), { once: true });
  const expectations = createExpectations();
  /** Job key → uids of Pods whose finalizer removal the informer has not shown yet. */
  const finalizerExpectations = new Map<string, Set<string>>();
  const backoffRecords = new Map<string, BackoffRecord>();
  /** Job key → resourceVersion of the status this controller last wrote. */
  const lastWritten = new Map<string, bigint>();

  const controller = createController({
    name: 'job',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => syncJob(namespace, name),
  });
  /** Pods whose tracking finalizer no Job will remove: their Job is gone or finished. */
  const orphans = createController({
    name: 'job_orphan_pod',
    workers: 1,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: async ({ namespace, name }) => {
      await syncOrphanPod(namespace, name);
      return undefined;
    },
  });

  const enqueueNow = (job: Job) => controller.queue.add(keyOf(job));
  const enqueueBatched = (job: Job) => controller.queue.addAfter(keyOf(job), batchMs);
  const enqueueOrphan = (pod: Pod) =>
    orphans.enqueue({ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' });

  const observeFinalizerRemoved = (key: string, uid: string) => finalizerExpectations.get(key)?.delete(uid);

  /** The Job that controls `pod`, when it still exists with the referenced uid. */
  const jobOf = (pod: Pod): Job | undefined => {
    const ref = controllerOf(pod);
    if (ref?.kind !== kind) return undefined;
    const job = jobs.indexer.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
    return job?.metadata?.uid === ref.uid ? job : undefined;
  };
  const selectorOf = (job: Job): Selector | undefined => {
    try {
      return fromLabelSelector(job.spec?.selector);
    } catch {
      return undefined;
    }
  };
  /** Jobs whose selector matches an orphan: they may adopt it. */
  const jobsMatching = (pod: Pod): Job[] =>
    jobs.indexer.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '').filter((job) => {
      const selector = selectorOf(job);
      return selector !== undefined && matches(selector, pod.metadata?.labels ?? {});
    });
  /** A Job that went or finished: every Pod it selects that still has the finalizer. */
  const enqueueOrphansOf = (job: Job) => {
    const selector = selectorOf(job);
    if (!selector) return;
    for (const pod of pods.indexer.byIndex(NAMESPACE_INDEX, job.metadata?.namespace ?? '')) {
      if (hasTrackingFinalizer(pod) && matches(selector, pod.metadata?.labels ?? {})) enqueueOrphan(pod);
    }
  };

  /** A Pod deleted, or marked for deletion (`final` false). */
  const podDeleted = (pod: Pod, final: boolean) => {
    const hasFinalizer = hasTrackingFinalizer(pod);
    const job = controllerOf(pod) ? jobOf(pod) : undefined;
    if (!job || isJobFinished(job)) {
      if (hasFinalizer) enqueueOrphan(pod);
      return;
    }
    const key = keyOf(job);
    expectations.deletionObserved(key, keyOf(pod));
    if (final || !hasFinalizer) observeFinalizerRemoved(key, pod.metadata?.uid ?? '');
    enqueueBatched(job);
  };

  pods.addEventHandler({
    onAdd(pod) {
      if (pod.metadata?.deletionTimestamp !== undefined) {
        podDeleted(pod, false);
        return;
      }
      if (controllerOf(pod)) {
        const job = jobOf(pod);
        if (!job) {
          if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
          return;
        }
        expectations.creationObserved(keyOf(job));
        enqueueBatched(job);
        return;
      }
      if (hasTrackingFinalizer(pod)) enqueueOrphan(pod);
      for (const job of jobsMatching(pod)) enqueueBatched(job);
    },
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      if (cur.metadata?.deletionTimestamp !== undefined) {
        podDeleted(cur, false);
        return;
      }
      const uid = cur.metadata?.uid ?? '';
      const finalizerRemoved = !hasTrackingFinalizer(cur);
      const oldRef = controllerOf(old);
      const curRef = controllerOf(cur);
      const refChanged = oldRef?.uid !== curRef?.uid;
      if (refChanged && oldRef) {
        const job = jobOf(old);
        if (job) {
          if (finalizerRemoved) observeFinalizerRemoved(keyOf(job), uid);
          enqueueBatched(job);
        }
      }
      if (curRef) {
        const job = jobOf(cur);
        if (!job) return;
        if (finalizerRemoved) observeFinalizerRemoved(keyOf(job), uid);
        enqueueBatched(job);
        return;
      }
      if (hasTrackingFinalizer(cur)) enqueueOrphan(cur);
      const labelsChanged = JSON.stringify(old.metadata?.labels) !== JSON.stringify(cur.metadata?.labels);
      if (labelsChanged || refChanged) for (const job of jobsMatching(cur)) enqueueBatched(job);
    },
    onDelete(obj) {
      podDeleted(obj instanceof DeletedFinalStateUnknown ? obj.object : obj, true);
    },
  });
  jobs.addEventHandler({
    onAdd: enqueueNow,
    onUpdate(old, cur) {
      // Finishing removed every finalizer; this is the backstop for any left.
      if (isJobFinished(cur)) {
        enqueueOrphansOf(cur);
        return;
      }
      // A spec change is acted on at once; status changes (mostly its own) are batched.
      if (old.metadata?.generation === cur.metadata?.generation) enqueueBatched(cur);
      else enqueueNow(cur);
      const deadline = cur.spec?.activeDeadlineSeconds;
      const start = cur.status?.startTime;
      if (deadline !== undefined && start && deadline !== old.spec?.activeDeadlineSeconds) {
        controller.queue.addAfter(
          keyOf(cur),
          Math.max(0, Number(deadline) * 1000 - (Date.now() - start.getTime())),
        );
      }
    },
    onDelete(obj) {
      const job = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      enqueueNow(job);
      enqueueOrphansOf(job);
    },
  });

  /** Removes the tracking finalizer with an update, re-reading the Pod on conflicts. */
  async function removeTrackingFinalizer(cached: Pod): Promise<void> {
    let pod = cached;
    for (let attempt = 0; ; attempt++) {
      if (!hasTrackingFinalizer(pod)) return;
      const next = structuredClone(pod);
      if (next.metadata)
        next.metadata.finalizers = next.metadata.finalizers.filter((f) => f !== jobTrackingFinalizer);
      try {
        await podClient.update(next);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 4) throw err;
      }
      try {
        const fresh = await podClient.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
        if (fresh.metadata?.uid !== cached.metadata?.uid) return;
        pod = fresh;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        throw err;
      }
    }
  }

  async function syncOrphanPod(namespace: string, name: string): Promise<void> {
    const pod = pods.indexer.get(`${namespace}/${name}`);
    if (!pod || !hasTrackingFinalizer(pod)) return;
    const ref = controllerOf(pod);
    if (ref) {
      // Someone else's finalizer to keep, or a Job still running that counts it.
      if (ref.kind !== kind || ref.apiVersion !== apiVersion) return;
      const job = jobOf(pod);
      if (job && !isJobFinished(job)) return;
    }
    await removeTrackingFinalizer(pod);
  }

  async function writeStatus(ctx: SyncContext): Promise<void> {
    try {
      const written = await jobClient.updateStatus(Job.fromPartial({ ...ctx.job, status: ctx.status }));
      lastWritten.set(ctx.key, BigInt(written.metadata?.resourceVersion ?? '0'));
      ctx.job = { ...written, apiVersion, kind };
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      throw err;
    }
  }

  async function syncJob(namespace: string, name: string) {
    const key = `${namespace}/${name}`;
    const cached = jobs.indexer.get(key);
    if (!cached) {
      expectations.delete(key);
      finalizerExpectations.delete(key);
      backoffRecords.delete(key);
      lastWritten.delete(key);
      return undefined;
    }
    const managedBy = cached.spec?.managedBy;
    if (managedBy !== undefined && managedBy !== JOB_CONTROLLER_NAME) return undefined;
    // Our last status write has not reached the cache: counting from this copy would
    // count again what that write counted. Its watch event brings the Job back.
    const written = lastWritten.get(key);
    if (written !== undefined && BigInt(cached.metadata?.resourceVersion ?? '0') < written) return undefined;
    if (isJobFinished(cached)) {
      backoffRecords.delete(key);
      return undefined;
    }
    const job: Job = structuredClone({ ...cached, apiVersion, kind });
    const mode = job.spec?.completionMode ?? 'NonIndexed';
    if (mode !== 'NonIndexed' && mode !== 'Indexed') {
      events.event(
        job,
        'Warning',
        'UnknownCompletionMode',
        'Skipped Job sync because completion mode is unknown',
      );
      return undefined;
    }
    let selector: Selector;
    try {
      selector = fromLabelSelector(job.spec?.selector);
    } catch (err) {
      throw new TerminalError(`Job ${key} has an invalid selector: ${(err as Error).message}`);
    }
    const status = JobStatus.fromPartial(job.status ?? {});
    status.uncountedTerminatedPods ??= { succeeded: [], failed: [] };
    job.status = status;

    // Expectations are read before the Pods, so a Pod that arrives in between defers the sync.
    const satisfied = expectations.satisfied(key);
    const claimed = await claimObjects(controlledOrOrphaned(pods.indexer, job), {
      owner: job,
      selector,
      client: podClient,
      recheck: () => jobClient.get(namespace, name),
      finalizers: [jobTrackingFinalizer],
    });
    const active = claimed.filter(isPodActive);
    const expectedRmFinalizers = new Set(finalizerExpectations.get(key) ?? []);
    const uncounted = {
      succeeded: new Set(status.uncountedTerminatedPods.succeeded),
      failed: new Set(status.uncountedTerminatedPods.failed),
    };
    const now = new Date();
    const completions = job.spec?.completions;
    /** Finished Pods not counted anywhere yet (they still have the finalizer). */
    const newlyFinished = (inUncounted: ReadonlySet<string>, filter: (p: Pod) => boolean) =>
      claimed.filter((p) => {
        const uid = p.metadata?.uid ?? '';
        if (!hasTrackingFinalizer(p) || inUncounted.has(uid) || expectedRmFinalizers.has(uid)) return false;
        if (isIndexed(job)) {
          const ix = completionIndexOf(p);
          if (ix === undefined || ix >= (completions ?? 0)) return false;
        }
        return filter(p);
      });
    const newSucceeded = newlyFinished(uncounted.succeeded, (p) => p.status?.phase === 'Succeeded');
    const newFailed = newlyFinished(uncounted.failed, (p) => isPodFailed(p, job));
    const ctx: SyncContext = {
      key,
      job,
      status,
      pods: claimed,
      active,
      expectedRmFinalizers,
      uncounted,
      succeeded: status.succeeded + newSucceeded.length + uncounted.succeeded.size,
      prevSucceededIndexes: new Set(),
      succeededIndexes: new Set(),
      terminating: claimed.filter(isPodTerminating).length,
      ready: countReady(active),
      newBackoff: nextBackoffRecord(
        backoffRecords.get(key) ?? noBackoff,
        newSucceeded,
        newFailed,
        now.getTime(),
      ),
      finished: undefined,
      requeueAfter: undefined,
      now,
    };
    const policy = job.spec?.podFailurePolicy;
    const counted = policy
      ? newFailed.filter((p) => matchPodFailurePolicy(policy, p).countFailed)
      : newFailed;
    const failed = status.failed + counted.length + uncounted.failed.size;
    if (status.startTime === undefined && !isSuspended(job)) status.startTime = now;

    // A Job that met its criteria in an earlier reconcile stays on that course.
    const met = findCondition(status.conditions, JobSuccessCriteriaMet);
    const target = findCondition(status.conditions, JobFailureTarget);
    if (met?.status === 'True') ctx.finished = met;
    else if (target?.status === 'True')
      ctx.finished = newCondition(JobFailed, 'True', target.reason, target.message, now);
    else if (policy) {
      // A FailJob rule fails the Job before its failures are even counted.
      for (const p of claimed) {
        const message = isPodFailed(p, job) ? matchPodFailurePolicy(policy, p).jobFailureMessage : undefined;
        if (message === undefined) continue;
        ctx.finished = newCondition(JobFailureTarget, 'True', reasonPodFailurePolicy, message, now);
        break;
      }
    }
    if (!ctx.finished) {
      const deadline = job.spec?.activeDeadlineSeconds;
      const startMs = status.startTime?.getTime();
      if (failed > (job.spec?.backoffLimit ?? 6) || pastBackoffLimitOnFailure(job, claimed)) {
        ctx.finished = newCondition(
          JobFailureTarget,
          'True',
          reasonBackoffLimitExceeded,
          messageBackoffLimitExceeded,
          now,
        );
      } else if (deadline !== undefined && startMs !== undefined && !isSuspended(job)) {
        const left = Number(deadline) * 1000 - (now.getTime() - startMs);
        if (left <= 0) {
          ctx.finished = newCondition(
            JobFailureTarget,
            'True',
            reasonDeadlineExceeded,
            messageDeadlineExceeded,
            now,
          );
        } else {
          ctx.requeueAfter = left;
        }
      }
    }
    if (isIndexed(job)) {
      ctx.prevSucceededIndexes = parseIndexes(status.completedIndexes, completions ?? 0);
      ctx.succeededIndexes = new Set(ctx.prevSucceededIndexes);
      for (const p of claimed) {
        const ix = completionIndexOf(p);
        if (
          p.status?.phase === 'Succeeded' &&
          hasTrackingFinalizer(p) &&
          ix !== undefined &&
          ix < (completions ?? 0)
        )
          ctx.succeededIndexes.add(ix);
      }
      ctx.succeeded = ctx.succeededIndexes.size;
    }

    let manageError: unknown;
    let activeCount = active.length;
    if (ctx.finished) {
      const { deleted, deletedReady, error } = await deleteActivePods(job, active);
      // Not finished until every Pod is gone from the ones it knows, and it knows them all.
      if (deleted !== active.length || !satisfied) ctx.finished = undefined;
      activeCount -= deleted;
      ctx.terminating += deleted;
      ctx.ready -= deletedReady;
      manageError = error;
    } else {
      let managed = false;
      if (satisfied && job.metadata?.deletionTimestamp === undefined) {
        const result = await manageJob(ctx);
        activeCount = result.active;
        manageError = result.error;
        managed = true;
      }
      const complete =
        completions === undefined
          ? ctx.succeeded > 0 && activeCount === 0
          : ctx.succeeded >= completions && activeCount === 0;
      if (complete) {
        ctx.finished = newCondition(
          JobSuccessCriteriaMet,
          'True',
          reasonCompletionsReached,
          messageCompletionsReached,
          now,
        );
      } else if (managed) {
        if (isSuspended(job)) {
          if (
            ensureCondition(status.conditions, JobSuspended, 'True', 'JobSuspended', 'Job suspended', now)
          ) {
            events.event(job, 'Normal', 'Suspended', 'Job suspended');
          }
        } else if (
          ensureCondition(status.conditions, JobSuspended, 'False', 'JobResumed', 'Job resumed', now)
        ) {
          events.event(job, 'Normal', 'Resumed', 'Job resumed');
          // activeDeadlineSeconds counts the time the Job runs without a break.
          status.startTime = now;
        }
      }
    }
    status.active = activeCount;
    status.ready = ctx.ready;
    status.terminating = ctx.terminating;
    await trackStatusAndRemoveFinalizers(ctx, cached.status);
    if (manageError !== undefined) throw manageError;
    return ctx.requeueAfter === undefined ? undefined : { requeueAfter: ctx.requeueAfter };
  }

  /** Creates or deletes Pods towards the number the Job should run; returns the active count after. */
  async function manageJob(ctx: SyncContext): Promise<{ active: number; error: unknown }> {
    const { job, key } = ctx;
    const active = ctx.active.length;
    if (isSuspended(job)) {
      const victims = activePodsForRemoval(job, ctx.active, active);
      expectations.expectDeletions(key, victims.map(keyOf));
      const { removed, removedReady, error } = await deleteJobPods(job, key, victims);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return { active: active - removed, error };
    }
    const parallelism = job.spec?.parallelism ?? 1;
    const completions = job.spec?.completions;
    let wantActive: number;
    if (completions === undefined) {
      // A work queue: once one Pod succeeded, the others finish on their own.
      wantActive = ctx.succeeded > 0 ? active : parallelism;
    } else {
      wantActive = Math.max(0, Math.min(completions - ctx.succeeded, parallelism));
    }
    const victims = activePodsForRemoval(job, ctx.active, Math.max(0, active - wantActive)).slice(
      0,
      MAX_POD_CREATE_DELETE_PER_SYNC,
    );
    if (victims.length > 0) {
      // Deleting and creating in one reconcile could fight (repeated indexes): deletion first.
      expectations.expectDeletions(key, victims.map(keyOf));
      const { removed, removedReady, error } = await deleteJobPods(job, key, victims);
      ctx.terminating += removed;
      ctx.ready -= removedReady;
      return { active: active - removed, error };
    }
    const terminating = onlyReplaceFailedPods(job) ? ctx.terminating : 0;
    let diff = wantActive - terminating - active;
    if (diff <= 0) return { active, error: undefined };
    const wait = remainingBackoff(
      ctx.newBackoff,
      ctx.now.getTime(),
      opts.podFailureBackoffMs,
      opts.maxPodFailureBackoffMs,
    );
    if (wait > 0) {
      ctx.requeueAfter = Math.min(ctx.requeueAfter ?? Number.POSITIVE_INFINITY, Math.max(wait, batchMs));
      return { active, error: undefined };
    }
    diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
    let indexes: number[] | undefined;
    if (isIndexed(job)) {
      const activeIndexes = new Set<number>();
      for (const p of ctx.active) {
        const ix = completionIndexOf(p);
        if (ix !== undefined) activeIndexes.add(ix);
      }
      indexes = firstPendingIndexes(activeIndexes, ctx.succeededIndexes, diff, completions ?? 0);
      diff = indexes.length;
    }
    expectations.expectCreations(key, diff);
    let created = 0;
    const { successes, error } = await slowStartBatch(diff, 1, async (i) => {
      if (await createPod(job, key, indexes?.[i])) created++;
    });
    for (let i = successes; i < diff; i++) expectations.creationSkipped(key);
    return { active: active + created, error };
  }

  /** Resolves whether a Pod was created (false: the namespace is going away). */
  async function createPod(job: Job, key: string, index: number | undefined): Promise<boolean> {
    try {
      const created = await podCreates.create(newJobPod(job, index));
      events.event(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.name}`);
      return true;
    } catch (err) {
      // A namespace being deleted refuses new pods: nothing to report, the Job goes too.
      if (err instanceof ApiError && err.code === Code.FAILED_PRECONDITION && /terminat/i.test(err.message)) {
        expectations.creationSkipped(key);
        return false;
      }
      events.event(job, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async function deletePod(job: Job, pod: Pod): Promise<void> {
    try {
      await podClient.delete(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
      });
      events.event(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      events.event(job, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * Deletes Pods the Job no longer wants (suspension, too many): their finalizer goes
   * first, so they are not counted as failures.
   */
  async function deleteJobPods(
    job: Job,
    key: string,
    victims: readonly Pod[],
  ): Promise<{ removed: number; removedReady: number; error: unknown }> {
    let removed = 0;
    let removedReady = 0;
    let error: unknown;
    await Promise.all(
      victims.map(async (pod) => {
        try {
          await removeTrackingFinalizer(pod);
          await deletePod(job, pod);
          removed++;
          if (isPodReady(pod)) removedReady++;
        } catch (err) {
          expectations.deletionSkipped(key, keyOf(pod));
          error ??= err;
        }
      }),
    );
    return { removed, removedReady, error };
  }

  /**
   * Deletes the active Pods of a Job that is done; they keep their finalizer and are
   * counted (as failed, unless they succeed first) before it is removed.
   */
  async function deleteActivePods(
    job: Job,
    active: readonly Pod[],
  ): Promise<{ deleted: number; deletedReady: number; error: unknown }> {
    let deleted = 0;
    let deletedReady = 0;
    let error: unknown;
    await Promise.all(
      active.map(async (pod) => {
        try {
          await deletePod(job, pod);
          deleted++;
          if (isPodReady(pod)) deletedReady++;
        } catch (err) {
          error ??= err;
        }
      }),
    );
    return { deleted, deletedReady, error };
  }

  /**
   * Steps 4 and 5 of a reconcile: the finished Pods' outcome reaches status before their
   * finalizer is removed, and the counters only after; the terminal condition last.
   */
  async function trackStatusAndRemoveFinalizers(ctx: SyncContext, cachedStatus: JobStatus | undefined) {
    const { job, status } = ctx;
    const indexed = isIndexed(job);
    const completions = job.spec?.completions ?? 0;
    const uncountedStatus = status.uncountedTerminatedPods ?? { succeeded: [], failed: [] };
    status.uncountedTerminatedPods = uncountedStatus;
    const podsInOrder = indexed
      ? [...ctx.pods].sort((a, b) => (completionIndexOf(a) ?? -1) - (completionIndexOf(b) ?? -1))
      : ctx.pods;
    const uidsWithFinalizer = new Set<string>();
    for (const p of ctx.pods) {
      const uid = p.metadata?.uid ?? '';
      if (hasTrackingFinalizer(p) && !ctx.expectedRmFinalizers.has(uid)) uidsWithFinalizer.add(uid);
    }
    moveCountedUncounted(status, uidsWithFinalizer);

    const toRemove: Pod[] = [];
    const newSucceededIndexes: number[] = [];
    let reachedMaxUncounted = false;
    const failing = ctx.finished !== undefined && ctx.finished.type !== JobSuccessCriteriaMet;
    for (const pod of podsInOrder) {
      const uid = pod.metadata?.uid ?? '';
      if (!hasTrackingFinalizer(pod) || ctx.expectedRmFinalizers.has(uid)) continue;
      const failed = isPodFailed(pod, job);
      const phase = pod.status?.phase ?? '';
      const canRemove =
        job.metadata?.deletionTimestamp !== undefined ||
        ctx.finished !== undefined ||
        phase === 'Succeeded' ||
        failed;
      if (!canRemove) continue;
      toRemove.push(pod);
      const ix = completionIndexOf(pod);
      if (phase === 'Succeeded' && !ctx.uncounted.failed.has(uid)) {
        if (indexed) {
          if (ix !== undefined && ix < completions && !ctx.prevSucceededIndexes.has(ix))
            newSucceededIndexes.push(ix);
        } else if (!ctx.uncounted.succeeded.has(uid)) {
          uncountedStatus.succeeded.push(uid);
        }
      } else if (failed || failing) {
        // Once the Job fails, every Pod that did not succeed counts as failed.
        const policy = job.spec?.podFailurePolicy;
        const counts = policy === undefined || matchPodFailurePolicy(policy, pod).countFailed;
        if (
          counts &&
          !ctx.uncounted.failed.has(uid) &&
          (!indexed || (ix !== undefined && ix < completions))
        ) {
          uncountedStatus.failed.push(uid);
        }
      }
      if (
        newSucceededIndexes.length + uncountedStatus.succeeded.length + uncountedStatus.failed.length >=
        MAX_UNCOUNTED_PODS
      ) {
        // The rest wait for the next reconcile, which this one's writes bring about.
        reachedMaxUncounted = true;
        break;
      }
    }
    if (indexed) {
      for (const ix of newSucceededIndexes) ctx.succeededIndexes.add(ix);
      status.completedIndexes = formatIndexes(ctx.succeededIndexes);
      status.succeeded = ctx.succeededIndexes.size;
    }
    let finished = ctx.finished;
    if (finished?.type === JobFailureTarget) {
      status.conditions.push(finished);
      finished = newCondition(JobFailed, 'True', finished.reason, finished.message, ctx.now);
    } else if (finished?.type === JobSuccessCriteriaMet) {
      if (!findCondition(status.conditions, JobSuccessCriteriaMet)) status.conditions.push(finished);
      finished = newCondition(JobComplete, 'True', finished.reason, finished.message, ctx.now);
    }

    // 1. The outcome of the Pods whose finalizers go next.
    let lastStatus = statusKey(cachedStatus);
    const flush = async () => {
      const next = statusKey(status);
      if (next === lastStatus) return;
      await writeStatus(ctx);
      lastStatus = next;
    };
    await flush();
    backoffRecords.set(ctx.key, ctx.newBackoff);

    // 2. The finalizers.
    let removeError: unknown;
    if (toRemove.length > 0) {
      let expected = finalizerExpectations.get(ctx.key);
      if (!expected) {
        expected = new Set();
        finalizerExpectations.set(ctx.key, expected);
      }
      for (const p of toRemove) expected.add(p.metadata?.uid ?? '');
      await Promise.all(
        toRemove.map(async (pod) => {
          const uid = pod.metadata?.uid ?? '';
          try {
            await removeTrackingFinalizer(pod);
            uidsWithFinalizer.delete(uid);
          } catch (err) {
            // No update will show it removed.
            expected?.delete(uid);
            removeError ??= err;
          }
        }),
      );
    }
    // 3. The counters.
    moveCountedUncounted(status, uidsWithFinalizer);
    if (removeError !== undefined) {
      await flush();
      throw removeError;
    }
    // 4. The terminal condition, once nothing runs or waits to be counted.
    let jobFinished = false;
    const uncountedLeft = uncountedStatus.succeeded.length + uncountedStatus.failed.length;
    if (finished && !reachedMaxUncounted && uncountedLeft === 0 && ctx.terminating === 0) {
      ensureCondition(status.conditions, finished.type, 'True', finished.reason, finished.message, ctx.now);
      if (finished.type === JobComplete) status.completionTime = ctx.now;
      jobFinished = true;
    }
    await flush();
    if (jobFinished && finished) {
      if (finished.type === JobComplete) {
        const want = job.spec?.completions;
        if (want !== undefined && status.succeeded > want) {
          events.event(
            ctx.job,
            'Warning',
            'TooManySucceededPods',
            'Too many succeeded pods running after completion count reached',
          );
        }
        events.event(ctx.job, 'Normal', 'Completed', 'Job completed');
      } else {
        events.event(ctx.job, 'Warning', finished.reason, finished.message);
      }
    }
  }

  await Promise.all([pods.waitForSync(signal), jobs.waitForSync(signal)]);
  // A term that ended while the caches filled must not start workers nothing will stop.
  if (signal.aborted) return;
  await Promise.all([controller.run(signal), orphans.run(signal)]);
}

/**
 * Uncounted uids whose Pod no longer has the finalizer (removed, or the Pod is gone) move
 * into the counters.
 */
function moveCountedUncounted(status: JobStatus, uidsWithFinalizer: ReadonlySet<string>): void {
  const uncounted = status.uncountedTerminatedPods;
  if (!uncounted) return;
  const succeeded = uncounted.succeeded.filter((uid) => uidsWithFinalizer.has(uid));
  status.succeeded += uncounted.succeeded.length - succeeded.length;
  uncounted.succeeded = succeeded;
  const failed = uncounted.failed.filter((uid) => uidsWithFinalizer.has(uid));
  status.failed += uncounted.failed.length - failed.length;
  uncounted.failed = failed;
}
