/**
 * The statuses a simulated pod goes through, as the kubelet would report them for
 * containers that really ran: running (every container running, started and ready, init
 * containers completed), restarted (a container that exited and was started again), and
 * terminated (Succeeded or Failed). Each is built from the pod's current status, keeping
 * what has not changed (start times, transition times, restart counts), so that building
 * the status a pod already has yields an identical one and nothing is written.
 */
import { createHash } from 'node:crypto';
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import {
  type ContainerState,
  type ContainerStatus,
  type Pod,
  type PodCondition,
  PodStatus,
} from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import { SIMULATED_RUNTIME } from './simulated-node.js';

export interface PodPlacement {
  readonly hostIP: string;
  readonly podIP: string;
  readonly now: Date;
}

/** `simulated://<64 hex>`: stable for a pod's container instance, so a restarted simulator reports the same id. */
export function simulatedContainerId(uid: string, container: string, attempt: number): string {
  const id = createHash('sha256').update(`${uid}/${container}/${attempt}`).digest('hex');
  return `${SIMULATED_RUNTIME}://${id}`;
}

function imageIdOf(image: string): string {
  return `${SIMULATED_RUNTIME}://${image}`;
}

function condition(
  current: readonly PodCondition[],
  type: string,
  status: 'True' | 'False',
  now: Date,
  reason = '',
): PodCondition {
  const before = current.find((c) => c.type === type);
  if (before && before.status === status && before.reason === reason) return before;
  return {
    type,
    status,
    lastProbeTime: undefined,
    lastTransitionTime: now,
    reason,
    message: '',
    observedGeneration: '0',
  };
}

/** PodScheduled as it is (the binding set it), then the kubelet's conditions. */
function conditions(pod: Pod, now: Date, ready: boolean, terminal: boolean): PodCondition[] {
  const current = pod.status?.conditions ?? [];
  const scheduled =
    current.find((c) => c.type === 'PodScheduled') ?? condition([], 'PodScheduled', 'True', now);
  const gatesPass = (pod.spec?.readinessGates ?? []).every(
    (g) => current.find((c) => c.type === g.conditionType)?.status === 'True',
  );
  const reason = terminal ? 'PodCompleted' : '';
  const gates = (pod.spec?.readinessGates ?? [])
    .map((g) => current.find((c) => c.type === g.conditionType))
    .filter((c): c is PodCondition => c !== undefined);
  return [
    condition(current, 'PodReadyToStartContainers', terminal ? 'False' : 'True', now),
    condition(current, 'Initialized', 'True', now),
    condition(
      current,
      'Ready',
      ready && gatesPass ? 'True' : 'False',
      now,
      reason || (gatesPass ? '' : 'ReadinessGatesNotReady'),
    ),
    condition(current, 'ContainersReady', ready ? 'True' : 'False', now, reason),
    scheduled,
    ...gates,
  ];
}

function previousOf(pod: Pod, name: string, init: boolean): ContainerStatus | undefined {
  const list = init ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  return list?.find((c) => c.name === name);
}

function base(pod: Pod, spec: Container, attempt: number): ContainerStatus {
  return {
    name: spec.name,
    state: undefined,
    lastState: undefined,
    ready: false,
    restartCount: attempt,
    image: spec.image,
    imageId: imageIdOf(spec.image),
    containerId: simulatedContainerId(pod.metadata?.uid ?? '', spec.name, attempt),
    started: false,
    allocatedResources: {},
    resources: undefined,
    stopSignal: '',
  };
}

/** Keeps the running state (and its start time) the container already has for this instance. */
function running(
  pod: Pod,
  spec: Container,
  init: boolean,
  attempt: number,
  startedAt: Date,
): ContainerStatus {
  const previous = previousOf(pod, spec.name, init);
  const status = base(pod, spec, attempt);
  const state: ContainerState =
    previous?.containerId === status.containerId && previous.state?.running
      ? previous.state
      : { running: { startedAt } };
  return { ...status, state, lastState: previous?.lastState, ready: true, started: true };
}

function terminated(
  pod: Pod,
  spec: Container,
  init: boolean,
  attempt: number,
  exit: { exitCode: number; reason: string },
  startedAt: Date,
  finishedAt: Date,
): ContainerStatus {
  const previous = previousOf(pod, spec.name, init);
  const status = base(pod, spec, attempt);
  if (previous?.containerId === status.containerId && previous.state?.terminated) {
    return { ...status, state: previous.state, lastState: previous.lastState, ready: init };
  }
  const ranFrom =
    previous?.containerId === status.containerId
      ? (previous.state?.running?.startedAt ?? startedAt)
      : startedAt;
  return {
    ...status,
    state: {
      terminated: {
        exitCode: exit.exitCode,
        signal: 0,
        reason: exit.reason,
        message: '',
        startedAt: ranFrom,
        finishedAt,
        containerId: status.containerId,
      },
    },
    lastState: previous?.lastState,
    // A completed init container counts as ready, as the kubelet reports it.
    ready: init,
  };
}

/** Init containers ran to completion first; sidecars (restartPolicy Always) keep running. */
function initStatuses(pod: Pod, startTime: Date): ContainerStatus[] {
  return (pod.spec?.initContainers ?? []).map((c) =>
    c.restartPolicy === 'Always'
      ? running(pod, c, true, 0, startTime)
      : terminated(pod, c, true, 0, { exitCode: 0, reason: 'Completed' }, startTime, startTime),
  );
}

function withPlacement(pod: Pod, placement: PodPlacement, startTime: Date) {
  return {
    ...(pod.status ?? PodStatus.create()),
    hostIp: placement.hostIP,
    hostIps: [{ ip: placement.hostIP }],
    podIp: placement.podIP,
    podIps: [{ ip: placement.podIP }],
    startTime,
  };
}

/** Running and Ready: every container running and started since the pod started (or since it was last seen running). */
export function runningStatus(pod: Pod, placement: PodPlacement): PodStatus {
  const startTime = pod.status?.startTime ?? placement.now;
  return PodStatus.fromPartial({
    ...withPlacement(pod, placement, startTime),
    phase: 'Running',
    reason: '',
    message: '',
    conditions: conditions(pod, placement.now, true, false),
    initContainerStatuses: initStatuses(pod, startTime),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => running(pod, c, false, 0, placement.now)),
  });
}

/**
 * Running again after `restarts` exits with `exitCode` (restartPolicy OnFailure), each
 * instance having run `periodMs`: the current one started at startTime + restarts·period.
 */
export function restartedStatus(
  pod: Pod,
  placement: PodPlacement,
  restarts: number,
  periodMs: number,
  exitCode: number,
): PodStatus {
  const startTime = pod.status?.startTime ?? placement.now;
  const at = (n: number) => new Date(startTime.getTime() + n * periodMs);
  return PodStatus.fromPartial({
    ...withPlacement(pod, placement, startTime),
    phase: 'Running',
    reason: '',
    message: '',
    conditions: conditions(pod, placement.now, true, false),
    initContainerStatuses: initStatuses(pod, startTime),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => {
      const status = running(pod, c, false, restarts, at(restarts));
      if (restarts === 0) return status;
      const lastId = simulatedContainerId(pod.metadata?.uid ?? '', c.name, restarts - 1);
      return {
        ...status,
        lastState: {
          terminated: {
            exitCode,
            signal: 0,
            reason: 'Error',
            message: '',
            startedAt: at(restarts - 1),
            finishedAt: at(restarts),
            containerId: lastId,
          },
        },
      };
    }),
  });
}

/** Every container exited with `exitCode` at `placement.now`: Succeeded when 0, Failed otherwise. */
export function terminatedStatus(pod: Pod, placement: PodPlacement, exitCode: number): PodStatus {
  const startTime = pod.status?.startTime ?? placement.now;
  const reason = exitCode === 0 ? 'Completed' : 'Error';
  return PodStatus.fromPartial({
    ...withPlacement(pod, placement, startTime),
    phase: exitCode === 0 ? 'Succeeded' : 'Failed',
    conditions: conditions(pod, placement.now, false, true),
    initContainerStatuses: initStatuses(pod, startTime),
    containerStatuses: (pod.spec?.containers ?? []).map((c) => {
      const attempt = previousOf(pod, c.name, false)?.restartCount ?? 0;
      return terminated(pod, c, false, attempt, { exitCode, reason }, startTime, placement.now);
    }),
  });
}

/** Whether `next` differs from what the pod reports now (then it is written). */
export function podStatusChanged(pod: Pod, next: PodStatus): boolean {
  const current = pod.status;
  if (!current) return true;
  // Compared by their Protobuf encodings: field by field as JSON would, without building
  // two JSON documents (dates as ISO strings) per pod action.
  return !encodeToBuffer(PodStatus, current).equals(encodeToBuffer(PodStatus, next));
}
