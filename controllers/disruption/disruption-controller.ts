/**
 * The disruption controller (Kubernetes' DisruptionController): keeps the status of every
 * PodDisruptionBudget true to the pods it covers, so that the eviction subresource can
 * decide from the status alone.
 *
 * One reconcile of a budget reads the pods its selector matches in its namespace, the
 * scale of their controllers (ReplicaSet, the Deployment above a ReplicaSet, StatefulSet)
 * when the budget needs it, and the evictions it has not yet seen complete
 * (`status.disruptedPods`, written by the eviction subresource); it writes the status only
 * when it changed. A budget whose status cannot be computed (a pod's controller is
 * missing) gets disruptionsAllowed 0 and DisruptionAllowed=False/SyncFailed, so evictions
 * stop rather than guess. A pending eviction is looked at again when its 2-minute wait ends.
 */
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  PodDisruptionBudget,
  type PodDisruptionBudgetStatus,
} from '../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { DeletedFinalStateUnknown, NAMESPACE_INDEX } from '../../sdk/informers/index.js';
import { fromLabelSelector, matches } from '../../sdk/labels/index.js';
import { controllerOf } from '../../sdk/owner-references.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import {
  budgetStatus,
  countHealthy,
  expectedCount,
  failSafeStatus,
  pendingDisruptions,
  type ScaleOf,
  statusChanged,
} from './budget-status.js';

export interface DisruptionControllerOptions extends ControllerOptions {
  readonly now?: () => number;
}

const apiVersion = 'policy/v1';
const kind = 'PodDisruptionBudget';
const appsGroups = ['apps/v1', 'extensions/v1beta1'];

/** Whether the budget's selector matches the pod; an invalid selector matches nothing. */
function covers(pdb: PodDisruptionBudget, pod: Pod): boolean {
  try {
    return matches(fromLabelSelector(pdb.spec?.selector), pod.metadata?.labels ?? {});
  } catch {
    return false;
  }
}

export async function runDisruptionController(
  opts: DisruptionControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const now = opts.now ?? Date.now;
  const budgets = informers.informerFor<PodDisruptionBudget>('PodDisruptionBudget');
  const pods = informers.informerFor<Pod>('Pod');
  const replicaSets = informers.informerFor<ReplicaSet>('ReplicaSet');
  const deployments = informers.informerFor<Deployment>('Deployment');
  const statefulSets = informers.informerFor<StatefulSet>('StatefulSet');
  const client = clients.kind<PodDisruptionBudget>('PodDisruptionBudget');

  const controller = createController({
    name: 'disruption',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });

  /** The budgets covering a pod; Kubernetes picks one and reports the others on the pod. */
  const budgetsFor = (pod: Pod): PodDisruptionBudget[] =>
    budgets.indexer.byIndex(NAMESPACE_INDEX, pod.metadata?.namespace ?? '').filter((pdb) => covers(pdb, pod));
  const podChanged = (pod: Pod) => {
    const covering = budgetsFor(pod);
    const first = covering[0];
    if (!first) return;
    if (covering.length > 1) {
      events.event(
        { ...pod, apiVersion: 'v1', kind: 'Pod' },
        'Warning',
        'MultiplePodDisruptionBudgets',
        `Pod "${pod.metadata?.namespace ?? ''}"/"${pod.metadata?.name ?? ''}" matches multiple PodDisruptionBudgets.  Chose "${first.metadata?.name ?? ''}" arbitrarily.`,
      );
    }
    controller.enqueue({ namespace: first.metadata?.namespace ?? '', name: first.metadata?.name ?? '' });
  };
  pods.addEventHandler({
    onAdd: podChanged,
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      podChanged(cur);
      if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(cur.metadata?.labels)) podChanged(old);
    },
    onDelete: (obj) => podChanged(obj instanceof DeletedFinalStateUnknown ? obj.object : obj),
  });
  controller.watch(budgets);

  /** The scale of a pod's controller, from the informers' caches (Kubernetes' finders). */
  const scaleOf: ScaleOf = (pod) => {
    const ref = controllerOf(pod);
    const namespace = pod.metadata?.namespace ?? '';
    if (!ref || !appsGroups.includes(ref.apiVersion)) return undefined;
    if (ref.kind === 'ReplicaSet') {
      const rs = replicaSets.indexer.get(`${namespace}/${ref.name}`);
      if (rs?.metadata?.uid !== ref.uid) return undefined;
      const owner = controllerOf(rs);
      if (owner?.kind === 'Deployment' && appsGroups.includes(owner.apiVersion)) {
        const d = deployments.indexer.get(`${namespace}/${owner.name}`);
        if (d?.metadata?.uid !== owner.uid) return undefined;
        return { uid: owner.uid, replicas: d.spec?.replicas ?? 1 };
      }
      return { uid: ref.uid, replicas: rs.spec?.replicas ?? 1 };
    }
    if (ref.kind === 'StatefulSet') {
      const sts = statefulSets.indexer.get(`${namespace}/${ref.name}`);
      if (sts?.metadata?.uid !== ref.uid) return undefined;
      return { uid: ref.uid, replicas: sts.spec?.replicas ?? 1 };
    }
    return undefined;
  };

  async function sync(namespace: string, name: string) {
    const cached = budgets.indexer.get(`${namespace}/${name}`);
    if (!cached) return undefined;
    const pdb: PodDisruptionBudget = { ...cached, apiVersion, kind };
    try {
      return await trySync(pdb);
    } catch (err) {
      // A conflict means a newer budget is on its way: retry without failing safe.
      if (err instanceof ApiError && (err.code === Code.ABORTED || err.code === Code.NOT_FOUND)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      logger.warn({ podDisruptionBudget: `${namespace}/${name}`, err: message }, 'failed to sync budget');
      await writeStatus(pdb, failSafeStatus(pdb, message, new Date(now())));
      throw err;
    }
  }

  async function trySync(pdb: PodDisruptionBudget) {
    const selected = pods.indexer
      .byIndex(NAMESPACE_INDEX, pdb.metadata?.namespace ?? '')
      .filter((pod) => covers(pdb, pod));
    if (selected.length === 0) events.event(pdb, 'Normal', 'NoPods', 'No matching pods found');
    let counts: ReturnType<typeof expectedCount>;
    try {
      counts = expectedCount(pdb, selected, scaleOf);
    } catch (err) {
      events.event(
        pdb,
        'Warning',
        'CalculateExpectedPodCountFailed',
        `Failed to calculate the number of expected pods: ${(err as Error).message}`,
      );
      throw err;
    }
    if (counts.unmanagedPods.length > 0) {
      events.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector ?? {})}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    const t = now();
    const { disrupted, notDeleted, recheckAt } = pendingDisruptions(pdb, selected, t);
    for (const pod of notDeleted) {
      events.event(
        { ...pod, apiVersion: 'v1', kind: 'Pod' },
        'Warning',
        'NotDeleted',
        `Pod was expected by PDB ${pdb.metadata?.namespace ?? ''}/${pdb.metadata?.name ?? ''} to be deleted but it wasn't`,
      );
    }
    const status = budgetStatus(
      pdb,
      {
        currentHealthy: countHealthy(selected, disrupted, t),
        desiredHealthy: counts.desiredHealthy,
        expectedPods: counts.expectedPods,
      },
      disrupted,
      new Date(t),
    );
    if (statusChanged(pdb.status, status)) await writeStatus(pdb, status);
    return recheckAt === undefined ? undefined : { requeueAfter: Math.max(0, recheckAt - t) + 50 };
  }

  /**
   * Writes the status on the cached budget's resourceVersion: an eviction that changed
   * it meanwhile makes the write fail with ABORTED, and the retry sees the eviction.
   */
  async function writeStatus(pdb: PodDisruptionBudget, status: PodDisruptionBudgetStatus): Promise<void> {
    try {
      await client.updateStatus(PodDisruptionBudget.fromPartial({ ...pdb, status }));
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      throw err;
    }
  }

  await Promise.all([
    pods.waitForSync(signal),
    replicaSets.waitForSync(signal),
    deployments.waitForSync(signal),
    statefulSets.waitForSync(signal),
  ]);
  // A term that ended while the caches synced starts no workers (see the ReplicaSet controller).
  if (signal.aborted) return;
  await controller.run(signal);
}
