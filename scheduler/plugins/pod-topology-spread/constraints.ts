/**
 * A pod's topology spread constraints as PodTopologySpread evaluates them
 * (kube-scheduler's podtopologyspread/common.go): which pods count, in which domains,
 * and which nodes are domains at all.
 */
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { TopologySpreadConstraint } from '../../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  fromLabelSelector,
  fromRequirements,
  type Labels,
  matches,
  newRequirement,
} from '../../../sdk/labels/index.js';
import { controllerOf } from '../../../sdk/owner-references.js';
import {
  findUntolerated,
  type RequiredNodeAffinity,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
} from '../../../sdk/scheduling/index.js';
import type { NodeInfo } from '../../framework/node-info.js';

export const DO_NOT_SCHEDULE = 'DoNotSchedule';
export const SCHEDULE_ANYWAY = 'ScheduleAnyway';
export const LABEL_HOSTNAME = 'kubernetes.io/hostname';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';

export type InclusionPolicy = 'Honor' | 'Ignore';

export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  /** Domains assumed to exist (the global minimum is 0 while fewer are eligible); 1 when unset. */
  readonly minDomains: number;
  /** Honor (default): only nodes the pod's nodeSelector/required node affinity selects are domains. */
  readonly nodeAffinityPolicy: InclusionPolicy;
  /** Honor: nodes with a taint the pod does not tolerate are not domains; Ignore (default): they are. */
  readonly nodeTaintsPolicy: InclusionPolicy;
  /** Whether a pod (of the incoming pod's namespace) counts. */
  matches(pod: Pod): boolean;
  /**
   * Set when `matches` means "controlled by this uid" (the system defaults): the count of
   * a node is then read from its per-controller counts instead of walking its pods.
   */
  readonly controllerUid?: string;
}

/**
 * The constraints the system adds to a pod that has none, as kube-scheduler 1.32's
 * `defaultingType: System`: spread by host (maxSkew 3) and by zone (maxSkew 5), scoring only.
 */
export const SYSTEM_DEFAULT_CONSTRAINTS: readonly Pick<
  TopologySpreadConstraint,
  'maxSkew' | 'topologyKey' | 'whenUnsatisfiable'
>[] = [
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 3 },
  { topologyKey: LABEL_ZONE, whenUnsatisfiable: SCHEDULE_ANYWAY, maxSkew: 5 },
];

/** Owner kinds whose pods are spread by default: the workload controllers that keep replicas. */
const REPLICATED_KINDS = new Set(['ReplicaSet', 'ReplicationController', 'StatefulSet']);

const policy = (v: string, dflt: InclusionPolicy): InclusionPolicy =>
  v === 'Honor' || v === 'Ignore' ? v : dflt;

/**
 * The pod's own constraints with `whenUnsatisfiable === action`: label selectors
 * compiled, matchLabelKeys folded in with the pod's values (a key the pod lacks is
 * ignored), defaults filled in.
 */
export function podConstraints(pod: Pod, action: string): SpreadConstraint[] {
  const podLabels: Labels = pod.metadata?.labels ?? {};
  const out: SpreadConstraint[] = [];
  for (const c of pod.spec?.topologySpreadConstraints ?? []) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = fromLabelSelector(c.labelSelector);
    const extra = c.matchLabelKeys.flatMap((k) => {
      const v = podLabels[k];
      return v === undefined ? [] : [newRequirement(k, 'In', [v])];
    });
    if (extra.length > 0 && !selector.matchesNothing)
      selector = fromRequirements([...selector.requirements, ...extra]);
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: policy(c.nodeAffinityPolicy, 'Honor'),
      nodeTaintsPolicy: policy(c.nodeTaintsPolicy, 'Ignore'),
      matches: (p) => matches(selector, p.metadata?.labels),
    });
  }
  return out;
}

/**
 * Default constraints (`defaults`, of `whenUnsatisfiable === action`) for a pod without
 * constraints of its own. They apply only to a pod kept by a replicating controller:
 * Kubernetes selects the pods its owner selects; here the pods that owner controls
 * (the same set unless pods are relabelled by hand) count.
 */
export function defaultConstraints(
  pod: Pod,
  defaults: readonly Pick<TopologySpreadConstraint, 'maxSkew' | 'topologyKey' | 'whenUnsatisfiable'>[],
  action: string,
): SpreadConstraint[] {
  const owner = controllerOf(pod);
  if (owner === undefined || !REPLICATED_KINDS.has(owner.kind)) return [];
  const ownerUid = owner.uid;
  const sameOwner = (p: Pod) => controllerOf(p)?.uid === ownerUid;
  return defaults
    .filter((c) => c.whenUnsatisfiable === action)
    .map((c) => ({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      minDomains: 1,
      nodeAffinityPolicy: 'Honor',
      nodeTaintsPolicy: 'Ignore',
      matches: sameOwner,
      ...(ownerUid !== '' ? { controllerUid: ownerUid } : {}),
    }));
}

/** Whether the node has every constraint's topology label. */
export function nodeHasAllTopologyKeys(labels: Labels, constraints: readonly SpreadConstraint[]): boolean {
  return constraints.every((c) => labels[c.topologyKey] !== undefined);
}

/** Whether the node is a domain of `c` for `pod`, by the constraint's inclusion policies. */
export function matchesNodeInclusionPolicies(
  c: SpreadConstraint,
  pod: Pod,
  node: Node,
  requiredNodeAffinity: RequiredNodeAffinity,
): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && !requiredNodeAffinity.matches(node)) return false;
  if (c.nodeTaintsPolicy === 'Honor') {
    const untolerated = findUntolerated(
      node.spec?.taints ?? [],
      pod.spec?.tolerations ?? [],
      (t) => t.effect === TAINT_EFFECT_NO_SCHEDULE || t.effect === TAINT_EFFECT_NO_EXECUTE,
    );
    if (untolerated !== undefined) return false;
  }
  return true;
}

/** The pods of a node that count: of the namespace, matching, and not terminating. */
export function countMatching(ni: NodeInfo, c: SpreadConstraint, namespace: string): number {
  // A controller's pods share its namespace; the node keeps their count.
  if (c.controllerUid !== undefined) return ni.podsByController.get(c.controllerUid) ?? 0;
  let n = 0;
  for (const p of ni.pods) {
    const m = p.pod.metadata;
    if (m?.deletionTimestamp !== undefined || m?.namespace !== namespace) continue;
    if (c.matches(p.pod)) n++;
  }
  return n;
}
