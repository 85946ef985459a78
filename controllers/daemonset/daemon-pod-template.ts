/**
 * What a DaemonSet's pods look like (Kubernetes' daemon/util): the template with the
 * tolerations every daemon pod gets, the `controller-revision-hash` label of the revision
 * it was made from, and a required node affinity naming its node, so that the default
 * scheduler binds it there and nowhere else.
 */
import { type Pod, type PodSpec, PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Affinity, Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import {
  NODE_NAME_FIELD,
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_DISK_PRESSURE,
  TAINT_NODE_MEMORY_PRESSURE,
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_PID_PRESSURE,
  TAINT_NODE_UNREACHABLE,
  TAINT_NODE_UNSCHEDULABLE,
} from '../../sdk/scheduling/index.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';

const exists = (key: string, effect: string): Toleration => ({ key, operator: 'Exists', value: '', effect });

/**
 * A daemon pod stays on a node that is not ready or unreachable (NoExecute, no
 * tolerationSeconds), and lands on nodes under pressure or cordoned: it is usually what
 * the node needs to recover. Host-network pods also tolerate a node whose network is not
 * configured yet, since they may be what configures it.
 */
export const DAEMON_TOLERATIONS: readonly Toleration[] = [
  exists(TAINT_NODE_NOT_READY, TAINT_EFFECT_NO_EXECUTE),
  exists(TAINT_NODE_UNREACHABLE, TAINT_EFFECT_NO_EXECUTE),
  exists(TAINT_NODE_DISK_PRESSURE, TAINT_EFFECT_NO_SCHEDULE),
  exists(TAINT_NODE_MEMORY_PRESSURE, TAINT_EFFECT_NO_SCHEDULE),
  exists(TAINT_NODE_PID_PRESSURE, TAINT_EFFECT_NO_SCHEDULE),
  exists(TAINT_NODE_UNSCHEDULABLE, TAINT_EFFECT_NO_SCHEDULE),
];
export const HOST_NETWORK_TOLERATION: Toleration = exists(
  TAINT_NODE_NETWORK_UNAVAILABLE,
  TAINT_EFFECT_NO_SCHEDULE,
);

const sameToleration = (a: Toleration, b: Toleration) =>
  a.key === b.key && a.operator === b.operator && a.value === b.value && a.effect === b.effect;

/**
 * Adds `toleration` to `spec`, replacing one with the same key, operator, value and
 * effect (whatever its tolerationSeconds), in place; otherwise appends it.
 */
function addOrUpdateToleration(spec: PodSpec, toleration: Toleration): void {
  let replaced = false;
  spec.tolerations = spec.tolerations.map((t) => {
    if (!sameToleration(t, toleration)) return t;
    replaced = true;
    return { ...toleration };
  });
  if (!replaced) spec.tolerations.push({ ...toleration });
}

/** Adds the daemon tolerations to `spec`, in place. */
export function addDaemonTolerations(spec: PodSpec): void {
  for (const t of DAEMON_TOLERATIONS) addOrUpdateToleration(spec, t);
  if (spec.hostNetwork) addOrUpdateToleration(spec, HOST_NETWORK_TOLERATION);
}

/**
 * The template pods of revision `hash` are made from: a copy of the DaemonSet's, with
 * the daemon tolerations and the `controller-revision-hash` label.
 */
export function daemonPodTemplate(template: PodTemplateSpec | undefined, hash: string): PodTemplateSpec {
  const copy = PodTemplateSpec.fromPartial({
    metadata: template?.metadata ?? {},
    spec: template?.spec ?? {},
  });
  if (copy.spec) addDaemonTolerations(copy.spec);
  if (copy.metadata && hash !== '') copy.metadata.labels[CONTROLLER_REVISION_HASH_LABEL] = hash;
  return copy;
}

/**
 * `affinity` with its required node selector replaced by one term that selects `node`
 * by name (its preferred terms and pod affinities kept). The controller has already
 * checked the template's own required terms against the node, so nothing is lost.
 */
export function nodeNameAffinity(affinity: Affinity | undefined, node: string): Affinity {
  const required = {
    nodeSelectorTerms: [
      { matchExpressions: [], matchFields: [{ key: NODE_NAME_FIELD, operator: 'In', values: [node] }] },
    ],
  };
  return {
    ...affinity,
    nodeAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution:
        affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [],
      requiredDuringSchedulingIgnoredDuringExecution: required,
    },
  };
}

/**
 * The node a daemon pod is for: the node it is bound to, else the one its required node
 * affinity names (`metadata.name In [node]`); undefined when it names none.
 */
export function targetNodeName(pod: Pod): string | undefined {
  const bound = pod.spec?.nodeName ?? '';
  if (bound !== '') return bound;
  const terms =
    pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  for (const term of terms ?? []) {
    for (const req of term.matchFields) {
      if (req.key === NODE_NAME_FIELD && req.operator === 'In') {
        return req.values.length === 1 ? req.values[0] : undefined;
      }
    }
  }
  return undefined;
}
