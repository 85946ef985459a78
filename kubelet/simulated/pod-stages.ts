/**
 * A simulated pod's lifecycle as data, after kwok's stages: each stage says which pods it
 * applies to, how long after the pod's reference time it acts, and what it does — a new
 * status, or the deletion confirmed. One engine (`nextPodAction`) picks the first stage
 * that matches; the pod controller carries the action out and comes back when a delay
 * runs out. Nothing here talks to the API or reads a clock.
 *
 * Pods whose containers would exit say when through annotations (durations as `2s`,
 * `500ms`, counted from status.startTime), honoured for restartPolicy Never and OnFailure
 * (with Always the kubelet would restart the containers, so the pod stays Running):
 *
 *   simulated.wheelhouse.dev/complete-after: every container exits 0 → Succeeded
 *   simulated.wheelhouse.dev/fail-after:     every container exits 1 → Failed (Never), or
 *                                            restarts, once per period (OnFailure)
 */
import { parseDurationMs } from '../../sdk/duration.js';
import type { Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type PodPlacement,
  podStatusChanged,
  restartedStatus,
  runningStatus,
  terminatedStatus,
} from './pod-status.js';

export const COMPLETE_AFTER_ANNOTATION = 'simulated.wheelhouse.dev/complete-after';
export const FAIL_AFTER_ANNOTATION = 'simulated.wheelhouse.dev/fail-after';

export interface StageInputs extends PodPlacement {
  /** How long after it was first seen on its node a pod starts (--simulated-startup-delay). */
  readonly startupDelayMs: number;
  /** When the simulator first saw the pod bound to its node. */
  readonly seenAt: Date;
}

export type PodAction =
  | { readonly type: 'none' }
  | { readonly type: 'wait'; readonly afterMs: number }
  | { readonly type: 'status'; readonly status: PodStatus; readonly requeueAfterMs?: number }
  /** DeletePod with grace period 0 and a uid precondition, after writing `finalStatus` if any. */
  | { readonly type: 'confirm-deletion'; readonly finalStatus?: PodStatus };

export interface PodStage {
  readonly name: string;
  matches(pod: Pod): boolean;
  /** Milliseconds left before the stage acts (≤ 0: now). */
  remainingMs(pod: Pod, inputs: StageInputs): number;
  act(pod: Pod, inputs: StageInputs): PodAction;
}

const terminal = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
const deleting = (pod: Pod) => pod.metadata?.deletionTimestamp !== undefined;
const runningPhase = (pod: Pod) => pod.status?.phase === 'Running' && !deleting(pod);

/** The duration an annotation gives, or undefined when absent or not a duration. */
export function annotationMs(pod: Pod, annotation: string): number | undefined {
  const text = pod.metadata?.annotations?.[annotation];
  if (text === undefined) return undefined;
  try {
    const ms = parseDurationMs(text);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}

function sinceStart(pod: Pod, inputs: StageInputs): number {
  return inputs.now.getTime() - (pod.status?.startTime ?? inputs.now).getTime();
}

function exitsAfter(pod: Pod, annotation: string, policies: readonly string[]): number | undefined {
  if (!policies.includes(pod.spec?.restartPolicy ?? 'Always')) return undefined;
  return annotationMs(pod, annotation);
}

/** Deletion first, whatever else the pod is doing: the apiserver waits for this confirmation. */
const deletion: PodStage = {
  name: 'pod-delete',
  matches: deleting,
  remainingMs: () => 0,
  act(pod, inputs) {
    const meta = pod.metadata;
    const held = (meta?.finalizers.length ?? 0) > 0;
    // Confirmed before: the pod waits for its finalizers, which are not the kubelet's.
    if (meta?.deletionGracePeriodSeconds === '0') return { type: 'none' };
    // A pod that stays (finalizers) shows how it ended, as the kubelet's last status does.
    if (held && !terminal(pod) && pod.status?.phase === 'Running') {
      return { type: 'confirm-deletion', finalStatus: terminatedStatus(pod, inputs, 0) };
    }
    return { type: 'confirm-deletion' };
  },
};

const completion: PodStage = {
  name: 'pod-complete',
  matches: (pod) =>
    runningPhase(pod) && exitsAfter(pod, COMPLETE_AFTER_ANNOTATION, ['Never', 'OnFailure']) !== undefined,
  remainingMs: (pod, inputs) =>
    (exitsAfter(pod, COMPLETE_AFTER_ANNOTATION, ['Never', 'OnFailure']) ?? 0) - sinceStart(pod, inputs),
  act: (pod, inputs) => ({ type: 'status', status: terminatedStatus(pod, inputs, 0) }),
};

const failure: PodStage = {
  name: 'pod-fail',
  matches: (pod) => runningPhase(pod) && exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['Never']) !== undefined,
  remainingMs: (pod, inputs) =>
    (exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['Never']) ?? 0) - sinceStart(pod, inputs),
  act: (pod, inputs) => ({ type: 'status', status: terminatedStatus(pod, inputs, 1) }),
};

const restart: PodStage = {
  name: 'container-restart',
  matches: (pod) => runningPhase(pod) && (exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['OnFailure']) ?? 0) > 0,
  remainingMs: (pod, inputs) =>
    (exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['OnFailure']) ?? 0) - sinceStart(pod, inputs),
  act(pod, inputs) {
    const period = exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['OnFailure']) ?? 1;
    const elapsed = sinceStart(pod, inputs);
    const restarts = Math.floor(elapsed / period);
    return {
      type: 'status',
      status: restartedStatus(pod, inputs, restarts, period, 1),
      requeueAfterMs: period - (elapsed % period),
    };
  },
};

/** Bound → Running and Ready, once the startup delay has passed; also what keeps a running pod's status as it should be. */
const startup: PodStage = {
  name: 'pod-ready',
  matches: (pod) => !deleting(pod) && !terminal(pod),
  remainingMs: (pod, inputs) =>
    pod.status?.phase === 'Running'
      ? 0
      : inputs.seenAt.getTime() + inputs.startupDelayMs - inputs.now.getTime(),
  act(pod, inputs) {
    // Pods that will exit come back when they do.
    const exit =
      exitsAfter(pod, COMPLETE_AFTER_ANNOTATION, ['Never', 'OnFailure']) ??
      exitsAfter(pod, FAIL_AFTER_ANNOTATION, ['Never', 'OnFailure']);
    const status = runningStatus(pod, inputs);
    const started = status.startTime ?? inputs.now;
    const left = exit === undefined ? undefined : started.getTime() + exit - inputs.now.getTime();
    return { type: 'status', status, ...(left === undefined ? {} : { requeueAfterMs: Math.max(0, left) }) };
  },
};

/** In order: the first that matches a pod decides. */
export const podStages: readonly PodStage[] = [deletion, completion, failure, restart, startup];

/**
 * What to do with `pod` now: the first matching stage's action once its time has come
 * (else wait), with a status dropped when it is what the pod already reports.
 */
export function nextPodAction(
  pod: Pod,
  inputs: StageInputs,
  stages: readonly PodStage[] = podStages,
): PodAction & { readonly stage?: string } {
  const stage = stages.find((s) => s.matches(pod));
  if (!stage) return { type: 'none' };
  const remaining = stage.remainingMs(pod, inputs);
  if (remaining > 0) return { type: 'wait', afterMs: remaining, stage: stage.name };
  const action = stage.act(pod, inputs);
  if (action.type === 'status' && !podStatusChanged(pod, action.status)) {
    return action.requeueAfterMs === undefined
      ? { type: 'none', stage: stage.name }
      : { type: 'wait', afterMs: action.requeueAfterMs, stage: stage.name };
  }
  return { ...action, stage: stage.name };
}
