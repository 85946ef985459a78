/**
 * NodeAffinity: a pod runs only where its `nodeSelector` and its required node affinity
 * both select the node (unresolvable otherwise: preemption changes no label), and among
 * feasible nodes those matching heavier preferred terms score higher.
 *
 * PreFilter narrows the cycle to named nodes when every required term names nodes with
 * `matchFields: metadata.name In`, so that a pod pinned to one node (as DaemonSet pods
 * are) costs one Filter call, not one per node.
 *
 * Args: `addedAffinity` (a NodeAffinity): required terms every pod of this profile must
 * also match, and preferred terms added to every pod's own.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { NodeAffinity as NodeAffinityMessage } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  compileNodeSelector,
  compilePreferredSchedulingTerms,
  NODE_NAME_FIELD,
  type NodeSelectorMatcher,
  type PreferredSchedulingTerms,
  type RequiredNodeAffinity,
  requiredNodeAffinityOf,
} from '../../sdk/scheduling/index.js';
import type { CycleState, StateData } from '../framework/cycle-state.js';
import {
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PluginFactory,
  type PreFilterPlugin,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
} from '../framework/interface.js';
import { Status } from '../framework/status.js';
import { defaultNormalizeScore } from './helper/normalize-score.js';

export const NODE_AFFINITY = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";
export const ERR_REASON_ENFORCED = "node(s) didn't match scheduler-enforced node affinity";
export const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

const preFilterStateKey = `PreFilter${NODE_AFFINITY}`;
const preScoreStateKey = `PreScore${NODE_AFFINITY}`;

class PreFilterState implements StateData {
  constructor(readonly required: RequiredNodeAffinity) {}
  clone(): StateData {
    return this;
  }
}

class PreScoreState implements StateData {
  constructor(readonly preferred: PreferredSchedulingTerms | undefined) {}
  clone(): StateData {
    return this;
  }
}

function hasRequiredAffinity(pod: Pod): boolean {
  return pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined;
}

/**
 * The node names the required terms confine the pod to: undefined when some term names
 * no nodes (terms are ORed, so every node may match), otherwise the union over terms of
 * the intersection of each term's `metadata.name In` lists (possibly empty: a conflict).
 */
export function nodeNamesOfRequiredTerms(pod: Pod): Set<string> | undefined {
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms === undefined || terms.length === 0) return undefined;
  const union = new Set<string>();
  for (const term of terms) {
    let names: Set<string> | undefined;
    for (const r of term.matchFields) {
      if (r.key !== NODE_NAME_FIELD || r.operator !== 'In') continue;
      const values = new Set(r.values);
      names = names === undefined ? values : new Set([...names].filter((n) => values.has(n)));
    }
    if (names === undefined) return undefined;
    for (const n of names) union.add(n);
  }
  return union;
}

function preferredOf(pod: Pod): PreferredSchedulingTerms | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  return terms.length === 0 ? undefined : compilePreferredSchedulingTerms(terms);
}

export const nodeAffinity: PluginFactory = (args) => {
  const added =
    args.addedAffinity === undefined || args.addedAffinity === null
      ? undefined
      : NodeAffinityMessage.fromJSON(args.addedAffinity);
  const addedRequired = added?.requiredDuringSchedulingIgnoredDuringExecution;
  const addedSelector: NodeSelectorMatcher | undefined =
    addedRequired === undefined ? undefined : compileNodeSelector(addedRequired);
  if (addedSelector !== undefined && addedSelector.errors.length > 0)
    throw new Error(
      `${NODE_AFFINITY}: addedAffinity.requiredDuringSchedulingIgnoredDuringExecution: ${addedSelector.errors.join('; ')}`,
    );
  const addedPreferredTerms = added?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const addedPreferred =
    addedPreferredTerms.length === 0 ? undefined : compilePreferredSchedulingTerms(addedPreferredTerms);
  if (addedPreferred !== undefined && addedPreferred.errors.length > 0)
    throw new Error(
      `${NODE_AFFINITY}: addedAffinity.preferredDuringSchedulingIgnoredDuringExecution: ${addedPreferred.errors.join('; ')}`,
    );

  const requiredOf = (state: CycleState, pod: Pod) =>
    state.read<PreFilterState>(preFilterStateKey)?.required ?? requiredNodeAffinityOf(pod);

  /** Whether the node passes Filter, for queueing hints. */
  const fits = (pod: Pod, node: Node) =>
    (addedSelector === undefined || addedSelector.matches(node)) && requiredNodeAffinityOf(pod).matches(node);

  const plugin: PreFilterPlugin & FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: NODE_AFFINITY,

    preFilter(state, pod) {
      const hasSelector = Object.keys(pod.spec?.nodeSelector ?? {}).length > 0;
      if (!hasRequiredAffinity(pod) && addedSelector === undefined && !hasSelector)
        return { status: Status.SKIP };
      state.write(preFilterStateKey, new PreFilterState(requiredNodeAffinityOf(pod)));
      const nodeNames = nodeNamesOfRequiredTerms(pod);
      if (nodeNames === undefined) return { status: Status.SUCCESS };
      if (nodeNames.size === 0) return { status: Status.unresolvable(ERR_REASON_CONFLICT) };
      return { result: { nodeNames }, status: Status.SUCCESS };
    },

    filter(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return Status.error(new Error('node not found'));
      if (addedSelector !== undefined && !addedSelector.matches(node))
        return Status.unresolvable(ERR_REASON_ENFORCED);
      return requiredOf(state, pod).matches(node) ? Status.SUCCESS : Status.unresolvable(ERR_REASON_POD);
    },

    preScore(state, pod, nodes) {
      if (nodes.length === 0) return Status.SUCCESS;
      const preferred = preferredOf(pod);
      if (preferred !== undefined && preferred.errors.length > 0)
        return Status.error(
          new Error(
            `spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution${preferred.errors.join('; ')}`,
          ),
        );
      if (preferred === undefined && addedPreferred === undefined) return Status.SKIP;
      state.write(preScoreStateKey, new PreScoreState(preferred));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) throw new Error('node not found');
      const s = state.read<PreScoreState>(preScoreStateKey);
      const preferred = s === undefined ? preferredOf(pod) : s.preferred;
      return (addedPreferred?.score(node) ?? 0) + (preferred?.score(node) ?? 0);
    },

    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
      return Status.SUCCESS;
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      // Queue when the node now matches and did not before (or is new).
      const afterNodeChange = (pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint => {
        const after = newObj as Node | undefined;
        if (after === undefined || !fits(pod, after)) return 'Skip';
        const before = oldObj as Node | undefined;
        return before === undefined || !fits(pod, before) ? 'Queue' : 'Skip';
      };
      return [
        { event: { resource: 'Node', action: 'Add' }, hint: afterNodeChange },
        { event: { resource: 'Node', action: 'UpdateNodeLabel' }, hint: afterNodeChange },
      ];
    },
  };
  return plugin;
};
