/**
 * TaintToleration: a node's NoSchedule and NoExecute taints keep off the pods that do
 * not tolerate them (unresolvable: preemption removes no taint), and among feasible
 * nodes those with fewer PreferNoSchedule taints the pod does not tolerate score higher.
 *
 * A node whose Ready condition is not True counts as carrying
 * `node.kubernetes.io/not-ready:NoSchedule` (`node.kubernetes.io/unreachable:NoSchedule`
 * when the condition is Unknown) unless it carries a taint of that key already: the
 * scheduler does not pick a node that is not Ready, even before the node lifecycle
 * controller has tainted it. Pods that tolerate the taint (DaemonSets that must run
 * everywhere) may still go there. NodeInfo holds these taints, derived once per Node
 * (`framework/node-taints.ts`).
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  findUntolerated,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_EFFECT_PREFER_NO_SCHEDULE,
  type TaintLike,
  toleratesTaint,
} from '../../sdk/scheduling/index.js';
import type { StateData } from '../framework/cycle-state.js';
import {
  type ClusterEventWithHint,
  type EnqueueExtensions,
  type FilterPlugin,
  MAX_NODE_SCORE,
  type PluginFactory,
  type PreScorePlugin,
  type QueueingHint,
  type ScorePlugin,
} from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';
import { ROW_NO_NODE, ROW_TAINTED } from '../framework/node-table.js';
import { effectiveTaints } from '../framework/node-taints.js';
import { Status } from '../framework/status.js';
import { defaultNormalizeScore } from './helper/normalize-score.js';

export const TAINT_TOLERATION = 'TaintToleration';

const preScoreStateKey = `PreScore${TAINT_TOLERATION}`;

const doNotSchedule = (t: TaintLike) =>
  t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE;

/** The first NoSchedule/NoExecute taint of the node that the pod does not tolerate. */
export function untoleratedTaint(node: Node, tolerations: readonly Toleration[]): TaintLike | undefined {
  return untoleratedOf(effectiveTaints(node), tolerations);
}

function untoleratedOf(
  taints: readonly TaintLike[],
  tolerations: readonly Toleration[],
): TaintLike | undefined {
  return taints.length === 0 ? undefined : findUntolerated(taints, tolerations, doNotSchedule);
}

/** kube's FailedScheduling reason: `node(s) had untolerated taint {key: value}`. */
export function untoleratedTaintReason(taint: TaintLike): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value}}`;
}

class PreScoreState implements StateData {
  constructor(readonly tolerationsPreferNoSchedule: readonly Toleration[]) {}
  clone(): StateData {
    return this;
  }
}

/** Tolerations that can tolerate PreferNoSchedule taints: that effect, or every effect. */
function preferNoScheduleTolerations(pod: Pod): Toleration[] {
  return (pod.spec?.tolerations ?? []).filter(
    (t) => t.effect === '' || t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE,
  );
}

const hasPreferNoScheduleTaint = (nodeInfo: NodeInfo): boolean => nodeInfo.hasPreferNoScheduleTaint;

function countIntolerablePreferNoSchedule(
  taints: readonly TaintLike[],
  tolerations: readonly Toleration[],
): number {
  let n = 0;
  for (const t of taints)
    if (t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE && !toleratesTaint(tolerations, t)) n++;
  return n;
}

const noTolerations: readonly Toleration[] = [];

export const taintToleration: PluginFactory = () => {
  const plugin: FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: TAINT_TOLERATION,

    rowCondition() {
      // An untainted node has nothing to tolerate; a tainted one is looked at.
      return { clearFlags: ROW_NO_NODE | ROW_TAINTED };
    },

    filter(_state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return Status.error(new Error('node not found'));
      // The taints NodeInfo derived from the Node (readiness included), not the Node's.
      const taint = untoleratedOf(nodeInfo.taints, pod.spec?.tolerations ?? noTolerations);
      return taint === undefined ? Status.SUCCESS : Status.unresolvable(untoleratedTaintReason(taint));
    },

    preScore(state, pod, nodes) {
      if (nodes.length === 0) return Status.SUCCESS;
      // No node has a PreferNoSchedule taint: every node would score the same, which
      // cannot change the choice, so the score and its normalisation are skipped. The
      // table counts them over every node: none there, none among these.
      if (state.nodeTable?.preferNoScheduleRows === 0 || !nodes.some(hasPreferNoScheduleTaint))
        return Status.SKIP;
      state.write(preScoreStateKey, new PreScoreState(preferNoScheduleTolerations(pod)));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) throw new Error('node not found');
      const tolerations =
        state.read<PreScoreState>(preScoreStateKey)?.tolerationsPreferNoSchedule ??
        preferNoScheduleTolerations(pod);
      return countIntolerablePreferNoSchedule(nodeInfo.taints, tolerations);
    },

    normalizeScore(_state, _pod, scores) {
      defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
      return Status.SUCCESS;
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      // Queue when the node went from holding an untolerated taint to none.
      const afterNodeChange = (pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint => {
        const after = newObj as Node | undefined;
        if (after === undefined) return 'Skip';
        const tolerations = pod.spec?.tolerations ?? [];
        const before = oldObj as Node | undefined;
        const was = before === undefined || untoleratedTaint(before, tolerations) !== undefined;
        return was && untoleratedTaint(after, tolerations) === undefined ? 'Queue' : 'Skip';
      };
      return [
        { event: { resource: 'Node', action: 'Add' }, hint: afterNodeChange },
        { event: { resource: 'Node', action: 'UpdateNodeTaint' }, hint: afterNodeChange },
        // A node becoming Ready drops its readiness taint.
        { event: { resource: 'Node', action: 'UpdateNodeCondition' }, hint: afterNodeChange },
        {
          event: { resource: 'UnscheduledPod', action: 'UpdatePodTolerations' },
          hint: (pod, _oldObj, newObj): QueueingHint =>
            (newObj as Pod | undefined)?.metadata?.uid === pod.metadata?.uid ? 'Queue' : 'Skip',
        },
      ];
    },
  };
  return plugin;
};
