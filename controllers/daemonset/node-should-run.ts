/**
 * Which nodes a DaemonSet runs on (Kubernetes' NodeShouldRunDaemonPod), from its pod
 * template alone: the template's `nodeName` if set, its `nodeSelector` and required node
 * affinity against the node's labels and name, and its tolerations (plus the daemon
 * tolerations every daemon pod gets) against the node's NoSchedule and NoExecute taints.
 *
 * - `shouldRun`: a pod should be created there if there is none.
 * - `shouldContinueRunning`: a pod already there may stay. A node whose only untolerated
 *   taints are NoSchedule keeps its pod (NoSchedule does not evict); one with an
 *   untolerated NoExecute taint, or that the selectors no longer pick, does not.
 *
 * Resources and ports are the scheduler's business: it binds the pod to its node or
 * leaves it pending there, as it does for any pod.
 */
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod, type PodSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  findUntolerated,
  requiredNodeAffinityOf,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
} from '../../sdk/scheduling/index.js';
import { addDaemonTolerations } from './daemon-pod-template.js';

export interface NodeFit {
  readonly shouldRun: boolean;
  readonly shouldContinueRunning: boolean;
}

/** A DaemonSet's placement rules, compiled once for many nodes. */
export type DaemonPlacement = (node: Node) => NodeFit;

const noFit: NodeFit = { shouldRun: false, shouldContinueRunning: false };
const fits: NodeFit = { shouldRun: true, shouldContinueRunning: true };
const keepsOnly: NodeFit = { shouldRun: false, shouldContinueRunning: true };

const blocking = (t: { effect: string }) =>
  t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE;
const evicting = (t: { effect: string }) => t.effect === TAINT_EFFECT_NO_EXECUTE;

export function compilePlacement(ds: DaemonSet): DaemonPlacement {
  const pod = Pod.fromPartial({ spec: ds.spec?.template?.spec ?? {} });
  const spec = pod.spec as PodSpec;
  addDaemonTolerations(spec);
  const nodeName = spec.nodeName;
  // Invalid required terms select nothing, as Kubernetes ignores terms it cannot parse.
  const affinity = requiredNodeAffinityOf(pod);
  return (node) => {
    const name = node.metadata?.name ?? '';
    if (nodeName !== '' && nodeName !== name) return noFit;
    if (!affinity.matches(node)) return noFit;
    const taints = node.spec?.taints ?? [];
    if (findUntolerated(taints, spec.tolerations, blocking) === undefined) return fits;
    return findUntolerated(taints, spec.tolerations, evicting) === undefined ? keepsOnly : noFit;
  };
}

const compiled = new WeakMap<DaemonSet, DaemonPlacement>();

/**
 * The placement of `ds`, compiled once per object: informers replace an object on every
 * change, so a cached DaemonSet's placement is compiled once for all the nodes and
 * events that look at it.
 */
export function placementOf(ds: DaemonSet): DaemonPlacement {
  let placement = compiled.get(ds);
  if (!placement) {
    placement = compilePlacement(ds);
    compiled.set(ds, placement);
  }
  return placement;
}

/** Whether `ds` should run a pod on `node`, and whether one there may stay. */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): NodeFit {
  return placementOf(ds)(node);
}
