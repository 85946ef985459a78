/**
 * InterPodAffinity: required pod affinity and anti-affinity by topology domain, in
 * both directions (the incoming pod's terms over existing pods, and existing pods'
 * required anti-affinity over the incoming pod), and preferred terms as a score.
 *
 * Args (`pluginConfig`): `hardPodAffinityWeight` (0–100, default 1), the weight an
 * existing pod's required affinity term gives the nodes of its domain when it selects
 * the incoming pod; `ignorePreferredTermsOfExistingPods` (default false) skips scoring
 * entirely for a pod without preferred terms of its own.
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { CycleState } from '../../framework/cycle-state.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  Handle,
  NodeScore,
  PreFilterExtensions,
  PreFilterPlugin,
  PreFilterResult,
  PreScorePlugin,
  ScorePlugin,
} from '../../framework/interface.js';
import type { NodeInfo, PodInfo } from '../../framework/node-info.js';
import { Status } from '../../framework/status.js';
import {
  computePreFilterState,
  ERR_REASON_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH,
  ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH,
  PreFilterState,
  satisfiesExistingPodsAntiAffinity,
  satisfiesPodAffinity,
  satisfiesPodAntiAffinity,
} from './filtering.js';
import { isSchedulableAfterNodeChange, isSchedulableAfterPodChange } from './queueing-hints.js';
import { computePreScoreState, normalize, PreScoreState, scoreNode } from './scoring.js';

export const NAME = 'InterPodAffinity';
const preFilterStateKey = `PreFilter${NAME}`;
const preScoreStateKey = `PreScore${NAME}`;

export interface InterPodAffinityArgs {
  readonly hardPodAffinityWeight: number;
  readonly ignorePreferredTermsOfExistingPods: boolean;
}

/** Reads the plugin's args; throws naming the field when one is invalid. */
export function parseArgs(args: Readonly<Record<string, unknown>>): InterPodAffinityArgs {
  const weight = args.hardPodAffinityWeight ?? 1;
  if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 0 || weight > 100) {
    throw new Error(
      `${NAME} args: hardPodAffinityWeight must be an integer from 0 to 100, got ${JSON.stringify(weight)}`,
    );
  }
  const ignore = args.ignorePreferredTermsOfExistingPods ?? false;
  if (typeof ignore !== 'boolean') {
    throw new Error(
      `${NAME} args: ignorePreferredTermsOfExistingPods must be true or false, got ${JSON.stringify(ignore)}`,
    );
  }
  return { hardPodAffinityWeight: weight, ignorePreferredTermsOfExistingPods: ignore };
}

export type InterPodAffinity = PreFilterPlugin &
  FilterPlugin &
  PreScorePlugin &
  ScorePlugin &
  EnqueueExtensions;

export function createInterPodAffinity(
  rawArgs: Readonly<Record<string, unknown>>,
  handle: Handle,
): InterPodAffinity {
  const args = parseArgs(rawArgs);
  const nsLabelsOf = (ns: string) => handle.namespaceLabels(ns);

  const readPreFilter = (state: CycleState): PreFilterState | Status => {
    const s = state.read<PreFilterState>(preFilterStateKey);
    return s instanceof PreFilterState
      ? s
      : Status.error(new Error(`${NAME}: no PreFilter state in this cycle`));
  };

  const extensions: PreFilterExtensions = {
    addPod: (state, _pod, info, nodeInfo) => update(state, info, nodeInfo, 1),
    removePod: (state, _pod, info, nodeInfo) => update(state, info, nodeInfo, -1),
  };
  function update(state: CycleState, info: PodInfo, nodeInfo: NodeInfo, delta: 1 | -1): Status {
    const s = readPreFilter(state);
    if (s instanceof Status) return s;
    s.updateWithPod(info, nodeInfo, delta);
    return Status.SUCCESS;
  }

  return {
    name: NAME,

    preFilter(state: CycleState, pod: Pod): { result?: PreFilterResult; status: Status } {
      const s = computePreFilterState(
        pod,
        handle.snapshot.list(),
        handle.snapshot.havePodsWithRequiredAntiAffinityList(),
        nsLabelsOf,
      );
      // Written even when skipped: preemption's AddPod/RemovePod may make it non-empty.
      state.write(preFilterStateKey, s);
      return { status: s.isEmpty ? Status.SKIP : Status.SUCCESS };
    },

    preFilterExtensions: () => extensions,

    filter(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): Status {
      const s = readPreFilter(state);
      if (s instanceof Status) return s;
      const labels = nodeInfo.node?.metadata?.labels ?? {};
      if (!satisfiesPodAffinity(s, labels)) return Status.unresolvable(ERR_REASON_AFFINITY_RULES_NOT_MATCH);
      if (!satisfiesPodAntiAffinity(s, labels))
        return Status.unschedulable(ERR_REASON_ANTI_AFFINITY_RULES_NOT_MATCH);
      if (!satisfiesExistingPodsAntiAffinity(s, labels)) {
        return Status.unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY_RULES_NOT_MATCH);
      }
      return Status.SUCCESS;
    },

    preScore(state: CycleState, pod: Pod, nodes: readonly NodeInfo[]): Status {
      if (nodes.length === 0) return Status.SKIP;
      const a = pod.spec?.affinity;
      const hasPreferred =
        (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0 ||
        (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0;
      if (args.ignorePreferredTermsOfExistingPods && !hasPreferred) return Status.SKIP;
      const s = computePreScoreState(
        pod,
        handle.snapshot.list(),
        handle.snapshot.havePodsWithAffinityList(),
        nsLabelsOf,
        args.hardPodAffinityWeight,
      );
      if (s === undefined) return Status.SKIP;
      state.write(preScoreStateKey, s);
      return Status.SUCCESS;
    },

    score(state: CycleState, _pod: Pod, nodeInfo: NodeInfo): number {
      const s = state.read<PreScoreState>(preScoreStateKey);
      if (!(s instanceof PreScoreState)) throw new Error(`${NAME}: no PreScore state in this cycle`);
      return scoreNode(s, nodeInfo.node?.metadata?.labels ?? {});
    },

    normalizeScore(state: CycleState, _pod: Pod, scores: NodeScore[]): Status {
      if (state.read<PreScoreState>(preScoreStateKey) === undefined) return Status.SUCCESS;
      normalize(scores);
      return Status.SUCCESS;
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        // A pod that matched an anti-affinity term going away, or one a term wants arriving.
        ...(['Add', 'Delete', 'UpdatePodLabel'] as const).map((action) => ({
          event: { resource: 'AssignedPod' as const, action },
          hint: (pod: Pod, oldObj: unknown, newObj: unknown) =>
            isSchedulableAfterPodChange(
              pod,
              oldObj as Pod | undefined,
              newObj as Pod | undefined,
              nsLabelsOf,
            ),
        })),
        // A node opening a topology domain a term needs, or leaving one it shut.
        ...(['Add', 'UpdateNodeLabel'] as const).map((action) => ({
          event: { resource: 'Node' as const, action },
          hint: (pod: Pod, oldObj: unknown, newObj: unknown) =>
            isSchedulableAfterNodeChange(pod, oldObj as Node | undefined, newObj as Node | undefined),
        })),
        { event: { resource: 'Namespace', action: 'Update' } },
      ];
    },
  };
}
