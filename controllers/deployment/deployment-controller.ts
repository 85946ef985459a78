/**
 * The Deployment controller (Kubernetes' DeploymentController): a Deployment becomes one
 * ReplicaSet per revision of its pod template, named `<deployment>-<pod-template-hash>`,
 * and a rollout moves pods from the old ones to the new one within the strategy's
 * bounds. One reconcile:
 *
 *  1. claim the ReplicaSets its selector matches (adopt, release);
 *  2. being deleted → status only; paused or a scaling event → resize proportionally;
 *  3. otherwise roll out (RollingUpdate or Recreate), one step per reconcile: create or
 *     grow the new ReplicaSet, else shrink old ones, else clean up old revisions;
 *  4. write the status with its Progressing and Available conditions, and come back
 *     when the progress deadline would pass.
 */
import { createController, TerminalError } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Deployment, DeploymentStatus } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  DeletedFinalStateUnknown,
  indexByController,
  MutationCache,
  NAMESPACE_INDEX,
  recordWrites,
} from '../../sdk/informers/index.js';
import { fromLabelSelector, isEmpty, matches, type Selector } from '../../sdk/labels/index.js';
import { controllerOf } from '../../sdk/owner-references.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { claimObjects } from '../shared/controller-ref-manager.js';
import {
  AVAILABLE,
  actualReplicas,
  availableReplicas,
  DESIRED_REPLICAS_ANNOTATION,
  deploymentComplete,
  deploymentProgressing,
  deploymentTimedOut,
  getCondition,
  MAX_REPLICAS_ANNOTATION,
  maxRevision,
  maxSurge,
  maxUnavailable,
  newCondition,
  PROGRESSING,
  progressDeadline,
  REPLICA_FAILURE,
  REVISION_ANNOTATION,
  readyReplicas,
  removeCondition,
  replicasOf,
  revisionOf,
  sameStatus,
  setCondition,
  setNewReplicaSetAnnotations,
  specReplicas,
} from './deployment-util.js';
import {
  canonicalTemplate,
  computeHash,
  equalIgnoreHash,
  POD_TEMPLATE_HASH_LABEL,
} from './pod-template-hash.js';
import {
  isScalingEvent,
  newReplicaSetReplicas,
  oldReplicaSetsScaleDown,
  proportionalScale,
  recreateScaleDown,
  type ScaleStep,
} from './rollout-plan.js';
import { scalePatch } from './scale-patch.js';
import { applyScaleSteps, ResizeGuardError, type ScaleOutcome } from './scale-steps.js';

export interface DeploymentControllerOptions extends ControllerOptions {}

type Result = { requeueAfter?: number } | undefined;

const created = (rs: ReplicaSet) => rs.metadata?.creationTimestamp?.getTime() ?? 0;
const oldestFirst = (a: ReplicaSet, b: ReplicaSet) =>
  created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');

export async function runDeploymentController(
  opts: DeploymentControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const deployments = informers.informerFor<Deployment>('Deployment');
  // Indexed by controller: a sync reads its own ReplicaSets and the namespace's orphans,
  // not every ReplicaSet of the namespace (which made a burst of Deployments quadratic).
  const replicaSets = informers.informerFor<ReplicaSet>(
    'ReplicaSet',
    {},
    { [CONTROLLER_INDEX]: indexByController },
  );
  const pods = informers.informerFor<Pod>('Pod', {}, { [CONTROLLER_INDEX]: indexByController });
  // A sync often runs before the watch shows the writes of the one before it (each write
  // queues the key again, and so do the ReplicaSets' changes): reads go through the
  // controller's own last writes, so that the next write does not start from a
  // resourceVersion the apiserver has moved past.
  const dWrites = new MutationCache(deployments);
  const rsWrites = new MutationCache(replicaSets);
  const dClient = recordWrites(clients.kind<Deployment>('Deployment'), dWrites);
  const rsClient = recordWrites(clients.kind<ReplicaSet>('ReplicaSet'), rsWrites);

  const controller = createController({
    name: 'deployment',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => syncUnlessGone(namespace, name),
  });

  /**
   * Per Deployment key, the inputs (resourceVersions of the Deployment and of the
   * ReplicaSets it reads) of its last sync that wrote nothing and had nothing to come back
   * for. A sync is a function of those inputs (and of the clock only when it asks to be
   * requeued, and of pods only for Recreate), so the same inputs again would do nothing
   * again: while a ReplicaSet scales up, every write of the Deployment's own status queues
   * one more sync that finds exactly that.
   */
  const settled = new Map<string, string>();
  const inputsOf = (d: Deployment, rss: readonly ReplicaSet[]): string => {
    let s = `${d.metadata?.uid}@${d.metadata?.resourceVersion}`;
    for (const rs of rss) s += ` ${rs.metadata?.uid}@${rs.metadata?.resourceVersion}`;
    return s;
  };
  const readInputs = (d: Deployment) => rsWrites.overlay(controlledOrOrphaned(replicaSets.indexer, d));

  /**
   * The canonical form of a template (without the hash label) per object uid and
   * generation: the template is part of the spec, so it changes only with the generation,
   * and a ReplicaSet's status writes (most of its updates) leave it be.
   */
  const templateKeys = new Map<string, { generation: string; key: string }>();
  const TEMPLATE_KEYS_MAX = 50_000;
  function templateKey(obj: Deployment | ReplicaSet): string {
    const uid = obj.metadata?.uid ?? '';
    const generation = obj.metadata?.generation ?? '';
    if (uid === '' || generation === '' || generation === '0')
      return canonicalTemplate(obj.spec?.template, true);
    const hit = templateKeys.get(uid);
    if (hit?.generation === generation) return hit.key;
    const key = canonicalTemplate(obj.spec?.template, true);
    // Entries of deleted objects are not tracked; a bound keeps them from piling up.
    if (templateKeys.size >= TEMPLATE_KEYS_MAX) templateKeys.clear();
    templateKeys.set(uid, { generation, key });
    return key;
  }

  /**
   * A sync whose write finds the Deployment gone (deleted after the sync read it from the
   * informer, which has not shown the deletion yet) has nothing left to do: its
   * ReplicaSets go with the garbage collector, and the deletion's event ends the key.
   */
  async function syncUnlessGone(namespace: string, name: string): Promise<Result> {
    const uid = dWrites.get(`${namespace}/${name}`)?.metadata?.uid;
    try {
      return await sync(namespace, name);
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
      let gone: boolean;
      try {
        gone = (await dClient.get(namespace, name)).metadata?.uid !== uid;
      } catch (getErr) {
        if (!(getErr instanceof ApiError && getErr.code === Code.NOT_FOUND)) throw err;
        gone = true;
      }
      if (!gone) throw err;
      settled.delete(`${namespace}/${name}`);
      logger.debug({ deployment: `${namespace}/${name}` }, 'deployment has been deleted');
      return undefined;
    }
  }

  const deploymentsFor = (obj: ReplicaSet | Pod): { namespace: string; name: string }[] => {
    const ns = obj.metadata?.namespace ?? '';
    const ref = controllerOf(obj);
    if (ref) return ref.kind === 'Deployment' ? [{ namespace: ns, name: ref.name }] : [];
    // An orphan: the Deployments that may adopt it.
    return deployments.indexer
      .byIndex(NAMESPACE_INDEX, ns)
      .filter((d) => {
        try {
          const s = fromLabelSelector(d.spec?.selector);
          return !isEmpty(s) && matches(s, obj.metadata?.labels ?? {});
        } catch {
          return false;
        }
      })
      .map((d) => ({ namespace: ns, name: d.metadata?.name ?? '' }));
  };
  controller.watch(deployments);
  controller.watch(replicaSets, deploymentsFor);
  replicaSets.addEventHandler({
    onUpdate(old, cur) {
      // A changed controller: the previous owner has one ReplicaSet less.
      if (controllerOf(old)?.uid !== controllerOf(cur)?.uid)
        for (const r of deploymentsFor(old)) controller.enqueue(r);
    },
  });
  // Recreate waits for the old pods to be gone: their deletions wake it up.
  pods.addEventHandler({
    onDelete(obj) {
      const pod = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      const ref = controllerOf(pod);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = replicaSets.indexer.get(`${pod.metadata?.namespace ?? ''}/${ref.name}`);
      if (!rs) return;
      for (const r of deploymentsFor(rs)) {
        const d = deployments.indexer.get(`${r.namespace}/${r.name}`);
        if (d?.spec?.strategy?.type === 'Recreate') controller.enqueue(r);
      }
    },
  });

  async function sync(namespace: string, name: string): Promise<Result> {
    const key = `${namespace}/${name}`;
    const cached = dWrites.get(key);
    if (!cached) {
      settled.delete(key);
      return undefined;
    }
    const recreate = cached.spec?.strategy?.type === 'Recreate';
    const inputs = inputsOf(cached, readInputs(cached));
    if (!recreate && settled.get(key) === inputs) return undefined;
    settled.delete(key);
    const result = await reconcile(namespace, name, cached);
    // Nothing written (every write lands in the mutation caches, which the inputs read) and
    // no deadline to come back for: the same inputs would lead here again.
    const after = dWrites.get(key);
    if (!recreate && result === undefined && after && inputsOf(after, readInputs(after)) === inputs)
      settled.set(key, inputs);
    return result;
  }

  async function reconcile(namespace: string, name: string, cached: Deployment): Promise<Result> {
    // Read only, like the ReplicaSets: every change is made on a copy (statuses are built
    // anew, setDeploymentRevision copies), so the informer's object is not copied here.
    let d: Deployment = withKind(cached);
    let selector: Selector;
    try {
      selector = fromLabelSelector(d.spec?.selector);
    } catch (err) {
      throw new TerminalError(
        `Deployment ${namespace}/${name} has an invalid selector: ${(err as Error).message}`,
      );
    }
    if (isEmpty(selector)) {
      events.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      return undefined;
    }
    // The informer's objects, read only: the one ReplicaSet a sync edits in place is copied
    // first (newReplicaSetOf).
    const rsList = await claimObjects(readInputs(d), {
      owner: d,
      selector,
      client: rsClient,
      recheck: () => dClient.get(namespace, name),
    });

    if (d.metadata?.deletionTimestamp !== undefined) {
      const { newRS, oldRSs } = split(d, rsList);
      await writeStatus(d, calculateStatus(d, newRS, oldRSs));
      return undefined;
    }
    d = await checkPausedConditions(d);
    if (d.spec?.paused || isScalingEvent(d, rsList)) return scaleOnly(d, rsList);
    return d.spec?.strategy?.type === 'Recreate' ? rolloutRecreate(d, rsList) : rolloutRolling(d, rsList);
  }

  /** The new ReplicaSet (the oldest whose template is the Deployment's) and the others. */
  function split(
    d: Deployment,
    rsList: ReplicaSet[],
  ): { newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] } {
    const sorted = [...rsList].sort(oldestFirst);
    const want = templateKey(d);
    const newRS = sorted.find((rs) => templateKey(rs) === want);
    return { newRS, oldRSs: sorted.filter((rs) => rs !== newRS) };
  }

  /**
   * The new ReplicaSet with its revision (max old revision + 1) and annotations brought
   * up to date, created when `create` and missing; the Deployment's revision annotation
   * follows it.
   */
  async function newReplicaSetOf(
    d: Deployment,
    rsList: ReplicaSet[],
    create: boolean,
  ): Promise<{ d: Deployment; newRS: ReplicaSet | undefined; oldRSs: ReplicaSet[] }> {
    const { newRS: existing, oldRSs } = split(d, rsList);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      let newRS = existing;
      // Only the annotations and minReadySeconds may change: copies of those parts, not a
      // deep copy of the whole ReplicaSet on every sync.
      const edited: ReplicaSet = {
        ...existing,
        metadata: existing.metadata && {
          ...existing.metadata,
          annotations: { ...existing.metadata.annotations },
        },
        spec: existing.spec && { ...existing.spec },
      };
      const annotated = setNewReplicaSetAnnotations(d, edited, newRevision, true);
      const minReadySeconds = d.spec?.minReadySeconds ?? 0;
      if (annotated || edited.spec?.minReadySeconds !== minReadySeconds) {
        if (edited.spec) edited.spec.minReadySeconds = minReadySeconds;
        newRS = await rsClient.update(edited);
      }
      d = await setDeploymentRevision(d, revisionOf(newRS));
      if (!getCondition(d.status, PROGRESSING) && progressDeadline(d) !== undefined) {
        const status = structuredClone(d.status ?? calculateStatus(d, newRS, oldRSs));
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            'True',
            'FoundNewReplicaSet',
            `Found new replica set "${newRS.metadata?.name}"`,
          ),
        );
        d = await writeStatus(d, status);
      }
      return { d, newRS, oldRSs };
    }
    if (!create) return { d, newRS: undefined, oldRSs };

    const collisionCount = d.status?.collisionCount;
    const hash = computeHash(d.spec?.template, collisionCount);
    const template = structuredClone(d.spec?.template);
    if (template?.metadata)
      template.metadata.labels = { ...template.metadata.labels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const selector = structuredClone(d.spec?.selector);
    if (selector) selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const name = `${d.metadata?.name}-${hash}`;
    const candidate = ReplicaSet.fromPartial({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: d.metadata?.namespace ?? '',
        labels: { ...template?.metadata?.labels },
        annotations: {},
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata?.name ?? '',
            uid: d.metadata?.uid ?? '',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas: 0,
        minReadySeconds: d.spec?.minReadySeconds ?? 0,
        ...(selector ? { selector } : {}),
        ...(template ? { template } : {}),
      },
    });
    const replicas = newReplicaSetReplicas(d, rsList, undefined);
    if (candidate.spec) candidate.spec.replicas = replicas;
    setNewReplicaSetAnnotations(d, candidate, newRevision, false);
    let newRS: ReplicaSet;
    try {
      newRS = await rsClient.create(candidate);
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.ALREADY_EXISTS) {
        const found = await rsClient.get(d.metadata?.namespace ?? '', name);
        // Ours, with this template: the informer has not shown it yet.
        if (
          controllerOf(found)?.uid === d.metadata?.uid &&
          equalIgnoreHash(found.spec?.template, d.spec?.template)
        ) {
          return { d, newRS: found, oldRSs };
        }
        // Another template hashed to this name: change the hash and try again.
        const status = structuredClone(d.status ?? calculateStatus(d, undefined, oldRSs));
        status.collisionCount = (status.collisionCount ?? 0) + 1;
        await writeStatus(d, status);
        throw new Error(
          `replica set ${name} exists with another template; collisionCount is now ${status.collisionCount}`,
        );
      }
      if (progressDeadline(d) !== undefined) {
        const status = structuredClone(d.status ?? calculateStatus(d, undefined, oldRSs));
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            'False',
            'ReplicaSetCreateError',
            `Failed to create new replica set "${name}": ${(err as Error).message}`,
          ),
        );
        await writeStatus(d, status).catch(() => undefined);
      }
      events.event(
        d,
        'Warning',
        'FailedCreate',
        `Failed to create new replica set "${name}": ${(err as Error).message}`,
      );
      throw err;
    }
    if (replicas > 0)
      events.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${name} to ${replicas} from 0`);
    d = await setDeploymentRevision(d, revisionOf(newRS));
    if (progressDeadline(d) !== undefined) {
      const status = structuredClone(d.status ?? calculateStatus(d, newRS, oldRSs));
      setCondition(
        status,
        newCondition(PROGRESSING, 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`),
      );
      d = await writeStatus(d, status);
    }
    return { d, newRS, oldRSs };
  }

  async function setDeploymentRevision(d: Deployment, revision: number): Promise<Deployment> {
    const current = d.metadata?.annotations?.[REVISION_ANNOTATION];
    if (revision === 0 || current === String(revision) || !d.metadata) return d;
    const next = structuredClone(d);
    if (next.metadata)
      next.metadata.annotations = { ...next.metadata.annotations, [REVISION_ANNOTATION]: String(revision) };
    return withKind(await dClient.update(next));
  }

  /**
   * Resizes a ReplicaSet, records the event, and returns it as written: a patch that
   * holds what the step was decided from (scale-patch.ts), so that the ReplicaSet
   * controller's status writes do not make it conflict.
   */
  async function scale(d: Deployment, step: ScaleStep): Promise<ReplicaSet> {
    const from = replicasOf(step.rs);
    const meta = step.rs.metadata;
    const patch = scalePatch(step.rs, step.replicas, {
      [DESIRED_REPLICAS_ANNOTATION]: String(replicasOf(d)),
      [MAX_REPLICAS_ANNOTATION]: String(replicasOf(d) + maxSurge(d)),
    });
    let written: ReplicaSet;
    try {
      written = (await clients.api.patch(
        rsClient.info,
        meta?.namespace ?? '',
        meta?.name ?? '',
        PatchType.PATCH_TYPE_JSON,
        patch,
      )) as ReplicaSet;
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.INVALID_ARGUMENT && /test failed/.test(err.message))
        throw new ResizeGuardError(step.rs, step.replicas, err.message);
      throw err;
    }
    rsWrites.mutated(written);
    if (from !== step.replicas) {
      const dir = step.replicas > from ? 'up' : 'down';
      events.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${dir} replica set ${meta?.name} to ${step.replicas} from ${from}`,
      );
    }
    return written;
  }

  /**
   * Writes `plan(rsList)` and returns `rsList` as written; a step refused because only
   * the ReplicaSet's status moved is decided again from the apiserver's copy
   * (scale-steps.ts).
   */
  async function apply(
    d: Deployment,
    rsList: ReplicaSet[],
    plan: (rss: readonly ReplicaSet[]) => readonly ScaleStep[],
  ): Promise<ScaleOutcome> {
    const outcome = await applyScaleSteps(rsList, plan, {
      write: (step) => scale(d, step),
      read: async (rs) => {
        const now = await rsClient.get(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '');
        // A later state than the informer's, like a write's answer: the next sync reads it too.
        rsWrites.mutated(now);
        return now;
      },
    });
    if (outcome.redecided)
      logger.debug(
        { deployment: `${d.metadata?.namespace}/${d.metadata?.name}` },
        'resize decided again after a status write',
      );
    return outcome;
  }

  async function scaleOnly(d: Deployment, rsList: ReplicaSet[]): Promise<Result> {
    const got = await newReplicaSetOf(d, rsList, false);
    d = got.d;
    // The new ReplicaSet, when there is one, first.
    const hasNew = got.newRS !== undefined;
    const parts = (rss: readonly ReplicaSet[]) =>
      hasNew ? { newRS: rss[0], oldRSs: rss.slice(1) } : { newRS: undefined, oldRSs: [...rss] };
    const scaled = await apply(d, [...(got.newRS ? [got.newRS] : []), ...got.oldRSs], (rss) => {
      const { newRS, oldRSs } = parts(rss);
      return proportionalScale(d, newRS, oldRSs);
    });
    const { newRS, oldRSs } = parts(scaled.rss);
    if (d.spec?.paused) await cleanup(d, oldRSs);
    const status = calculateStatus(d, newRS, oldRSs);
    await writeStatus(d, status);
    return undefined;
  }

  async function rolloutRolling(d: Deployment, rsList: ReplicaSet[]): Promise<Result> {
    const got = await newReplicaSetOf(d, rsList, true);
    d = got.d;
    let newRS = got.newRS;
    let oldRSs = got.oldRSs;
    const all = [...(newRS ? [newRS] : []), ...oldRSs];
    if (newRS) {
      const replicas = replicasOf(d);
      const target = replicasOf(newRS) > replicas ? replicas : newReplicaSetReplicas(d, all, newRS);
      if (target !== replicasOf(newRS)) {
        newRS = await scale(d, { rs: newRS, replicas: target });
        return syncRolloutStatus(d, newRS, oldRSs);
      }
    }
    const down = await apply(d, oldRSs, (olds) => oldReplicaSetsScaleDown(d, olds, newRS));
    oldRSs = down.rss;
    if (down.written > 0) return syncRolloutStatus(d, newRS, oldRSs);
    if (deploymentComplete(d, calculateStatus(d, newRS, oldRSs))) await cleanup(d, oldRSs);
    return syncRolloutStatus(d, newRS, oldRSs);
  }

  async function rolloutRecreate(d: Deployment, rsList: ReplicaSet[]): Promise<Result> {
    const got = await newReplicaSetOf(d, rsList, false);
    d = got.d;
    let newRS = got.newRS;
    let oldRSs = got.oldRSs;
    const down = await apply(d, oldRSs, recreateScaleDown);
    oldRSs = down.rss;
    if (down.written > 0) return syncRolloutStatus(d, newRS, oldRSs);
    // Old pods still running: the new ones must not start beside them.
    const oldPodsLeft =
      oldRSs.some((rs) => (rs.status?.replicas ?? 0) > 0) ||
      oldRSs.some((rs) =>
        pods.indexer
          .byIndex(CONTROLLER_INDEX, rs.metadata?.uid ?? '')
          .some((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '')),
      );
    if (oldPodsLeft) return syncRolloutStatus(d, newRS, oldRSs);
    if (!newRS) {
      const created = await newReplicaSetOf(d, rsList, true);
      d = created.d;
      newRS = created.newRS;
    }
    if (newRS && replicasOf(newRS) !== replicasOf(d))
      newRS = await scale(d, { rs: newRS, replicas: replicasOf(d) });
    if (deploymentComplete(d, calculateStatus(d, newRS, oldRSs))) await cleanup(d, oldRSs);
    return syncRolloutStatus(d, newRS, oldRSs);
  }

  /** Deletes the oldest old ReplicaSets with no pods beyond revisionHistoryLimit. */
  async function cleanup(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined) return;
    const cleanable = oldRSs.filter(
      (rs) =>
        rs.metadata?.deletionTimestamp === undefined &&
        replicasOf(rs) === 0 &&
        (rs.status?.replicas ?? 0) === 0 &&
        BigInt(rs.metadata?.generation ?? '0') <= BigInt(rs.status?.observedGeneration ?? '0'),
    );
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || oldestFirst(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      try {
        await rsClient.delete(rs.metadata?.namespace ?? '', rs.metadata?.name ?? '', {
          preconditions: { uid: rs.metadata?.uid ?? '', resourceVersion: '' },
        });
      } catch (err) {
        if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
      }
    }
  }

  function calculateStatus(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
  ): DeploymentStatus {
    const all = [...(newRS ? [newRS] : []), ...oldRSs];
    const available = availableReplicas(all);
    const status: DeploymentStatus = {
      observedGeneration: d.metadata?.generation ?? '0',
      replicas: actualReplicas(all),
      updatedReplicas: actualReplicas([newRS]),
      readyReplicas: readyReplicas(all),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, specReplicas(all) - available),
      // setCondition and removeCondition replace entries rather than edit them.
      conditions: [...(d.status?.conditions ?? [])],
      ...(d.status?.collisionCount !== undefined ? { collisionCount: d.status.collisionCount } : {}),
    };
    if (available >= replicasOf(d) - maxUnavailable(d)) {
      setCondition(
        status,
        newCondition(AVAILABLE, 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
      );
    } else {
      setCondition(
        status,
        newCondition(
          AVAILABLE,
          'False',
          'MinimumReplicasUnavailable',
          'Deployment does not have minimum availability.',
        ),
      );
    }
    return status;
  }

  /** The status of a rollout with its Progressing condition; requeues for the deadline. */
  async function syncRolloutStatus(
    d: Deployment,
    newRS: ReplicaSet | undefined,
    oldRSs: ReplicaSet[],
  ): Promise<Result> {
    const status = calculateStatus(d, newRS, oldRSs);
    const now = Date.now();
    if (progressDeadline(d) === undefined) removeCondition(status, PROGRESSING);
    const current = getCondition(status, PROGRESSING);
    const complete =
      status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (progressDeadline(d) !== undefined && !complete) {
      const rsName = newRS?.metadata?.name ?? '';
      if (deploymentComplete(d, status)) {
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${rsName}" has successfully progressed.`,
          ),
        );
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${rsName}" is progressing.` : 'Deployment is progressing.';
        const cond = newCondition(PROGRESSING, 'True', 'ReplicaSetUpdated', msg, new Date(now));
        if (current?.status === 'True' && current.lastTransitionTime)
          cond.lastTransitionTime = current.lastTransitionTime;
        // Progress restarts the deadline: lastUpdateTime is now.
        removeCondition(status, PROGRESSING);
        setCondition(status, cond);
      } else if (deploymentTimedOut(d, status, now)) {
        setCondition(
          status,
          newCondition(
            PROGRESSING,
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${rsName}" has timed out progressing.`,
          ),
        );
      }
    }
    const failure = [...(newRS ? [newRS] : []), ...oldRSs]
      .flatMap((rs) => rs.status?.conditions ?? [])
      .find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
    if (failure) {
      setCondition(status, newCondition(REPLICA_FAILURE, failure.status, failure.reason, failure.message));
    } else removeCondition(status, REPLICA_FAILURE);
    await writeStatus(d, status);
    return requeueStuck(d, status, now);
  }

  /** When a rollout that is not progressing would pass its deadline: look again then. */
  function requeueStuck(d: Deployment, status: DeploymentStatus, now: number): Result {
    const deadline = progressDeadline(d);
    const cond = getCondition(status, PROGRESSING);
    if (deadline === undefined || !cond) return undefined;
    if (
      deploymentComplete(d, status) ||
      cond.reason === 'ProgressDeadlineExceeded' ||
      cond.reason === 'NewReplicaSetAvailable'
    )
      return undefined;
    const from = cond.lastUpdateTime?.getTime() ?? now;
    return { requeueAfter: Math.max(0, from + deadline * 1000 - now) + 100 };
  }

  /** Progressing=Unknown DeploymentPaused while paused, DeploymentResumed once resumed. */
  async function checkPausedConditions(d: Deployment): Promise<Deployment> {
    const cond = getCondition(d.status, PROGRESSING);
    if (cond?.reason === 'ProgressDeadlineExceeded') return d;
    const pausedCond = cond?.reason === 'DeploymentPaused';
    if (Boolean(d.spec?.paused) === pausedCond) return d;
    const status = structuredClone(d.status ?? calculateStatus(d, undefined, []));
    if (pausedCond) {
      setCondition(
        status,
        newCondition(PROGRESSING, 'Unknown', 'DeploymentResumed', 'Deployment is resumed'),
      );
    } else {
      setCondition(status, newCondition(PROGRESSING, 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    }
    return writeStatus(d, status);
  }

  function withKind(d: Deployment): Deployment {
    return { ...d, apiVersion: 'apps/v1', kind: 'Deployment' };
  }

  /** Writes `status` unless it is what is stored; returns the Deployment as stored. */
  async function writeStatus(d: Deployment, status: DeploymentStatus): Promise<Deployment> {
    // Only the status differs between the two: comparing it alone is comparing both. The
    // field-by-field check settles the common case without serializing.
    if (
      d.status &&
      (sameStatus(status, d.status) ||
        JSON.stringify(DeploymentStatus.toJSON(status)) === JSON.stringify(DeploymentStatus.toJSON(d.status)))
    )
      return d;
    const written = await dClient.updateStatus(Deployment.fromPartial({ ...d, status }));
    return withKind(written);
  }

  await Promise.all([pods.waitForSync(signal)]);
  await controller.run(signal);
}
