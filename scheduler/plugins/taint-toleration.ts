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
 * everywhere) may still go there.
 */
import type { Node, NodeCondition, Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  findUntolerated,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_EFFECT_PREFER_NO_SCHEDULE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
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
import { Status } from '../framework/status.js';
import { defaultNormalizeScore } from './helper/normalize-score.js';

export const TAINT_TOLERATION = 'TaintToleration';

const preScoreStateKey = `PreScore${TAINT_TOLERATION}`;

/** The taint a node that is not Ready stands for, or undefined when Ready is True or already tainted. */
function readinessTaint(node: Node): TaintLike | undefined {
  let ready: string | undefined;
  for (const c of node.status?.conditions ?? noConditions) {
    if (c.type === 'Ready') {
      ready = c.status;
      break;
    }
  }
  if (ready === 'True') return undefined;
  const key = ready === 'Unknown' ? TAINT_NODE_UNREACHABLE : TAINT_NODE_NOT_READY;
  for (const t of node.spec?.taints ?? noTaints) if (t.key === key) return undefined;
  return ready === 'Unknown' ? unreachableTaint : notReadyTaint;
}

const noConditions: readonly NodeCondition[] = [];
const noTaints: readonly Taint[] = [];
const notReadyTaint: TaintLike = { key: TAINT_NODE_NOT_READY, value: '', effect: TAINT_EFFECT_NO_SCHEDULE };
const unreachableTaint: TaintLike = {
  key: TAINT_NODE_UNREACHABLE,
  value: '',
  effect: TAINT_EFFECT_NO_SCHEDULE,
};

/** The node's taints as scheduling sees them: its own plus the readiness taint above. */
export function effectiveTaints(node: Node): readonly TaintLike[] {
  const taints: readonly Taint[] = node.spec?.taints ?? noTaints;
  const extra = readinessTaint(node);
  return extra === undefined ? taints : [...taints, extra];
}

const doNotSchedule = (t: TaintLike) =>
  t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE;

/** The first NoSchedule/NoExecute taint of the node that the pod does not tolerate. */
export function untoleratedTaint(node: Node, tolerations: readonly Toleration[]): TaintLike | undefined {
  const taints = effectiveTaints(node);
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

function hasPreferNoScheduleTaint(nodeInfo: NodeInfo): boolean {
  const taints = nodeInfo.node?.spec?.taints;
  if (taints === undefined) return false;
  for (const t of taints) if (t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE) return true;
  return false;
}

function countIntolerablePreferNoSchedule(
  taints: readonly TaintLike[],
  tolerations: readonly Toleration[],
): number {
  let n = 0;
  for (const t of taints)
    if (t.effect === TAINT_EFFECT_PREFER_NO_SCHEDULE && !toleratesTaint(tolerations, t)) n++;
  return n;
}

export const taintToleration: PluginFactory = () => {
  const plugin: FilterPlugin & PreScorePlugin & ScorePlugin & EnqueueExtensions = {
    name: TAINT_TOLERATION,

    filter(_state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return Status.error(new Error('node not found'));
      const taint = untoleratedTaint(node, pod.spec?.tolerations ?? []);
      return taint === undefined ? Status.SUCCESS : Status.unresolvable(untoleratedTaintReason(taint));
    },

    preScore(state, pod, nodes) {
      if (nodes.length === 0) return Status.SUCCESS;
      // No node has a PreferNoSchedule taint: every node would score the same, which
      // cannot change the choice, so the score and its normalisation are skipped.
      if (!nodes.some(hasPreferNoScheduleTaint)) return Status.SKIP;
      state.write(preScoreStateKey, new PreScoreState(preferNoScheduleTolerations(pod)));
      return Status.SUCCESS;
    },

    score(state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return { score: 0, status: Status.error(new Error('node not found')) };
      const tolerations =
        state.read<PreScoreState>(preScoreStateKey)?.tolerationsPreferNoSchedule ??
        preferNoScheduleTolerations(pod);
      return {
        score: countIntolerablePreferNoSchedule(node.spec?.taints ?? [], tolerations),
        status: Status.SUCCESS,
      };
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
