/**
 * One reconcile of a StatefulSet as pure data (Kubernetes' updateStatefulSet): from the
 * set, the pods it owns and its current and update revisions, the status to record and
 * the writes to make, in steps. The controller runs the steps in order, the actions of
 * one step at once, and stops at the first step with a failure.
 *
 * - Pods with an ordinal in [start, start + replicas) are replicas; a missing one is
 *   created (from the current revision below the partition, else from the update
 *   revision), a finished one deleted so it is made again under the same name.
 * - Pods with an ordinal outside that range are condemned and deleted, highest first.
 * - OrderedReady ("monotonic") does one thing at a time and waits: a replica is created
 *   only once every lower one is Running, Ready and available, a condemned pod deleted
 *   only once every replica is, and a terminating pod blocks everything. Parallel does
 *   every create, then every delete, in the same reconcile.
 * - RollingUpdate then replaces pods not at the update revision, from the highest ordinal
 *   down to the partition: one at a time waiting for it to be available again, or up to
 *   maxUnavailable at once when it is set. OnDelete replaces nothing: deleted pods come
 *   back at the update revision.
 */
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { StatefulSet, StatefulSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { scaledValue } from '../../sdk/int-or-string.js';
import {
  identityMatches,
  inOrdinalRange,
  isFinished,
  isRunningAndAvailable,
  isRunningAndReady,
  isTerminating,
  isUnavailable,
  newStatefulSetPod,
  ordinalOf,
  podRevision,
  replicasOf,
  startOrdinal,
  storageMatches,
  updateIdentity,
} from './stateful-pod.js';
import { templateOf } from './stateful-set-revision.js';

export type StatefulSetAction =
  | { readonly type: 'create'; readonly pod: Pod }
  /** `forUpdate`: replaced by the rolling update, so one fewer pod is at the current revision. */
  | { readonly type: 'delete'; readonly pod: Pod; readonly forUpdate: boolean }
  /** Restores the identity labels and claim volumes of an existing pod (an adopted one, say). */
  | { readonly type: 'update'; readonly pod: Pod };

export interface StatefulSetPlan {
  /** The status before any action of the steps; a successful `forUpdate` delete lowers currentReplicas. */
  readonly status: StatefulSetStatus;
  readonly steps: readonly (readonly StatefulSetAction[])[];
}

export interface PlanInput {
  /** With apiVersion and kind (pods' owner references are made from it). */
  readonly set: StatefulSet;
  /** The pods the set owns (any phase, terminating included). */
  readonly pods: readonly Pod[];
  readonly currentRevision: ControllerRevision;
  readonly updateRevision: ControllerRevision;
  readonly collisionCount: number;
  readonly now: number;
}

/** The status counts over `pods` (Kubernetes' computeReplicaStatus). */
export function countStatus(
  pods: readonly Pod[],
  minReadySeconds: number,
  currentRevision: string,
  updateRevision: string,
  now: number,
): Pick<
  StatefulSetStatus,
  'replicas' | 'readyReplicas' | 'availableReplicas' | 'currentReplicas' | 'updatedReplicas'
> {
  const counts = {
    replicas: 0,
    readyReplicas: 0,
    availableReplicas: 0,
    currentReplicas: 0,
    updatedReplicas: 0,
  };
  for (const pod of pods) {
    counts.replicas++;
    if (isRunningAndReady(pod)) {
      counts.readyReplicas++;
      if (isRunningAndAvailable(pod, minReadySeconds, now)) counts.availableReplicas++;
    }
    if (isTerminating(pod)) continue;
    const revision = podRevision(pod);
    if (revision === currentRevision) counts.currentReplicas++;
    if (revision === updateRevision) counts.updatedReplicas++;
  }
  return counts;
}

/** maxUnavailable against the replicas, rounded down, at least 1; undefined when not set. */
export function maxUnavailableOf(set: StatefulSet): number | undefined {
  const rolling = set.spec?.updateStrategy?.rollingUpdate;
  if (rolling?.maxUnavailable?.value === undefined) return undefined;
  return Math.max(1, scaledValue(rolling.maxUnavailable, replicasOf(set), false));
}

export function planStatefulSet(input: PlanInput): StatefulSetPlan {
  const { set, pods, currentRevision, updateRevision, now } = input;
  const minReady = set.spec?.minReadySeconds ?? 0;
  const spec = set.spec;
  const members = pods.filter((p) => ordinalOf(p) >= 0);
  const status: StatefulSetStatus = {
    observedGeneration: set.metadata?.generation ?? '0',
    currentRevision: currentRevision.metadata?.name ?? '',
    updateRevision: updateRevision.metadata?.name ?? '',
    collisionCount: input.collisionCount,
    conditions: set.status?.conditions ?? [],
    ...countStatus(
      members,
      minReady,
      currentRevision.metadata?.name ?? '',
      updateRevision.metadata?.name ?? '',
      now,
    ),
  };
  const steps: StatefulSetAction[][] = [];
  if (set.metadata?.deletionTimestamp !== undefined) return { status, steps };

  const start = startOrdinal(set);
  const count = replicasOf(set);
  const replicas: (Pod | undefined)[] = new Array(count).fill(undefined);
  const condemned: Pod[] = [];
  for (const pod of members) {
    const ordinal = ordinalOf(pod);
    if (inOrdinalRange(set, ordinal)) replicas[ordinal - start] = pod;
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));

  const partition = spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
  const rolling = spec?.updateStrategy?.type === 'RollingUpdate';
  const currentTemplate = templateOf(currentRevision);
  const updateTemplate = templateOf(updateRevision);
  /** Below the partition of a rolling update, a new pod is made at the current revision. */
  const newPod = (ordinal: number): Pod =>
    rolling && ordinal < start + partition
      ? newStatefulSetPod(set, currentTemplate, currentRevision.metadata?.name ?? '', ordinal)
      : newStatefulSetPod(set, updateTemplate, updateRevision.metadata?.name ?? '', ordinal);

  // The first unavailable pod: replicas by ordinal, then condemned from the lowest.
  let firstUnavailable: Pod | undefined;
  for (const pod of replicas) {
    if (pod && isUnavailable(pod, minReady, now)) {
      firstUnavailable = pod;
      break;
    }
  }
  if (!firstUnavailable) {
    for (let i = condemned.length - 1; i >= 0; i--) {
      const pod = condemned[i] as Pod;
      if (isUnavailable(pod, minReady, now)) {
        firstUnavailable = pod;
        break;
      }
    }
  }

  const monotonic = spec?.podManagementPolicy !== 'Parallel';

  // 1. Replicas: replace finished pods, create missing ones, restore identities.
  const burst: StatefulSetAction[] = [];
  const act = (action: StatefulSetAction) => (monotonic ? steps.push([action]) : burst.push(action));
  for (let i = 0; i < count; i++) {
    const pod = replicas[i];
    if (!pod) {
      act({ type: 'create', pod: newPod(start + i) });
      if (monotonic) return { status, steps };
      continue;
    }
    if (isFinished(pod)) {
      // Made again under the same name once this one is gone.
      if (!isTerminating(pod)) act(del(pod, false));
      if (monotonic) return { status, steps };
      continue;
    }
    if (monotonic && isUnavailable(pod, minReady, now)) return { status, steps };
    if (!identityMatches(set, pod) || !storageMatches(set, pod)) {
      act({ type: 'update', pod: updateIdentity(set, structuredClone(pod)) });
    }
  }
  if (burst.length > 0) steps.push(burst);

  // 2. Condemned pods, highest ordinal first.
  const condemnedStep: StatefulSetAction[] = [];
  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return { status, steps };
      continue;
    }
    if (monotonic && pod !== firstUnavailable && isUnavailable(pod, minReady, now)) return { status, steps };
    condemnedStep.push(del(pod, false));
    if (monotonic) break;
  }
  if (condemnedStep.length > 0) steps.push(condemnedStep);
  if (monotonic && condemnedStep.length > 0) return { status, steps };

  // 3. The rolling update. A replica still missing counts as unavailable.
  if (!rolling) return { status, steps };
  const updateName = updateRevision.metadata?.name ?? '';
  const outdated = (pod: Pod | undefined) =>
    pod !== undefined && podRevision(pod) !== updateName && !isTerminating(pod);
  const unavailable = (pod: Pod | undefined) => pod === undefined || isUnavailable(pod, minReady, now);
  const maxUnavailable = maxUnavailableOf(set);
  if (maxUnavailable === undefined) {
    for (let i = count - 1; i >= partition; i--) {
      const pod = replicas[i];
      if (pod && outdated(pod)) {
        steps.push([del(pod, true)]);
        return { status, steps };
      }
      if (unavailable(pod)) return { status, steps };
    }
    return { status, steps };
  }
  const budget = maxUnavailable - replicas.filter(unavailable).length;
  const rollingStep: StatefulSetAction[] = [];
  for (let i = count - 1; i >= partition && rollingStep.length < budget; i--) {
    const pod = replicas[i];
    if (pod && outdated(pod)) rollingStep.push(del(pod, true));
  }
  if (rollingStep.length > 0) steps.push(rollingStep);
  return { status, steps };
}

function del(pod: Pod, forUpdate: boolean): StatefulSetAction {
  return { type: 'delete', pod, forUpdate };
}
