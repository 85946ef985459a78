/**
 * The StatefulSet controller (Kubernetes' StatefulSetController): for every StatefulSet,
 * pods `<set>-<ordinal>` with a stable identity, created, replaced and updated in the
 * order its podManagementPolicy and updateStrategy ask for, and an exact status.
 *
 * One reconcile of a StatefulSet:
 *  1. claim its pods (members by name that its selector matches) and its
 *     ControllerRevisions (adopting orphans, releasing what stopped matching);
 *  2. find the update revision — the revision of the current template: the newest if it
 *     is equal, an older equal one renumbered as the newest (a rollback), or a new one —
 *     and the current revision (`status.currentRevision`, else the update revision);
 *  3. plan (stateful-set-plan.ts) and make the writes, stopping at the first failure;
 *  4. write the status if it changed (a rolling update with every pod updated and ready
 *     makes the update revision current), then delete revisions beyond
 *     revisionHistoryLimit that no pod uses.
 *
 * It needs no expectations: pod names are deterministic, so a create that its informer
 * has not seen yet fails with ALREADY_EXISTS instead of making a second pod, and deletes
 * carry the pod's uid as a precondition.
 */
import { createController, TerminalError } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { StatefulSet, type StatefulSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
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
import {
  collisionCountOf,
  createControllerHistory,
  equalRevision,
  findEqualRevisions,
  nextRevision,
  revisionNumber,
  revisionsToTruncate,
  sortControllerRevisions,
} from '../shared/controller-history.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { claimObjects } from '../shared/controller-ref-manager.js';
import { isPodReady, untilAvailable } from '../shared/pod-state.js';
import { slowStartBatch } from '../shared/slow-start.js';
import { isMemberOf, parentNameAndOrdinal, podRevision, updateIdentity } from './stateful-pod.js';
import { planStatefulSet, type StatefulSetAction } from './stateful-set-plan.js';
import { newRevision } from './stateful-set-revision.js';
import { completeRollingUpdate, statusChanged } from './stateful-set-status.js';

export interface StatefulSetControllerOptions extends ControllerOptions {}

const apiVersion = 'apps/v1';
const kind = 'StatefulSet';

export async function runStatefulSetController(
  opts: StatefulSetControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const sets = informers.informerFor<StatefulSet>('StatefulSet');
  const pods = informers.informerFor<Pod>('Pod', {}, { [CONTROLLER_INDEX]: indexByController });
  const revisionInformer = informers.informerFor<ControllerRevision>('ControllerRevision');
  const setClient = clients.kind<StatefulSet>('StatefulSet');
  const podClient = clients.kind<Pod>('Pod');
  const history = createControllerHistory({
    client: clients.kind<ControllerRevision>('ControllerRevision'),
    informer: revisionInformer,
  });

  const controller = createController({
    name: 'statefulset',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });
  const enqueue = (set: StatefulSet) =>
    controller.enqueue({ namespace: set.metadata?.namespace ?? '', name: set.metadata?.name ?? '' });

  /** The StatefulSet that controls `pod`, when it still exists with the referenced uid. */
  const ownerOf = (pod: Pod): StatefulSet | undefined => {
    const ref = controllerOf(pod);
    if (ref?.kind !== kind) return undefined;
    const set = sets.indexer.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
    return set?.metadata?.uid === ref.uid ? set : undefined;
  };
  /** Sets that may adopt an orphan: its name makes it their member and their selector matches. */
  const enqueueAdopters = (pod: Pod) => {
    for (const set of sets.indexer.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '')) {
      if (!isMemberOf(set, pod)) continue;
      try {
        if (matches(fromLabelSelector(set.spec?.selector), pod.metadata?.labels ?? {})) enqueue(set);
      } catch {
        // An invalid selector adopts nothing.
      }
    }
  };
  const enqueueOwner = (pod: Pod) => {
    const set = ownerOf(pod);
    if (set) enqueue(set);
  };

  pods.addEventHandler({
    onAdd(pod) {
      if (controllerOf(pod)) enqueueOwner(pod);
      else if (pod.metadata?.deletionTimestamp === undefined) enqueueAdopters(pod);
    },
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const oldRef = controllerOf(old);
      const curRef = controllerOf(cur);
      if (oldRef && oldRef.uid !== curRef?.uid) enqueueOwner(old);
      if (curRef) {
        const set = ownerOf(cur);
        if (!set) return;
        enqueue(set);
        // Becoming ready: it becomes available minReadySeconds later.
        const minReady = set.spec?.minReadySeconds ?? 0;
        if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
          controller.queue.addAfter(keyOf(set), minReady * 1000 + 50);
        }
        return;
      }
      const labelsChanged = JSON.stringify(old.metadata?.labels) !== JSON.stringify(cur.metadata?.labels);
      if (labelsChanged || oldRef) enqueueAdopters(cur);
    },
    onDelete(obj) {
      const pod = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      enqueueOwner(pod);
      // Its name is free again: a set that could not create it (someone else's pod held it) can now.
      const { parent } = parentNameAndOrdinal(pod.metadata?.name ?? '');
      const named = sets.indexer.get(`${pod.metadata?.namespace ?? ''}/${parent}`);
      if (named && named.metadata?.uid !== controllerOf(pod)?.uid) enqueue(named);
    },
  });
  controller.watch(sets);

  async function sync(namespace: string, name: string) {
    const cached = sets.indexer.get(`${namespace}/${name}`);
    if (!cached) return undefined;
    const set: StatefulSet = { ...cached, apiVersion, kind };
    let selector: Selector;
    try {
      selector = fromLabelSelector(set.spec?.selector);
    } catch (err) {
      throw new TerminalError(
        `StatefulSet ${namespace}/${name} has an invalid selector: ${(err as Error).message}`,
      );
    }
    const recheck = () => setClient.get(namespace, name);
    const members = controlledOrOrphaned(pods.indexer, set).filter((p) => isMemberOf(set, p));
    const owned = await claimObjects(members, { owner: set, selector, client: podClient, recheck });
    const revisions = sortControllerRevisions(await history.claim(set, selector, recheck));

    const { current, update, collisionCount } = await revisionsOf(set, revisions);
    const now = Date.now();
    const plan = planStatefulSet({
      set,
      pods: owned,
      currentRevision: current,
      updateRevision: update,
      collisionCount,
      now,
    });
    let status: StatefulSetStatus = { ...plan.status };
    let failure: unknown;
    for (const step of plan.steps) {
      const { successes, error } = await slowStartBatch(step.length, 1, async (i) => {
        const action = step[i] as StatefulSetAction;
        await perform(set, action);
        if (action.type === 'delete' && action.forUpdate) status.currentReplicas--;
      });
      if (error !== undefined) {
        failure = error;
        logger.debug({ statefulSet: `${namespace}/${name}`, successes }, 'a step of the reconcile failed');
        break;
      }
    }
    status = completeRollingUpdate(set, status);
    if (statusChanged(cached.status, status)) await writeStatus(set, status);
    await truncateHistory(set, owned, revisions, current, update);
    if (failure !== undefined) throw failure;

    const minReady = set.spec?.minReadySeconds ?? 0;
    let next: number | undefined;
    for (const pod of owned) {
      const left = untilAvailable(pod, minReady, now);
      if (left !== undefined) next = Math.min(next ?? left, left);
    }
    return next === undefined ? undefined : { requeueAfter: next + 50 };
  }

  /**
   * The update revision (made or renumbered when the template changed) and the current
   * one, with the collisionCount the update revision was created under.
   */
  async function revisionsOf(
    set: StatefulSet,
    revisions: readonly ControllerRevision[],
  ): Promise<{ current: ControllerRevision; update: ControllerRevision; collisionCount: number }> {
    let collisionCount = set.status?.collisionCount ?? 0;
    const candidate = newRevision(set, nextRevision(revisions), collisionCount);
    const equal = findEqualRevisions(revisions, candidate);
    const newest = revisions[revisions.length - 1];
    const lastEqual = equal[equal.length - 1];
    let update: ControllerRevision;
    if (lastEqual) {
      // Back to an earlier template, that revision becomes the newest.
      update = equalRevision(newest, lastEqual)
        ? lastEqual
        : await history.updateRevisionNumber(lastEqual, revisionNumber(candidate));
      collisionCount = collisionCountOf(update, update.data, collisionCount) ?? collisionCount;
    } else {
      const created = await history.create(set, candidate, collisionCount);
      update = created.revision;
      collisionCount = created.collisionCount;
    }
    const current = revisions.find((r) => r.metadata?.name === set.status?.currentRevision) ?? update;
    return { current, update, collisionCount };
  }

  async function perform(set: StatefulSet, action: StatefulSetAction): Promise<void> {
    const pod = action.pod;
    const podName = pod.metadata?.name ?? '';
    const setName = set.metadata?.name ?? '';
    const verb = action.type;
    const succeeded = () =>
      events.event(
        set,
        'Normal',
        `Successful${capitalized(verb)}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} successful`,
      );
    const failed = (err: unknown) =>
      events.event(
        set,
        'Warning',
        `Failed${capitalized(verb)}`,
        `${verb} Pod ${podName} in StatefulSet ${setName} failed error: ${(err as Error).message}`,
      );
    try {
      if (action.type === 'create') await podClient.create(pod);
      else if (action.type === 'update') await updatePod(set, pod);
      else {
        await podClient.delete(pod.metadata?.namespace ?? '', podName, {
          preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
        });
      }
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (action.type === 'delete' && err.code === Code.NOT_FOUND) return;
      if (action.type === 'create' && err.code === Code.ALREADY_EXISTS) {
        // Not in the cache yet: it is ours, made by an earlier reconcile; its event brings us back.
        if (!pods.indexer.has(keyOf(pod))) return;
        const foreign = new ApiError(
          Code.ALREADY_EXISTS,
          `pod ${podName} exists but is not controlled by StatefulSet ${setName}: delete it, or give it labels the set's selector matches and no other controller, so that the set adopts it`,
        );
        failed(foreign);
        throw foreign;
      }
      // A namespace being deleted refuses new pods: nothing to report, the set goes too.
      if (err.code === Code.FAILED_PRECONDITION && /terminat/i.test(err.message)) return;
      failed(err);
      throw err;
    }
    succeeded();
  }

  /** Writes a pod's restored identity; on a conflict, restores it on the pod as it is now. */
  async function updatePod(set: StatefulSet, pod: Pod): Promise<void> {
    try {
      await podClient.update(pod);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ABORTED)) throw err;
      const fresh = await podClient.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      if (fresh.metadata?.uid !== pod.metadata?.uid) return;
      await podClient.update(updateIdentity(set, fresh));
    }
  }

  /** Deletes revisions beyond revisionHistoryLimit that neither the status nor any pod uses. */
  async function truncateHistory(
    set: StatefulSet,
    owned: readonly Pod[],
    revisions: readonly ControllerRevision[],
    current: ControllerRevision,
    update: ControllerRevision,
  ): Promise<void> {
    const live = new Set([
      current.metadata?.name ?? '',
      update.metadata?.name ?? '',
      ...owned.map(podRevision),
    ]);
    const limit = set.spec?.revisionHistoryLimit ?? 10;
    for (const revision of revisionsToTruncate(revisions, live, limit)) await history.delete(revision);
  }

  async function writeStatus(set: StatefulSet, status: StatefulSetStatus): Promise<void> {
    let target = set;
    for (let attempt = 0; ; attempt++) {
      try {
        await setClient.updateStatus(StatefulSet.fromPartial({ ...target, status }));
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 1) throw err;
        target = await setClient.get(set.metadata?.namespace ?? '', set.metadata?.name ?? '');
        if (target.metadata?.uid !== set.metadata?.uid) return;
      }
    }
  }

  await Promise.all([pods.waitForSync(signal), revisionInformer.waitForSync(signal)]);
  await controller.run(signal);
}

function capitalized(verb: string): string {
  return verb.charAt(0).toUpperCase() + verb.slice(1);
}
