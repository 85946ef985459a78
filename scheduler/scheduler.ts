/**
 * The scheduler: informers feed the cache (nodes, bound pods) and the queue (pods of
 * its profiles without a node); one loop pops a pod, refreshes the snapshot, runs the
 * profile's framework (filter, score), assumes the pod onto the chosen node, runs
 * Reserve and Permit, and hands it to an asynchronous binding cycle (PreBind, Bind,
 * PostBind) so that several binds are in flight while the next pod is scheduled.
 *
 * What users see: an Event `Scheduled` on success (the binding sets PodScheduled=True);
 * when nothing fits, PodScheduled=False/Unschedulable with the counted reasons and an
 * Event `FailedScheduling` with the same message — the status written only when it
 * changed.
 */
import { setImmediate as yieldToIo } from 'node:timers/promises';
import type { Registry } from 'prom-client';
import type { Clientset } from '../sdk/client/typed-client.js';
import { ApiError, Code } from '../sdk/errors.js';
import type { EventRecorder } from '../sdk/events/index.js';
import type { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { type Pod, PodCondition } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import {
  DeletedFinalStateUnknown,
  type InformerFactory,
  keyOf as informerKey,
  informerMetrics,
  listWatchOf,
  SharedInformer,
} from '../sdk/informers/index.js';
import { kinds } from '../sdk/kinds.js';
import type { Logger } from '../sdk/logger.js';
import type { Clock } from '../sdk/workqueue/clock.js';
import { SchedulerCache } from './cache/scheduler-cache.js';
import { sameSchedulingFields } from './cache/scheduling-fields.js';
import { Snapshot } from './cache/snapshot.js';
import type { SchedulerConfiguration } from './config/config.js';
import { CycleState } from './framework/cycle-state.js';
import type { ClusterEventAction, ClusterEventWithHint, PluginFactory } from './framework/interface.js';
import { podRequests } from './framework/resource.js';
import { FitError, Framework } from './framework/runtime.js';
import type { Status } from './framework/status.js';
import { type SchedulerMetrics, schedulerMetrics } from './metrics.js';
import { type QueuedPodInfo, keyOf as queueKey, SchedulingQueue } from './queue/scheduling-queue.js';

export interface SchedulerOptions {
  readonly config: SchedulerConfiguration;
  readonly registry: Readonly<Record<string, PluginFactory>>;
  readonly clients: Clientset;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly informers: InformerFactory;
  readonly metricsRegistry?: Registry;
  readonly clock?: Clock;
  /** Where the process's /readyz learns whether the scheduler's own pod informer has synced. */
  readonly addReadyCheck?: (name: string, check: () => string | undefined) => void;
}

export interface Scheduler {
  readonly queue: SchedulingQueue;
  readonly cache: SchedulerCache;
  readonly profiles: ReadonlyMap<string, Framework>;
  /** Schedules until `signal` aborts; resolves once the loop has stopped (binds in flight finish on their own). */
  run(signal: AbortSignal): Promise<void>;
}

const podKind = 'Pod';

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { config, clients, events, logger, informers } = opts;
  const cache = new SchedulerCache({ ...(opts.clock ? { clock: opts.clock } : {}), logger });
  const snapshot = new Snapshot();
  const podInfo = kinds.find((k) => k.kind === podKind);
  if (podInfo === undefined) throw new Error('the kind table has no Pod');
  // Not the factory's: this informer is the scheduler's own, run and waited for by run()
  // below. Its Pods come without managed fields, which the scheduler never reads: most of
  // what decoding a pod costs, left out of the watch's messages before they are decoded.
  const podInformer = new SharedInformer<Pod>(
    listWatchOf<Pod>(clients.api, podInfo, { managedFields: false }),
    {
      name: 'pods',
      logger,
      ...(opts.metricsRegistry ? { metrics: informerMetrics(opts.metricsRegistry) } : {}),
    },
  );
  opts.addReadyCheck?.('pod-informer-sync', () =>
    podInformer.hasSynced() ? undefined : 'the pod informer has not synced',
  );
  const nodeInformer = informers.informerFor<Node>('Node');
  const namespaceInformer = informers.informerFor<Namespace>('Namespace');
  // Preemption spares what disruption budgets protect.
  const pdbInformer = informers.informerFor<PodDisruptionBudget>('PodDisruptionBudget');
  const pods = clients.kind<Pod>(podKind);

  let queue: SchedulingQueue | undefined;
  let metrics: SchedulerMetrics | undefined;
  const profiles = new Map<string, Framework>();
  for (const profile of config.profiles) {
    const fwk = new Framework({
      profile,
      registry: opts.registry,
      percentageOfNodesToScore: config.percentageOfNodesToScore,
      ...(opts.metricsRegistry
        ? {
            metrics: {
              observeExtensionPoint: (point, status, seconds) =>
                metrics?.framework(profile.schedulerName).observeExtensionPoint(point, status, seconds),
            },
          }
        : {}),
      deps: {
        snapshot,
        clients,
        events,
        logger: logger.child({ profile: profile.schedulerName }),
        namespaceLabels: (ns) => namespaceInformer.indexer.get(ns)?.metadata?.labels,
        nominatedPodsForNode: (node) => queue?.nominatedPodsForNode(node) ?? [],
        anyNominatedPods: () => queue?.hasNominatedPods() ?? false,
        podDisruptionBudgets: () => pdbInformer.indexer.list(),
      },
    });
    if (fwk.missing.length > 0)
      logger.info(
        { profile: profile.schedulerName, plugins: fwk.missing },
        'default plugins not built in; left out',
      );
    profiles.set(profile.schedulerName, fwk);
  }
  const eventsToRegister = new Map<string, readonly ClusterEventWithHint[] | undefined>();
  for (const fwk of profiles.values())
    for (const [k, v] of fwk.eventsToRegister()) eventsToRegister.set(k, v);
  const q = new SchedulingQueue({
    ...(opts.clock ? { clock: opts.clock } : {}),
    initialBackoffMs: config.podInitialBackoffSeconds * 1000,
    maxBackoffMs: config.podMaxBackoffSeconds * 1000,
    preEnqueue: (pod) => profiles.get(pod.spec?.schedulerName ?? '')?.runPreEnqueuePlugins(pod) as Status,
    eventsToRegister,
  });
  queue = q;
  if (opts.metricsRegistry) metrics = schedulerMetrics(opts.metricsRegistry, () => q.sizes());

  const responsible = (pod: Pod) => profiles.has(pod.spec?.schedulerName ?? '');
  const assigned = (pod: Pod) => (pod.spec?.nodeName ?? '') !== '';
  const terminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const unwrap = <T>(o: T | DeletedFinalStateUnknown<T>): T =>
    o instanceof DeletedFinalStateUnknown ? o.object : o;

  nodeInformer.addEventHandler({
    onAdd(node) {
      cache.addNode(node);
      q.onClusterEvent({ resource: 'Node', actions: ['Add'], oldObj: undefined, newObj: node });
    },
    onUpdate(old, node) {
      cache.updateNode(old, node);
      const actions = nodeUpdateActions(old, node);
      if (actions.length > 0) q.onClusterEvent({ resource: 'Node', actions, oldObj: old, newObj: node });
    },
    onDelete(obj) {
      const node = unwrap(obj);
      cache.removeNode(node);
      q.onClusterEvent({ resource: 'Node', actions: ['Delete'], oldObj: node, newObj: undefined });
    },
  });

  const removeAssigned = (pod: Pod) => {
    cache.removePod(pod);
    q.onClusterEvent({ resource: 'AssignedPod', actions: ['Delete'], oldObj: pod, newObj: undefined });
  };
  podInformer.addEventHandler({
    onAdd(pod) {
      if (assigned(pod)) {
        if (terminal(pod)) return;
        cache.addPod(pod);
        q.onClusterEvent({ resource: 'AssignedPod', actions: ['Add'], oldObj: undefined, newObj: pod });
      } else if (responsible(pod) && pod.metadata?.deletionTimestamp === undefined) {
        q.add(pod);
      }
    },
    onUpdate(old, pod) {
      if (assigned(pod)) {
        if (!assigned(old)) q.delete(pod); // bound (by us, or by someone else): leaves the queue quietly
        if (terminal(pod)) {
          if (cache.hasPod(pod)) removeAssigned(pod);
          return;
        }
        cache.updatePod(old, pod);
        // Labels and requests are among the fields compared: unchanged, no event.
        const actions = !assigned(old)
          ? (['Add'] as ClusterEventAction[])
          : sameSchedulingFields(old, pod)
            ? []
            : podUpdateActions(old, pod);
        if (actions.length > 0)
          q.onClusterEvent({ resource: 'AssignedPod', actions, oldObj: old, newObj: pod });
      } else if (responsible(pod)) {
        if (pod.metadata?.deletionTimestamp !== undefined) q.delete(pod);
        else q.update(old, pod);
      }
    },
    onDelete(obj) {
      const pod = unwrap(obj);
      for (const fwk of profiles.values()) fwk.rejectWaitingPod(queueKey(pod), '', 'the pod was deleted');
      if (assigned(pod) || cache.hasPod(pod)) removeAssigned(pod);
      q.delete(pod);
    },
  });
  namespaceInformer.addEventHandler({
    onAdd: (ns) =>
      q.onClusterEvent({ resource: 'Namespace', actions: ['Add'], oldObj: undefined, newObj: ns }),
    onUpdate: (old, ns) => {
      if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(ns.metadata?.labels))
        q.onClusterEvent({ resource: 'Namespace', actions: ['Update'], oldObj: old, newObj: ns });
    },
  });

  /** The pod as the informer has it now (undefined once deleted). */
  const current = (pod: Pod): Pod | undefined => {
    const c = podInformer.indexer.get(informerKey(pod));
    return c !== undefined && c.metadata?.uid === pod.metadata?.uid ? c : undefined;
  };

  /**
   * A failed attempt: requeue (unless the pod is gone or bound meanwhile), record
   * FailedScheduling, and write PodScheduled=False when it changed.
   */
  const handleFailure = (
    fwk: Framework,
    qpi: QueuedPodInfo,
    err: unknown,
    reason: 'Unschedulable' | 'SchedulerError',
    nominatedNodeName?: string,
  ) => {
    const latest = current(qpi.pod);
    if (latest === undefined || assigned(latest)) {
      q.done(qpi.key);
      return;
    }
    qpi.unschedulablePlugins =
      err instanceof FitError ? new Set(err.diagnosis.unschedulablePlugins) : new Set();
    q.addUnschedulableIfNotPresent(qpi);
    if (nominatedNodeName) q.addNominatedPod(latest, nominatedNodeName);
    const message = err instanceof Error ? err.message : String(err);
    if (reason === 'SchedulerError') logger.error({ pod: qpi.key, err }, 'error scheduling pod; retrying');
    fwk.events.event(latest, 'Warning', 'FailedScheduling', message);
    void updatePodScheduledFalse(latest, reason, message, nominatedNodeName).catch((e: unknown) =>
      logger.warn({ pod: informerKey(latest), err: e }, 'cannot update the pod status'),
    );
  };

  const updatePodScheduledFalse = async (pod: Pod, reason: string, message: string, nominated?: string) => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const p = attempt === 0 ? pod : await pods.get(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
      if (assigned(p)) return;
      const status = p.status;
      const cond = status?.conditions.find((c) => c.type === 'PodScheduled');
      const nominatedChanged = nominated !== undefined && nominated !== (status?.nominatedNodeName ?? '');
      if (cond?.status === 'False' && cond.reason === reason && cond.message === message && !nominatedChanged)
        return;
      const conditions = (status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
      conditions.push(
        PodCondition.fromPartial({
          type: 'PodScheduled',
          status: 'False',
          reason,
          message,
          lastTransitionTime: cond?.status === 'False' ? cond.lastTransitionTime : new Date(),
        }),
      );
      const updated: Pod = {
        ...p,
        status: {
          ...(status as NonNullable<Pod['status']>),
          conditions,
          ...(nominated !== undefined ? { nominatedNodeName: nominated } : {}),
        },
      };
      try {
        await pods.updateStatus(updated);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt === 2) throw err;
      }
    }
  };

  /** A bind refused because the pod is gone or bound already: nothing to retry, the informer will tell. */
  const goneOrBound = (s: Status) =>
    s.error instanceof ApiError &&
    (s.error.code === Code.NOT_FOUND || s.error.code === Code.FAILED_PRECONDITION);

  const bindingCycle = async (
    fwk: Framework,
    state: CycleState,
    qpi: QueuedPodInfo,
    assumedPod: Pod,
    host: string,
  ) => {
    const fail = (s: Status) => {
      fwk.runReservePluginsUnreserve(state, assumedPod, host);
      cache.forgetPod(assumedPod);
      const latest = current(qpi.pod);
      if (latest === undefined || assigned(latest) || goneOrBound(s)) {
        logger.debug({ pod: qpi.key, reason: s.message() }, 'pod deleted or bound meanwhile; dropped');
        return;
      }
      handleFailure(
        fwk,
        qpi,
        s.error ?? new Error(s.message()),
        s.isRejected() ? 'Unschedulable' : 'SchedulerError',
      );
    };
    let s = await fwk.waitOnPermit(assumedPod);
    if (!s.isSuccess()) return fail(s);
    s = await fwk.runPreBindPlugins(state, assumedPod, host);
    if (!s.isSuccess()) return fail(s);
    s = await fwk.runBindPlugins(state, assumedPod, host);
    if (!s.isSuccess()) return fail(s);
    cache.finishBinding(assumedPod);
    const ns = assumedPod.metadata?.namespace ?? '';
    fwk.events.event(
      qpi.pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${ns}/${assumedPod.metadata?.name ?? ''} to ${host}`,
    );
    fwk.runPostBindPlugins(state, assumedPod, host);
  };

  const scheduleOne = async (qpi: QueuedPodInfo) => {
    const pod = qpi.pod;
    const fwk = profiles.get(pod.spec?.schedulerName ?? '');
    if (
      fwk === undefined ||
      pod.metadata?.deletionTimestamp !== undefined ||
      cache.hasPod(pod) ||
      current(pod) === undefined
    ) {
      q.done(qpi.key);
      return;
    }
    const t0 = performance.now();
    const profile = fwk.profileName;
    cache.updateSnapshot(snapshot);
    const state = new CycleState();
    let host: string;
    try {
      host = fwk.schedulePod(state, pod).suggestedHost;
    } catch (err) {
      if (err instanceof FitError) {
        let nominated: string | undefined;
        if (fwk.postFilterPlugins.length > 0) {
          const r = await fwk.runPostFilterPlugins(state, pod, err.diagnosis.nodeToStatus);
          err.diagnosis.postFilterMsg = r.status.message();
          if (r.status.isSuccess() && r.nominatedNodeName) nominated = r.nominatedNodeName;
          err.message = new FitError(pod, err.numAllNodes, err.diagnosis).message;
        }
        handleFailure(fwk, qpi, err, 'Unschedulable', nominated);
        metrics?.attempt('unschedulable', profile, (performance.now() - t0) / 1000);
      } else {
        handleFailure(fwk, qpi, err, 'SchedulerError');
        metrics?.attempt('error', profile, (performance.now() - t0) / 1000);
      }
      return;
    }
    const assumedPod: Pod = { ...pod, spec: { ...(pod.spec as NonNullable<Pod['spec']>), nodeName: host } };
    cache.assumePod(assumedPod);
    const undo = (s: Status) => {
      fwk.runReservePluginsUnreserve(state, assumedPod, host);
      cache.forgetPod(assumedPod);
      handleFailure(
        fwk,
        qpi,
        s.error ?? new Error(s.message()),
        s.isRejected() ? 'Unschedulable' : 'SchedulerError',
      );
      metrics?.attempt(s.isRejected() ? 'unschedulable' : 'error', profile, (performance.now() - t0) / 1000);
    };
    let s = fwk.runReservePluginsReserve(state, assumedPod, host);
    if (!s.isSuccess()) return undo(s);
    s = fwk.runPermitPlugins(state, assumedPod, host);
    if (!s.isSuccess() && s.code !== 'Wait') return undo(s);
    q.done(qpi.key);
    q.deleteNominatedPod(pod);
    metrics?.attempt('scheduled', profile, (performance.now() - t0) / 1000);
    void bindingCycle(fwk, state, qpi, assumedPod, host).catch((err: unknown) =>
      logger.error({ pod: qpi.key, err }, 'binding cycle failed'),
    );
  };

  return {
    queue: q,
    cache,
    profiles,
    async run(signal) {
      const stop = () => q.close();
      signal.addEventListener('abort', stop, { once: true });
      const podsWatched = podInformer.run(signal).catch((err: unknown) => {
        logger.error({ err }, 'the pod informer stopped');
      });
      try {
        if (!(await informers.waitForCacheSync(signal)) || !(await podInformer.waitForSync(signal))) return;
        logger.info({ profiles: [...profiles.keys()], nodes: cache.nodeCount }, 'caches synced; scheduling');
        for (;;) {
          const qpi = await q.pop();
          if (qpi === undefined || signal.aborted) break;
          try {
            await scheduleOne(qpi);
          } catch (err) {
            logger.error({ pod: qpi.key, err }, 'scheduling cycle failed');
            q.done(qpi.key);
          }
          // The cycle is synchronous CPU work: let informer events and bind replies in between.
          await yieldToIo();
        }
      } finally {
        signal.removeEventListener('abort', stop);
        q.close();
        cache.close();
        if (signal.aborted) await podsWatched;
      }
    },
  };
}

/** What a node update amounts to, as the events plugins register for. */
export function nodeUpdateActions(old: Node, node: Node): ClusterEventAction[] {
  const out: ClusterEventAction[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (!same(old.status?.allocatable, node.status?.allocatable)) out.push('UpdateNodeAllocatable');
  if (!same(old.metadata?.labels, node.metadata?.labels)) out.push('UpdateNodeLabel');
  if (
    !same(
      old.spec?.taints?.map((t) => [t.key, t.value, t.effect]),
      node.spec?.taints?.map((t) => [t.key, t.value, t.effect]),
    ) ||
    (old.spec?.unschedulable ?? false) !== (node.spec?.unschedulable ?? false)
  )
    out.push('UpdateNodeTaint');
  const conds = (n: Node) => n.status?.conditions.map((c) => `${c.type}=${c.status}`);
  if (!same(conds(old), conds(node))) out.push('UpdateNodeCondition');
  if (!same(old.metadata?.annotations, node.metadata?.annotations)) out.push('UpdateNodeAnnotation');
  return out;
}

/** What an update of a bound pod amounts to. */
export function podUpdateActions(old: Pod, pod: Pod): ClusterEventAction[] {
  const out: ClusterEventAction[] = [];
  if (JSON.stringify(old.metadata?.labels) !== JSON.stringify(pod.metadata?.labels))
    out.push('UpdatePodLabel');
  const a = podRequests(old);
  const b = podRequests(pod);
  if (b.milliCpu < a.milliCpu || b.memory < a.memory || b.ephemeralStorage < a.ephemeralStorage)
    out.push('UpdatePodScaleDown');
  return out;
}
