/**
 * DefaultPreemption (PostFilter): when no node fits a pod, find a node where evicting
 * pods of lower priority makes room, evict them through the API (graceful deletion),
 * and nominate that node, as kube-scheduler's default preemption does:
 *
 * - a pod with `preemptionPolicy: Never` never preempts; a pod already nominated to a
 *   node where a lower-priority victim is still terminating waits for it instead;
 * - only nodes the Filter rejected as `Unschedulable` are tried (an unresolvable
 *   rejection — a label, a taint, a node name — is not cured by evicting pods);
 * - victims per node as selectVictimsOnNode chooses them, the node as
 *   pickOneNodeForPreemption does, over a bounded number of candidates
 *   (`minCandidateNodesPercentage`, default 10, and `minCandidateNodesAbsolute`,
 *   default 100) starting at a random node;
 * - the victims get the `DisruptionTarget` condition and an Event `Preempted`, then are
 *   deleted; lower-priority pods nominated to the same node lose their nomination.
 * - PodDisruptionBudgets: pods whose eviction a budget does not allow are victims only
 *   when nothing else makes room, and candidates breaking fewer budgets win.
 */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type { Handle, NodeToStatus, PostFilterPlugin } from '../../framework/interface.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { fitErrorMessage } from '../../framework/runtime.js';
import { Status } from '../../framework/status.js';
import { type Candidate, pickOneNodeForPreemption } from './pick-node.js';
import { podPriority, selectVictimsOnNode } from './select-victims.js';

export const NAME = 'DefaultPreemption';
export const ERR_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
export const MSG_PREEMPTION_POLICY_NEVER = 'not eligible due to preemptionPolicy=Never.';
export const MSG_TERMINATING_ON_NOMINATED = 'not eligible due to a terminating pod on the nominated node.';
/** The condition a victim gets before it is deleted, so that everyone sees why it went. */
export const DISRUPTION_TARGET = 'DisruptionTarget';
export const REASON_PREEMPTION_BY_SCHEDULER = 'PreemptionByScheduler';

export interface DefaultPreemptionArgs {
  readonly minCandidateNodesPercentage: number;
  readonly minCandidateNodesAbsolute: number;
}

export function parseArgs(args: Readonly<Record<string, unknown>>): DefaultPreemptionArgs {
  const pct = args.minCandidateNodesPercentage ?? 10;
  const abs = args.minCandidateNodesAbsolute ?? 100;
  if (typeof pct !== 'number' || !Number.isInteger(pct) || pct < 0 || pct > 100) {
    throw new Error(
      `${NAME} args: minCandidateNodesPercentage must be an integer from 0 to 100, got ${JSON.stringify(pct)}`,
    );
  }
  if (typeof abs !== 'number' || !Number.isInteger(abs) || abs < 0) {
    throw new Error(
      `${NAME} args: minCandidateNodesAbsolute must be a non-negative integer, got ${JSON.stringify(abs)}`,
    );
  }
  if (pct === 0 && abs === 0) {
    throw new Error(
      `${NAME} args: minCandidateNodesPercentage and minCandidateNodesAbsolute cannot both be 0`,
    );
  }
  return { minCandidateNodesPercentage: pct, minCandidateNodesAbsolute: abs };
}

export interface DefaultPreemptionOptions {
  /** [0, 1): where the search for candidates starts; Math.random by default. */
  readonly random?: () => number;
}

function isTerminatingByPreemption(pod: Pod): boolean {
  return (
    pod.metadata?.deletionTimestamp !== undefined &&
    (pod.status?.conditions ?? []).some(
      (c) =>
        c.type === DISRUPTION_TARGET && c.status === 'True' && c.reason === REASON_PREEMPTION_BY_SCHEDULER,
    )
  );
}

export function createDefaultPreemption(
  rawArgs: Readonly<Record<string, unknown>>,
  handle: Handle,
  opts: DefaultPreemptionOptions = {},
): PostFilterPlugin {
  const args = parseArgs(rawArgs);
  const random = opts.random ?? Math.random;
  const pods = () => handle.clients.kind<Pod>('Pod');

  /** Why the pod may not preempt, or undefined when it may. */
  function ineligibility(pod: Pod, statuses: NodeToStatus): string | undefined {
    if (pod.spec?.preemptionPolicy === 'Never') return MSG_PREEMPTION_POLICY_NEVER;
    const nominated = pod.status?.nominatedNodeName ?? '';
    if (nominated === '') return undefined;
    // Nominated to a node that can no longer take it at all: preempt again elsewhere.
    if (statuses.get(nominated)?.code === 'UnschedulableAndUnresolvable') return undefined;
    const ni = handle.snapshot.get(nominated);
    const priority = podPriority(pod);
    if (ni?.pods.some((p) => podPriority(p.pod) < priority && isTerminatingByPreemption(p.pod))) {
      return MSG_TERMINATING_ON_NOMINATED;
    }
    return undefined;
  }

  /** How many candidates to look for, and where to start (kube's GetOffsetAndNumCandidates). */
  function offsetAndCount(n: number): { offset: number; count: number } {
    let count = Math.trunc((n * args.minCandidateNodesPercentage) / 100);
    if (count < args.minCandidateNodesAbsolute) count = args.minCandidateNodesAbsolute;
    if (count > n) count = n;
    return { offset: Math.floor(random() * n), count };
  }

  function findCandidates(
    state: CycleState,
    pod: Pod,
    potential: readonly NodeInfo[],
    pdbs: readonly PodDisruptionBudget[],
  ): { candidates: Candidate[]; statuses: Map<string, Status> } {
    const statuses = new Map<string, Status>();
    const candidates: Candidate[] = [];
    const { offset, count } = offsetAndCount(potential.length);
    for (let i = 0; i < potential.length; i++) {
      const ni = potential[(offset + i) % potential.length] as NodeInfo;
      const r = selectVictimsOnNode(handle, state.clone(), pod, ni.clone(), pdbs);
      if (r.status.isSuccess() && r.victims !== undefined && r.victims.pods.length > 0) {
        candidates.push({ nodeName: ni.name, victims: r.victims });
        const nonViolating = candidates.filter((c) => c.victims.numPDBViolations === 0).length;
        if (nonViolating > 0 && candidates.length >= count) break;
        continue;
      }
      const s = r.status.isSuccess()
        ? Status.error(new Error(`expected at least one victim pod on node ${ni.name}`))
        : r.status;
      statuses.set(ni.name, s);
    }
    return { candidates, statuses };
  }

  /** Evicts the victims and withdraws lower-priority nominations on the node. */
  async function prepareCandidate(c: Candidate, pod: Pod): Promise<Status> {
    const preemptor = `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
    const message = `Preempted by ${preemptor} on node ${c.nodeName}`;
    const results = await Promise.allSettled(
      c.victims.pods.map(async (victim) => {
        await markDisruptionTarget(victim, pod);
        await pods()
          .delete(victim.metadata?.namespace ?? '', victim.metadata?.name ?? '', {
            preconditions: { uid: victim.metadata?.uid ?? '', resourceVersion: '' },
          })
          .catch((err: unknown) => {
            // Gone, or replaced by another pod of that name: this victim is no longer there.
            if (!(err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)))
              throw err;
          });
        handle.events.event({ ...victim, apiVersion: 'v1', kind: 'Pod' }, 'Normal', 'Preempted', message, {
          action: 'Preempting',
          related: { ...pod, apiVersion: 'v1', kind: 'Pod' },
        });
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) return Status.error(failed.reason);

    const priority = podPriority(pod);
    const uid = pod.metadata?.uid;
    const lower = handle
      .nominatedPodsForNode(c.nodeName)
      .filter((p) => p.pod.metadata?.uid !== uid && podPriority(p.pod) < priority);
    await Promise.allSettled(lower.map((p) => clearNomination(p.pod)));
    return Status.SUCCESS;
  }

  async function markDisruptionTarget(victim: Pod, preemptor: Pod): Promise<void> {
    await updateStatusWithRetry(victim, (p) => {
      const status = p.status;
      if (status === undefined) return false;
      const conditions = status.conditions.filter((c) => c.type !== DISRUPTION_TARGET);
      conditions.push({
        type: DISRUPTION_TARGET,
        status: 'True',
        reason: REASON_PREEMPTION_BY_SCHEDULER,
        message: `${preemptor.spec?.schedulerName || 'default-scheduler'}: preempting to accommodate a higher priority pod`,
        lastTransitionTime: new Date(),
        lastProbeTime: undefined,
        observedGeneration: '0',
      });
      status.conditions = conditions;
      return true;
    });
  }

  async function clearNomination(pod: Pod): Promise<void> {
    await updateStatusWithRetry(pod, (p) => {
      if (p.status === undefined || p.status.nominatedNodeName === '') return false;
      p.status.nominatedNodeName = '';
      return true;
    });
  }

  /** Applies `change` to the pod's latest status and writes it, re-reading on a conflict. */
  async function updateStatusWithRetry(pod: Pod, change: (p: Pod) => boolean): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    let current = pod;
    for (let attempt = 0; attempt < 3; attempt++) {
      const copy = structuredClone(current);
      if (!change(copy)) return;
      try {
        await pods().updateStatus(copy);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        if (!(err instanceof ApiError && err.code === Code.ABORTED)) throw err;
        current = await pods().get(ns, name);
        if (current.metadata?.uid !== pod.metadata?.uid) return;
      }
    }
  }

  return {
    name: NAME,

    async postFilter(state: CycleState, pod: Pod, filtered: NodeToStatus) {
      const notEligible = ineligibility(pod, filtered);
      if (notEligible !== undefined) return { status: Status.unschedulable(`preemption: ${notEligible}`) };

      const all = handle.snapshot.list();
      if (all.length === 0) return { status: Status.unschedulable('preemption: no nodes available') };
      const potential = all.filter((ni) => filtered.get(ni.name)?.code === 'Unschedulable');
      const { candidates, statuses } =
        potential.length === 0
          ? { candidates: [], statuses: new Map<string, Status>() }
          : findCandidates(state, pod, potential, handle.podDisruptionBudgets());

      if (candidates.length === 0) {
        const notHelpful = Status.unresolvable(ERR_NOT_HELPFUL);
        for (const ni of all) if (!statuses.has(ni.name)) statuses.set(ni.name, notHelpful);
        const msg = fitErrorMessage(all.length, {
          nodeToStatus: statuses,
          unschedulablePlugins: new Set(),
          preFilterMsg: '',
          postFilterMsg: '',
        });
        // A nomination from an earlier preemption no longer holds: withdraw it, so that the
        // room it reserved on that node is free for others again.
        if ((pod.status?.nominatedNodeName ?? '') !== '') await clearNomination(pod).catch(() => undefined);
        return { nominatedNodeName: '', status: Status.unschedulable(`preemption: ${msg}`) };
      }

      const best = pickOneNodeForPreemption(candidates);
      if (best === undefined)
        return { status: Status.unschedulable('preemption: no candidate node for preemption') };
      const prepared = await prepareCandidate(best, pod);
      if (!prepared.isSuccess()) return { status: prepared };
      handle.logger.info(
        {
          pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`,
          node: best.nodeName,
          victims: best.victims.pods.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`),
        },
        'preempting',
      );
      return { nominatedNodeName: best.nodeName, status: Status.SUCCESS };
    },
  };
}
