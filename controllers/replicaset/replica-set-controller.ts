/**
 * The ReplicaSet controller (Kubernetes' ReplicaSetController): keeps `spec.replicas`
 * active pods for every ReplicaSet, owned by it, and its status exact.
 *
 * One reconcile of a ReplicaSet:
 *  1. claim the active pods of its namespace (adopt matching orphans, release owned pods
 *     that stopped matching);
 *  2. when its expectations are satisfied (every create and delete it made earlier has
 *     been seen by the informer), create the missing pods in slow-start batches or delete
 *     the surplus, best candidates first, at most `burstReplicas` per reconcile;
 *  3. write the status (counts, observedGeneration, ReplicaFailure while writes fail).
 */

import { createPodsStream } from '../../sdk/client/create-pods-stream.js';
import { createController, TerminalError } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ReplicaSet, ReplicaSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  DeletedFinalStateUnknown,
  indexByController,
  keyOf,
  MutationCache,
  NAMESPACE_INDEX,
} from '../../sdk/informers/index.js';
import { fromLabelSelector, matches } from '../../sdk/labels/index.js';
import { controllerOf } from '../../sdk/owner-references.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { claimObjects } from '../shared/controller-ref-manager.js';
import { createExpectations } from '../shared/expectations.js';
import { isPodActive, isPodReady, untilAvailable } from '../shared/pod-state.js';
import { slowStartBatch } from '../shared/slow-start.js';
import { podsToDelete } from './active-pods-ranking.js';
import { calculateStatus, type ManageFailure, statusChanged } from './replica-set-status.js';
import { statusPatch } from './status-patch.js';

/** At most this many pods created or deleted by one reconcile (Kubernetes' BurstReplicas). */
export const BURST_REPLICAS = 500;

export interface ReplicaSetControllerOptions extends ControllerOptions {
  readonly burstReplicas?: number;
}

const apiVersion = 'apps/v1';
const kind = 'ReplicaSet';

export async function runReplicaSetController(
  opts: ReplicaSetControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const burst = opts.burstReplicas ?? BURST_REPLICAS;
  // Indexed by controller: a scale-down ranks against the pods of its owner's other
  // ReplicaSets, found through their owner rather than a pass over the namespace's pods.
  const replicaSets = informers.informerFor<ReplicaSet>(
    'ReplicaSet',
    {},
    { [CONTROLLER_INDEX]: indexByController },
  );
  const pods = informers.informerFor<Pod>('Pod', {}, { [CONTROLLER_INDEX]: indexByController });
  const rsClient = clients.kind<ReplicaSet>('ReplicaSet');
  // What this controller's status writes answered, read in place of the informer's older
  // copy: a sync that runs before the watch shows the last write compares against it.
  const rsWrites = new MutationCache(replicaSets);
  const podClient = clients.kind<Pod>('Pod');
  // Creates go over one CreatePods stream (unary CreatePod against an apiserver without
  // it): a scale-up makes hundreds at once, and a unary call costs both ends more.
  const podCreates = createPodsStream(clients.api);
  signal.addEventListener('abort', () => podCreates.close(), { once: true });
  const expectations = createExpectations();

  const controller = createController({
    name: 'replicaset',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }, term) => sync(namespace, name, term),
  });
  const enqueue = (ns: string, name: string) => controller.enqueue({ namespace: ns, name });

  /** The ReplicaSet that controls `pod`, when it still exists with the referenced uid. */
  const ownerOf = (pod: Pod): ReplicaSet | undefined => {
    const ref = controllerOf(pod);
    if (ref?.kind !== kind) return undefined;
    const rs = replicaSets.indexer.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
    return rs?.metadata?.uid === ref.uid ? rs : undefined;
  };
  /** ReplicaSets whose selector matches an orphan: they may adopt it. */
  const enqueueMatching = (pod: Pod) => {
    const ns = pod.metadata?.namespace ?? '';
    for (const rs of replicaSets.indexer.byIndex(NAMESPACE_INDEX, ns)) {
      try {
        if (matches(fromLabelSelector(rs.spec?.selector), pod.metadata?.labels ?? {}))
          enqueue(ns, rs.metadata?.name ?? '');
      } catch {
        // An invalid selector adopts nothing.
      }
    }
  };
  const podDeleted = (pod: Pod) => {
    const rs = ownerOf(pod);
    if (!rs) return;
    expectations.deletionObserved(keyOf(rs), keyOf(pod));
    enqueue(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
  };

  pods.addEventHandler({
    onAdd(pod) {
      if (pod.metadata?.deletionTimestamp !== undefined) {
        podDeleted(pod);
        return;
      }
      const ref = controllerOf(pod);
      if (ref) {
        const rs = ownerOf(pod);
        if (!rs) return;
        expectations.creationObserved(keyOf(rs));
        enqueue(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
        return;
      }
      enqueueMatching(pod);
    },
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const labelsChanged = JSON.stringify(old.metadata?.labels) !== JSON.stringify(cur.metadata?.labels);
      if (cur.metadata?.deletionTimestamp !== undefined) {
        // Seen as a deletion as soon as it is marked: the pod no longer counts.
        podDeleted(cur);
        if (labelsChanged) podDeleted(old);
        return;
      }
      const oldRef = controllerOf(old);
      const curRef = controllerOf(cur);
      if (oldRef && oldRef.uid !== curRef?.uid) {
        const rs = ownerOf(old);
        if (rs) enqueue(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
      }
      if (curRef) {
        const rs = ownerOf(cur);
        if (!rs) return;
        enqueue(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
        // Becoming ready: it becomes available minReadySeconds later.
        const minReady = rs.spec?.minReadySeconds ?? 0;
        if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
          controller.queue.addAfter(keyOf(rs), minReady * 1000 + 50);
        }
        return;
      }
      if (labelsChanged || oldRef) enqueueMatching(cur);
    },
    onDelete(obj) {
      podDeleted(obj instanceof DeletedFinalStateUnknown ? obj.object : obj);
    },
  });
  replicaSets.addEventHandler({
    onDelete(obj) {
      const rs = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      expectations.delete(keyOf(rs));
    },
  });
  controller.watch(replicaSets);

  /**
   * `term` aborts when this controller's term ends (leadership lost, shutdown): from then
   * on a reconcile in flight makes no further writes, since another term (or another
   * process) may be acting from a fresher cache.
   */
  async function sync(namespace: string, name: string, term: AbortSignal) {
    const key = `${namespace}/${name}`;
    const cached = rsWrites.get(key);
    if (!cached) {
      expectations.delete(key);
      return undefined;
    }
    const rs: ReplicaSet = { ...cached, apiVersion, kind };
    let selector: ReturnType<typeof fromLabelSelector>;
    try {
      selector = fromLabelSelector(rs.spec?.selector);
    } catch (err) {
      throw new TerminalError(`ReplicaSet ${key} has an invalid selector: ${(err as Error).message}`);
    }
    const needsSync = expectations.satisfied(key) && rs.metadata?.deletionTimestamp === undefined;
    const active = controlledOrOrphaned(pods.indexer, rs).filter(isPodActive);
    const owned = await claimObjects(active, {
      owner: rs,
      selector,
      client: podClient,
      recheck: () => rsClient.get(namespace, name),
    });

    let failure: ManageFailure | undefined;
    let manageError: unknown;
    if (needsSync) {
      try {
        await manageReplicas(rs, owned, term);
      } catch (err) {
        manageError = err;
        const reason = owned.length < (rs.spec?.replicas ?? 1) ? 'FailedCreate' : 'FailedDelete';
        failure = { reason, message: err instanceof Error ? err.message : String(err) };
      }
    }
    const now = Date.now();
    const status = calculateStatus(rs, owned, failure, now);
    if (term.aborted) return undefined;
    if (statusChanged(cached.status, status)) await writeStatus(rs, status);
    if (manageError) throw manageError;

    const minReady = rs.spec?.minReadySeconds ?? 0;
    let next: number | undefined;
    for (const pod of owned) {
      const left = untilAvailable(pod, minReady, now);
      if (left !== undefined) next = Math.min(next ?? left, left);
    }
    return next === undefined ? undefined : { requeueAfter: next + 50 };
  }

  async function manageReplicas(rs: ReplicaSet, owned: Pod[], term: AbortSignal): Promise<void> {
    const key = keyOf(rs);
    const want = rs.spec?.replicas ?? 1;
    const diff = owned.length - want;
    if (diff < 0) {
      const count = Math.min(-diff, burst);
      expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, 1, () => createPod(rs), term);
      for (let i = successes; i < count; i++) expectations.creationSkipped(key);
      if (error !== undefined) throw error;
      return;
    }
    if (diff > 0) {
      const count = Math.min(diff, burst);
      const related = relatedPods(rs);
      const victims = podsToDelete(owned, related, count);
      expectations.expectDeletions(key, victims.map(keyOf));
      const results = await Promise.allSettled(victims.map((pod) => deletePod(rs, pod)));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * The active pods of `rs` and of the other ReplicaSets of its controller (Kubernetes'
   * getIndirectlyRelatedPods): they count when ranking by node. Read through the
   * controller indexes, so a scale-down costs the pods of one owner, not of the namespace
   * (a rollout of every Deployment in a namespace scaled down in steps made that
   * quadratic).
   */
  function relatedPods(rs: ReplicaSet): Pod[] {
    const ownerUid = controllerOf(rs)?.uid;
    const siblings =
      ownerUid === undefined
        ? [rs]
        : replicaSets.indexer
            .byIndex(CONTROLLER_INDEX, ownerUid)
            .filter((s) => s.metadata?.namespace === rs.metadata?.namespace);
    if (!siblings.some((s) => s.metadata?.uid === rs.metadata?.uid)) siblings.push(rs);
    const related: Pod[] = [];
    for (const sibling of siblings) {
      const uid = sibling.metadata?.uid ?? '';
      if (uid === '') continue;
      for (const pod of pods.indexer.byIndex(CONTROLLER_INDEX, uid))
        if (isPodActive(pod) && ownerOf(pod)?.metadata?.uid === uid) related.push(pod);
    }
    return related;
  }

  async function createPod(rs: ReplicaSet): Promise<void> {
    const template = rs.spec?.template;
    const key = keyOf(rs);
    const pod = Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata?.name ?? ''}-`,
        namespace: rs.metadata?.namespace ?? '',
        labels: { ...template?.metadata?.labels },
        annotations: { ...template?.metadata?.annotations },
        finalizers: [...(template?.metadata?.finalizers ?? [])],
        ownerReferences: [
          {
            apiVersion,
            kind,
            name: rs.metadata?.name ?? '',
            uid: rs.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      ...(template?.spec ? { spec: template.spec } : {}),
    });
    try {
      const created = await podCreates.create(pod);
      events.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.name}`);
    } catch (err) {
      // A namespace being deleted refuses new pods: nothing to report, the set goes too.
      if (err instanceof ApiError && err.code === Code.FAILED_PRECONDITION && /terminat/i.test(err.message)) {
        expectations.creationSkipped(key);
        return;
      }
      events.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async function deletePod(rs: ReplicaSet, pod: Pod): Promise<void> {
    const key = keyOf(rs);
    const podKey = keyOf(pod);
    try {
      await podClient.delete(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
      });
      events.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      // Its deletion will never be observed through this request.
      expectations.deletionSkipped(key, podKey);
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      events.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  /**
   * Writes `status` as a patch of the status subresource (status-patch.ts): a spec change
   * that landed since the read (a resize) does not make it conflict. Recorded in the
   * mutation cache, so that the next sync compares against it even before the watch
   * shows it.
   */
  async function writeStatus(rs: ReplicaSet, status: ReplicaSetStatus): Promise<void> {
    const meta = rs.metadata;
    let written: ReplicaSet;
    try {
      written = (await clients.api.patch(
        rsClient.info,
        meta?.namespace ?? '',
        meta?.name ?? '',
        PatchType.PATCH_TYPE_JSON,
        statusPatch(rs, status),
        { status: true },
      )) as ReplicaSet;
    } catch (err) {
      // Gone, or deleted and recreated: the new one has a sync of its own.
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      if (err instanceof ApiError && err.code === Code.INVALID_ARGUMENT && /test failed/.test(err.message))
        return;
      throw err;
    }
    rsWrites.mutated(written);
  }

  await pods.waitForSync(signal);
  // A term that ended while the caches synced must not start workers: the controller's
  // run() only hears of an abort that comes after it starts, and workers started after
  // the end would act without leadership and keep the term from ever ending.
  if (signal.aborted) return;
  await controller.run(signal);
}
