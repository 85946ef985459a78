/**
 * A StatefulSet's pods and their stable identity (Kubernetes' stateful_set_utils): pod
 * `<set>-<ordinal>` keeps its name, hostname and subdomain across deletions, carries
 * the labels `statefulset.kubernetes.io/pod-name`, `apps.kubernetes.io/pod-index` and
 * `controller-revision-hash` (the name of the revision it was made from), and mounts the
 * set's claim templates as the volumes `<claim>-<set>-<ordinal>`.
 */
import type { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import { Pod, type PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Volume } from '../../sdk/gen/wheelhouse/core/v1/volume.js';
import { controllerRef } from '../../sdk/owner-references.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { isPodAvailable, isPodReady } from '../shared/pod-state.js';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

const ordinalPattern = /^(.*)-([0-9]+)$/;

/** The parent's name and the ordinal in a pod's name; ordinal -1 when the name has none. */
export function parentNameAndOrdinal(podName: string): { parent: string; ordinal: number } {
  const m = ordinalPattern.exec(podName);
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return {
    parent: m[1] ?? '',
    ordinal: Number.isSafeInteger(ordinal) && ordinal <= 2 ** 31 - 1 ? ordinal : -1,
  };
}

export function ordinalOf(pod: Pod): number {
  return parentNameAndOrdinal(pod.metadata?.name ?? '').ordinal;
}

/** Whether the pod's name makes it a member of `set` (`<set>-<ordinal>`). */
export function isMemberOf(set: StatefulSet, pod: Pod): boolean {
  return parentNameAndOrdinal(pod.metadata?.name ?? '').parent === set.metadata?.name;
}

export function podName(set: StatefulSet, ordinal: number): string {
  return `${set.metadata?.name ?? ''}-${ordinal}`;
}

/** The first ordinal (`spec.ordinals.start`, 0 by default). */
export function startOrdinal(set: StatefulSet): number {
  return set.spec?.ordinals?.start ?? 0;
}

export function replicasOf(set: StatefulSet): number {
  return set.spec?.replicas ?? 1;
}

/** Whether the ordinal is one `spec.replicas` asks for: start ≤ ordinal < start + replicas. */
export function inOrdinalRange(set: StatefulSet, ordinal: number): boolean {
  const start = startOrdinal(set);
  return ordinal >= start && ordinal < start + replicasOf(set);
}

/** The revision (a ControllerRevision name) the pod was made from. */
export function podRevision(pod: Pod): string {
  return pod.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';
}

/** The name, namespace and identity labels match the set (Kubernetes' identityMatches). */
export function identityMatches(set: StatefulSet, pod: Pod): boolean {
  const { parent, ordinal } = parentNameAndOrdinal(pod.metadata?.name ?? '');
  const labels = pod.metadata?.labels ?? {};
  return (
    ordinal >= 0 &&
    parent === set.metadata?.name &&
    pod.metadata?.namespace === set.metadata?.namespace &&
    labels[POD_NAME_LABEL] === pod.metadata?.name &&
    labels[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** The claim a pod of this ordinal mounts for a claim template (`<claim>-<set>-<ordinal>`). */
export function claimName(set: StatefulSet, template: string, ordinal: number): string {
  return `${template}-${set.metadata?.name ?? ''}-${ordinal}`;
}

/** Every claim template mounts the pod's own claim; the template's volumes of those names give way. */
export function storageMatches(set: StatefulSet, pod: Pod): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  return (set.spec?.volumeClaimTemplates ?? []).every((claim) => {
    const name = claim.metadata?.name ?? '';
    return volumes.get(name)?.persistentVolumeClaim?.claimName === claimName(set, name, ordinal);
  });
}

function claimVolumes(set: StatefulSet, ordinal: number, current: readonly Volume[]): Volume[] {
  const templates = (set.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name ?? '');
  const claims: Volume[] = templates.map((name) => ({
    name,
    persistentVolumeClaim: { claimName: claimName(set, name, ordinal), readOnly: false },
  }));
  return [...claims, ...current.filter((v) => !templates.includes(v.name))];
}

/**
 * Gives an existing pod the identity of its ordinal in `set` (Kubernetes' updateIdentity
 * and updateStorage): labels and volumes. Hostname and subdomain are immutable and set
 * only at creation. Mutates and returns `pod`.
 */
export function updateIdentity(set: StatefulSet, pod: Pod): Pod {
  const ordinal = ordinalOf(pod);
  const meta = pod.metadata;
  if (!meta) return pod;
  meta.labels = { ...meta.labels, [POD_NAME_LABEL]: meta.name, [POD_INDEX_LABEL]: String(ordinal) };
  if (pod.spec) pod.spec.volumes = claimVolumes(set, ordinal, pod.spec.volumes);
  return pod;
}

/**
 * The pod of `ordinal` made from `template`, labelled with `revision` and controlled by
 * `set` (which must carry apiVersion and kind).
 */
export function newStatefulSetPod(
  set: StatefulSet,
  template: PodTemplateSpec | undefined,
  revision: string,
  ordinal: number,
): Pod {
  const name = podName(set, ordinal);
  const pod = Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata?.namespace ?? '',
      labels: {
        ...template?.metadata?.labels,
        [POD_NAME_LABEL]: name,
        [POD_INDEX_LABEL]: String(ordinal),
        [CONTROLLER_REVISION_HASH_LABEL]: revision,
      },
      annotations: { ...template?.metadata?.annotations },
      finalizers: [...(template?.metadata?.finalizers ?? [])],
      ownerReferences: [controllerRef(set)],
    },
    spec: {
      ...structuredClone(template?.spec),
      hostname: name,
      subdomain: set.spec?.serviceName ?? '',
    },
  });
  return updateIdentity(set, pod);
}

/** Phase Running and the Ready condition True (Kubernetes' isRunningAndReady). */
export function isRunningAndReady(pod: Pod): boolean {
  return pod.status?.phase === 'Running' && isPodReady(pod);
}

export function isRunningAndAvailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return pod.status?.phase === 'Running' && isPodAvailable(pod, minReadySeconds, now);
}

export function isTerminating(pod: Pod): boolean {
  return pod.metadata?.deletionTimestamp !== undefined;
}

export function isHealthy(pod: Pod): boolean {
  return isRunningAndReady(pod) && !isTerminating(pod);
}

/** Not healthy, or healthy for less than minReadySeconds. */
export function isUnavailable(pod: Pod, minReadySeconds: number, now: number): boolean {
  return !isHealthy(pod) || !isRunningAndAvailable(pod, minReadySeconds, now);
}

/** Finished: a StatefulSet's pod must run forever, so a finished one is replaced. */
export function isFinished(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Failed' || phase === 'Succeeded';
}
