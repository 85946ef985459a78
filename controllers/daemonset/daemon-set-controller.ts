/**
 * The DaemonSet controller (Kubernetes' DaemonSetsController): one pod of each DaemonSet
 * on every node its template admits, kept current with its template, and its status
 * exact.
 *
 * One reconcile of a DaemonSet:
 *  1. make sure one ControllerRevision records its template (its hash labels new pods);
 *  2. claim the pods of its namespace (adopt matching orphans, release owned pods that
 *     stopped matching) and group them by the node they are for;
 *  3. when its expectations are satisfied (every create and delete it made earlier has
 *     been seen by the informer): the placement pass (create missing pods, delete extra,
 *     failed and misplaced ones), then, if nothing is pending, one rolling-update step;
 *     then delete old revisions beyond the history limit;
 *  4. write the status when it changed.
 *
 * Node events reconcile only the DaemonSets whose placement on that node changed (or
 * that have pods for a node that went), found through the cached DaemonSets and an
 * index of daemon pods by target node.
 */

import { createPodsStream } from '../../sdk/client/create-pods-stream.js';
import { createController, TerminalError } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod, type PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  DeletedFinalStateUnknown,
  indexByController,
  keyOf,
  NAMESPACE_INDEX,
} from '../../sdk/informers/index.js';
import { fromLabelSelector, matches, type Selector } from '../../sdk/labels/index.js';
import { controllerOf, controllerRef } from '../../sdk/owner-references.js';
import { createControllerHistory } from '../shared/controller-history.js';
import type { ControllerOptions } from '../shared/controller-options.js';
import { claimObjects } from '../shared/controller-ref-manager.js';
import { createExpectations } from '../shared/expectations.js';
import { isPodReady, untilAvailable } from '../shared/pod-state.js';
import { slowStartBatch } from '../shared/slow-start.js';
import { daemonPodTemplate, nodeNameAffinity, targetNodeName } from './daemon-pod-template.js';
import { compareDaemonPods, groupByNode } from './daemon-pods.js';
import { createDaemonSetHistory, hashOf } from './daemon-set-history.js';
import { calculateStatus, statusChanged } from './daemon-set-status.js';
import { createFailedPodsBackoff } from './failed-pods-backoff.js';
import { type NodeFit, placementOf } from './node-should-run.js';
import { planPlacement } from './placement-plan.js';
import { allowsSurge, planRollingUpdate } from './rolling-update.js';

/** At most this many pods created or deleted by one pass (Kubernetes' daemon BurstReplicas). */
export const BURST_REPLICAS = 250;

/** Daemon pods filed by the node they are for (bound, or named by their node affinity). */
export const DAEMON_POD_NODE_INDEX = 'daemonset.targetNode';

export interface DaemonSetControllerOptions extends ControllerOptions {
  readonly burstReplicas?: number;
}

const apiVersion = 'apps/v1';
const kind = 'DaemonSet';

const sameFit = (a: NodeFit, b: NodeFit) =>
  a.shouldRun === b.shouldRun && a.shouldContinueRunning === b.shouldContinueRunning;

/** Whether a node change can change where DaemonSets run: its name, labels or taints. */
function placementInputsChanged(old: Node, cur: Node): boolean {
  return (
    JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(cur.metadata?.labels ?? {}) ||
    JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(cur.spec?.taints ?? [])
  );
}

function isSelectingAll(ds: DaemonSet): boolean {
  const sel = ds.spec?.selector;
  return (
    sel === undefined ||
    (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0)
  );
}

export async function runDaemonSetController(
  opts: DaemonSetControllerOptions,
  signal: AbortSignal,
): Promise<void> {
  const { informers, clients, events, logger } = opts;
  const burst = opts.burstReplicas ?? BURST_REPLICAS;
  const daemonSets = informers.informerFor<DaemonSet>('DaemonSet');
  const nodes = informers.informerFor<Node>('Node');
  const pods = informers.informerFor<Pod>(
    'Pod',
    {},
    {
      [CONTROLLER_INDEX]: indexByController,
      [DAEMON_POD_NODE_INDEX]: (pod) => {
        if (controllerOf(pod)?.kind !== kind) return [];
        const node = targetNodeName(pod);
        return node === undefined ? [] : [node];
      },
    },
  );
  const revisions = informers.informerFor<ControllerRevision>('ControllerRevision');
  const dsClient = clients.kind<DaemonSet>('DaemonSet');
  const podClient = clients.kind<Pod>('Pod');
  // Creates go over one CreatePods stream (unary CreatePod against an apiserver without
  // it): cheaper on both ends than a unary call each, and a burst makes hundreds.
  const podCreates = createPodsStream(clients.api);
  signal.addEventListener('abort', () => podCreates.close(), { once: true });
  const revisionClient = clients.kind<ControllerRevision>('ControllerRevision');
  const history = createDaemonSetHistory({
    history: createControllerHistory({ client: revisionClient, informer: revisions }),
    revisionClient,
    podClient,
  });
  const expectations = createExpectations();
  const failedPodsBackoff = createFailedPodsBackoff();

  const controller = createController({
    name: 'daemonset',
    workers: opts.workers,
    logger,
    ...(opts.registry ? { registry: opts.registry } : {}),
    reconcile: ({ namespace, name }) => sync(namespace, name),
  });
  const enqueue = (ds: DaemonSet) =>
    controller.enqueue({ namespace: ds.metadata?.namespace ?? '', name: ds.metadata?.name ?? '' });

  /** The DaemonSet a controller reference points to, when it still exists with that uid. */
  const resolve = (namespace: string, obj: Pod | ControllerRevision): DaemonSet | undefined => {
    const ref = controllerOf(obj);
    if (ref?.kind !== kind) return undefined;
    const ds = daemonSets.indexer.get(`${namespace}/${ref.name}`);
    return ds?.metadata?.uid === ref.uid ? ds : undefined;
  };
  /** DaemonSets whose selector matches an orphan's labels: they may adopt it. */
  const enqueueMatching = (obj: Pod | ControllerRevision) => {
    const ns = obj.metadata?.namespace ?? '';
    for (const ds of daemonSets.indexer.byIndex(NAMESPACE_INDEX, ns)) {
      try {
        if (!isSelectingAll(ds) && matches(fromLabelSelector(ds.spec?.selector), obj.metadata?.labels ?? {}))
          enqueue(ds);
      } catch {
        // An invalid selector adopts nothing.
      }
    }
  };

  const podDeleted = (pod: Pod) => {
    const ds = resolve(pod.metadata?.namespace ?? '', pod);
    if (!ds) return;
    expectations.deletionObserved(keyOf(ds), keyOf(pod));
    enqueue(ds);
  };
  pods.addEventHandler({
    onAdd(pod) {
      if (pod.metadata?.deletionTimestamp !== undefined) {
        podDeleted(pod);
        return;
      }
      if (controllerOf(pod)) {
        const ds = resolve(pod.metadata?.namespace ?? '', pod);
        if (!ds) return;
        expectations.creationObserved(keyOf(ds));
        enqueue(ds);
        return;
      }
      enqueueMatching(pod);
    },
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      if (cur.metadata?.deletionTimestamp !== undefined) {
        podDeleted(cur);
        return;
      }
      const oldRef = controllerOf(old);
      const curRef = controllerOf(cur);
      const ns = cur.metadata?.namespace ?? '';
      if (oldRef && oldRef.uid !== curRef?.uid) {
        const ds = resolve(ns, old);
        if (ds) enqueue(ds);
      }
      if (curRef) {
        const ds = resolve(ns, cur);
        if (!ds) return;
        enqueue(ds);
        const minReady = ds.spec?.minReadySeconds ?? 0;
        if (!isPodReady(old) && isPodReady(cur) && minReady > 0) {
          controller.queue.addAfter(keyOf(ds), minReady * 1000 + 50);
        }
        return;
      }
      const labelsChanged = JSON.stringify(old.metadata?.labels) !== JSON.stringify(cur.metadata?.labels);
      if (labelsChanged || oldRef) enqueueMatching(cur);
    },
    onDelete(obj) {
      podDeleted(obj instanceof DeletedFinalStateUnknown ? obj.object : obj);
    },
  });

  const revisionChanged = (r: ControllerRevision) => {
    const ds = resolve(r.metadata?.namespace ?? '', r);
    if (ds) enqueue(ds);
    else if (!controllerOf(r)) enqueueMatching(r);
  };
  revisions.addEventHandler({
    onAdd: revisionChanged,
    onUpdate(old, cur) {
      if (old.metadata?.resourceVersion === cur.metadata?.resourceVersion) return;
      const oldDs = resolve(old.metadata?.namespace ?? '', old);
      if (oldDs && controllerOf(cur)?.uid !== oldDs.metadata?.uid) enqueue(oldDs);
      revisionChanged(cur);
    },
    onDelete(obj) {
      const r = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      const ds = resolve(r.metadata?.namespace ?? '', r);
      if (ds) enqueue(ds);
    },
  });

  nodes.addEventHandler({
    onAdd(node) {
      for (const ds of daemonSets.indexer.list()) if (placementOf(ds)(node).shouldRun) enqueue(ds);
    },
    onUpdate(old, cur) {
      if (!placementInputsChanged(old, cur)) return;
      for (const ds of daemonSets.indexer.list()) {
        const placement = placementOf(ds);
        if (!sameFit(placement(old), placement(cur))) enqueue(ds);
      }
    },
    onDelete(obj) {
      const node = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      const name = node.metadata?.name ?? '';
      // Its pods must go, and it no longer counts as a desired node.
      for (const pod of pods.indexer.byIndex(DAEMON_POD_NODE_INDEX, name)) {
        const ds = resolve(pod.metadata?.namespace ?? '', pod);
        if (ds) enqueue(ds);
      }
      for (const ds of daemonSets.indexer.list()) if (placementOf(ds)(node).shouldRun) enqueue(ds);
    },
  });

  daemonSets.addEventHandler({
    onUpdate(old, cur) {
      if (old.metadata?.uid !== cur.metadata?.uid) expectations.delete(keyOf(old));
    },
    onDelete(obj) {
      const ds = obj instanceof DeletedFinalStateUnknown ? obj.object : obj;
      expectations.delete(keyOf(ds));
    },
  });
  controller.watch(daemonSets);

  const gc = setInterval(() => failedPodsBackoff.gc(Date.now()), 60_000);
  gc.unref();
  signal.addEventListener('abort', () => clearInterval(gc), { once: true });

  async function sync(namespace: string, name: string) {
    const key = `${namespace}/${name}`;
    const cached = daemonSets.indexer.get(key);
    if (!cached) {
      expectations.delete(key);
      return undefined;
    }
    const ds: DaemonSet = { ...cached, apiVersion, kind };
    if (isSelectingAll(ds)) {
      events.event(
        ds,
        'Warning',
        'SelectingAll',
        'This daemon set is selecting all pods. A non-empty selector is required.',
      );
      return undefined;
    }
    let selector: Selector;
    try {
      selector = fromLabelSelector(ds.spec?.selector);
    } catch (err) {
      throw new TerminalError(`DaemonSet ${key} has an invalid selector: ${(err as Error).message}`);
    }
    // Its pods and revisions go with it (or are orphaned): status cannot be computed.
    if (ds.metadata?.deletionTimestamp !== undefined) return undefined;

    const placement = placementOf(cached);
    const nodeList = nodes.indexer.list();
    const recheck = async () => {
      const fresh = await dsClient.get(namespace, name);
      return { ...fresh, apiVersion, kind };
    };
    const owned = await claimObjects(controlledOrOrphaned(pods.indexer, ds), {
      owner: ds,
      selector,
      client: podClient,
      recheck,
    });
    const { current, old, collisionCount } = await history.construct(ds, selector, recheck, owned);
    const hash = hashOf(current);

    let requeueAfter: number | undefined;
    const requeueIn = (ms: number) => {
      requeueAfter = Math.min(requeueAfter ?? ms, ms);
    };
    const satisfied = expectations.satisfied(key);
    let syncError: unknown;
    if (satisfied) {
      try {
        await manage(ds, owned, hash, requeueIn);
        await history.cleanup(ds, old, [...groupByNode(owned, false).values()].flat());
      } catch (err) {
        syncError = err;
      }
    }

    const now = Date.now();
    const status = calculateStatus({
      ds,
      nodes: nodeList,
      nodeToPods: groupByNode(owned, true),
      placement,
      hash,
      now,
      observed: satisfied,
      collisionCount,
    });
    try {
      if (statusChanged(cached.status, status)) await writeStatus(ds, status);
    } catch (err) {
      if (syncError === undefined) throw err;
      logger.warn({ err, daemonSet: key }, 'could not write the status of a DaemonSet');
    }
    if (syncError !== undefined) throw syncError;

    const minReady = ds.spec?.minReadySeconds ?? 0;
    for (const pod of owned) {
      const left = untilAvailable(pod, minReady, now);
      if (left !== undefined) requeueIn(left + 50);
    }
    return requeueAfter === undefined ? undefined : { requeueAfter };
  }

  /** The placement pass, then (with nothing pending) one rolling-update step. */
  async function manage(ds: DaemonSet, owned: Pod[], hash: string, requeueIn: (ms: number) => void) {
    const key = keyOf(ds);
    const placement = placementOf(daemonSets.indexer.get(key) ?? ds);
    const nodeList = nodes.indexer.list();
    const nodeToPods = groupByNode(owned, false);
    const now = Date.now();
    const backoffKey = (node: string) =>
      `${ds.metadata?.uid}/${ds.status?.observedGeneration ?? '0'}/${node}`;
    const plan = planPlacement({
      nodes: nodeList,
      nodeToPods,
      placement,
      hash,
      allowsSurge: allowsSurge(ds),
      minReadySeconds: ds.spec?.minReadySeconds ?? 0,
      now,
      onFailedPod(pod, node) {
        const wait = failedPodsBackoff.remaining(backoffKey(node), now);
        if (wait > 0) {
          requeueIn(wait);
          return false;
        }
        failedPodsBackoff.next(backoffKey(node), now);
        events.event(
          ds,
          'Warning',
          'FailedDaemonPod',
          `Found failed daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${node}, will try to kill it`,
        );
        return true;
      },
      onSucceededPod(pod, node) {
        events.event(
          ds,
          'Normal',
          'SucceededDaemonPod',
          `Found succeeded daemon pod ${pod.metadata?.namespace}/${pod.metadata?.name} on node ${node}, will try to delete it`,
        );
      },
    });
    await syncNodes(ds, plan.podsToDelete, plan.nodesNeedingPods, hash);
    if (!expectations.satisfied(key)) return;
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const step = planRollingUpdate({ ds, nodes: nodeList, nodeToPods, placement, hash, now });
    if (step.podsToDelete.length > 0 || step.nodesNeedingPods.length > 0) {
      await syncNodes(ds, step.podsToDelete, step.nodesNeedingPods, hash);
    }
  }

  /** Creates pods for `nodeNames` (in slow-start batches) and deletes `victims`, at most `burst` of each. */
  async function syncNodes(ds: DaemonSet, victims: Pod[], nodeNames: string[], hash: string): Promise<void> {
    const key = keyOf(ds);
    const creates = nodeNames.slice(0, burst);
    const deletes = victims.slice(0, burst);
    expectations.expect(key, creates.length, deletes.map(keyOf));
    const errors: unknown[] = [];
    if (creates.length > 0) {
      const template = daemonPodTemplate(ds.spec?.template, hash);
      const { successes, error } = await slowStartBatch(creates.length, 1, (i) =>
        createPod(ds, template, creates[i] ?? ''),
      );
      for (let i = successes; i < creates.length; i++) expectations.creationSkipped(key);
      if (error !== undefined) errors.push(error);
    }
    const results = await Promise.allSettled(
      deletes.sort(compareDaemonPods).map((pod) => deletePod(ds, pod)),
    );
    for (const r of results) if (r.status === 'rejected') errors.push(r.reason);
    if (errors.length > 0) throw errors[0];
  }

  async function createPod(ds: DaemonSet, template: PodTemplateSpec, node: string): Promise<void> {
    const key = keyOf(ds);
    const spec = template.spec
      ? { ...template.spec, affinity: nodeNameAffinity(template.spec.affinity, node) }
      : {};
    const pod = Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${ds.metadata?.name ?? ''}-`,
        namespace: ds.metadata?.namespace ?? '',
        labels: { ...template.metadata?.labels },
        annotations: { ...template.metadata?.annotations },
        finalizers: [...(template.metadata?.finalizers ?? [])],
        ownerReferences: [controllerRef(ds)],
      },
      spec,
    });
    try {
      const created = await podCreates.create(pod);
      events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.name}`);
    } catch (err) {
      // A namespace being deleted refuses new pods: nothing to report, the set goes too.
      if (err instanceof ApiError && err.code === Code.FAILED_PRECONDITION && /terminat/i.test(err.message)) {
        expectations.creationSkipped(key);
        return;
      }
      events.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  async function deletePod(ds: DaemonSet, pod: Pod): Promise<void> {
    try {
      await podClient.delete(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '', {
        preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
      });
      events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata?.name ?? ''}`);
    } catch (err) {
      // Its deletion will never be observed through this request.
      expectations.deletionSkipped(keyOf(ds), keyOf(pod));
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
      events.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  async function writeStatus(ds: DaemonSet, status: DaemonSet['status']): Promise<void> {
    let target = ds;
    for (let attempt = 0; ; attempt++) {
      try {
        await dsClient.updateStatus(DaemonSet.fromPartial({ ...target, status }));
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 1) throw err;
        target = await dsClient.get(ds.metadata?.namespace ?? '', ds.metadata?.name ?? '');
        if (target.metadata?.uid !== ds.metadata?.uid) return;
      }
    }
  }

  await Promise.all([pods.waitForSync(signal), nodes.waitForSync(signal), revisions.waitForSync(signal)]);
  await controller.run(signal);
}
