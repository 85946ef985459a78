/**
 * A pod's status as the kubelet generates it from what the runtime holds: each
 * container's state (waiting, running, terminated, with the previous instance as
 * lastState), the phase, and the conditions PodReadyToStartContainers, Initialized,
 * ContainersReady and Ready — after kubelet's getPhase and its status generator.
 */

import { ContainerState, type ContainerStatus } from '../../sdk/gen/runtime/v1/api.js';
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type {
  ContainerState as ApiContainerState,
  ContainerStatus as ApiContainerStatus,
  Pod,
  PodCondition,
  PodStatus,
} from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { qosClassOf } from '../../sdk/resources/qos.js';
import { nsToMs, type RuntimePod, readySandbox } from '../pods/runtime-pods.js';

/** What the pod worker knows beyond the runtime: why a container waits, and what the probes say. */
export interface ContainerNotes {
  /** Why a container has no running instance: ErrImagePull, CrashLoopBackOff, … */
  readonly waiting: ReadonlyMap<string, { reason: string; message: string }>;
  /** Readiness by container id (no entry: no readiness probe has run). */
  ready(containerName: string, containerId: string): boolean;
  /** Startup probe passed (or there is none). */
  started(containerName: string, containerId: string): boolean;
}

export interface StatusInputs {
  readonly pod: Pod;
  readonly runtimePod: RuntimePod | undefined;
  readonly notes: ContainerNotes;
  readonly runtimeName: string;
  readonly hostIP: string;
  readonly podIP: string;
  readonly startTime: Date;
  /** A terminal outcome the kubelet decided (rejected by admission, deadline exceeded). */
  readonly terminal?: { phase: 'Failed' | 'Succeeded'; reason: string; message: string };
  readonly now: Date;
}

const date = (ns: string): Date | undefined => (ns && ns !== '0' ? new Date(nsToMs(ns)) : undefined);

function terminatedOf(c: ContainerStatus, runtimeName: string): ApiContainerState {
  return {
    terminated: {
      exitCode: c.exitCode,
      signal: 0,
      reason: c.reason || (c.exitCode === 0 ? 'Completed' : 'Error'),
      message: c.message,
      startedAt: date(c.startedAt),
      finishedAt: date(c.finishedAt),
      containerId: `${runtimeName}://${c.id}`,
    },
  };
}

function containerStatus(
  spec: Container,
  instances: readonly ContainerStatus[],
  inputs: StatusInputs,
  defaultWaiting: string,
): ApiContainerStatus {
  const [current, previous] = instances;
  const note = inputs.notes.waiting.get(spec.name);
  const base = {
    name: spec.name,
    image: spec.image,
    imageId: current?.imageRef ?? '',
    containerId: current ? `${inputs.runtimeName}://${current.id}` : '',
    restartCount: current?.metadata?.attempt ?? 0,
    allocatedResources: {},
    stopSignal: '',
  };
  const lastFrom = (c: ContainerStatus | undefined): ApiContainerState | undefined =>
    c && c.state === ContainerState.CONTAINER_EXITED ? terminatedOf(c, inputs.runtimeName) : undefined;
  if (!current) {
    return {
      ...base,
      state: { waiting: note ?? { reason: defaultWaiting, message: '' } },
      ready: false,
      started: false,
    };
  }
  switch (current.state) {
    case ContainerState.CONTAINER_RUNNING:
      return {
        ...base,
        state: { running: { startedAt: date(current.startedAt) } },
        lastState: lastFrom(previous),
        ready: inputs.notes.ready(spec.name, current.id) && inputs.notes.started(spec.name, current.id),
        started: inputs.notes.started(spec.name, current.id),
      };
    case ContainerState.CONTAINER_EXITED:
      if (note) {
        // Waiting to run again: the exited instance is the last state.
        return {
          ...base,
          state: { waiting: note },
          lastState: lastFrom(current),
          ready: false,
          started: false,
        };
      }
      return {
        ...base,
        state: terminatedOf(current, inputs.runtimeName),
        lastState: lastFrom(previous),
        ready: false,
        started: false,
      };
    default:
      return {
        ...base,
        state: { waiting: note ?? { reason: defaultWaiting, message: '' } },
        lastState: lastFrom(previous),
        ready: false,
        started: false,
      };
  }
}

/** Kubernetes' getPhase, over the statuses generated above. */
export function phaseOf(
  pod: Pod,
  init: readonly ApiContainerStatus[],
  app: readonly ApiContainerStatus[],
): string {
  const policy = pod.spec?.restartPolicy || 'Always';
  let pendingInit = false;
  for (const s of init) {
    const t = s.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t && policy === 'Never') return 'Failed';
    if (s.state?.waiting && s.lastState?.terminated && policy === 'Never') return 'Failed';
    pendingInit = true;
  }
  if (pendingInit) return 'Pending';
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of app) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.state?.waiting) {
      if (s.lastState?.terminated) stopped++;
      else waiting++;
    }
  }
  if (waiting > 0) return 'Pending';
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    return policy === 'OnFailure' ? 'Running' : 'Failed';
  }
  return 'Pending';
}

function keepTransition(
  type: string,
  status: string,
  reason: string,
  message: string,
  previous: readonly PodCondition[],
  now: Date,
): PodCondition {
  const before = previous.find((c) => c.type === type);
  return {
    type,
    status,
    reason,
    message,
    lastProbeTime: undefined,
    lastTransitionTime: before?.status === status ? (before.lastTransitionTime ?? now) : now,
    observedGeneration: '0',
  };
}

const kubeletConditions = new Set(['PodReadyToStartContainers', 'Initialized', 'ContainersReady', 'Ready']);

export function generatePodStatus(inputs: StatusInputs): PodStatus {
  const { pod, runtimePod } = inputs;
  const spec = pod.spec;
  const previous = pod.status?.conditions ?? [];
  const initDone = (spec?.initContainers ?? []).every((c) => {
    const top = runtimePod?.containers.get(c.name)?.[0];
    return top?.state === ContainerState.CONTAINER_EXITED && top.exitCode === 0;
  });
  const init = (spec?.initContainers ?? []).map((c) =>
    containerStatus(c, runtimePod?.containers.get(c.name) ?? [], inputs, 'PodInitializing'),
  );
  const app = (spec?.containers ?? []).map((c) =>
    containerStatus(
      c,
      runtimePod?.containers.get(c.name) ?? [],
      inputs,
      initDone ? 'ContainerCreating' : 'PodInitializing',
    ),
  );
  const phase = inputs.terminal?.phase ?? phaseOf(pod, init, app);
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const sandboxReady = readySandbox(runtimePod) !== undefined;
  const unready = app.filter((s) => !s.ready).map((s) => s.name);
  const uninitialized = init.filter((s) => s.state?.terminated?.exitCode !== 0).map((s) => s.name);
  const gates = (spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesFalse = gates.filter((g) => previous.find((c) => c.type === g)?.status !== 'True');
  const containersReady = unready.length === 0 && !terminal;
  const ready = containersReady && gatesFalse.length === 0;
  const why = (names: string[]) => `containers with unready status: [${names.join(' ')}]`;
  const conditions: PodCondition[] = [
    ...previous.filter((c) => !kubeletConditions.has(c.type)),
    keepTransition(
      'PodReadyToStartContainers',
      sandboxReady && !terminal ? 'True' : 'False',
      '',
      '',
      previous,
      inputs.now,
    ),
    keepTransition(
      'Initialized',
      uninitialized.length === 0 || terminal ? 'True' : 'False',
      uninitialized.length === 0 || terminal ? '' : 'ContainersNotInitialized',
      uninitialized.length === 0 || terminal
        ? ''
        : `containers with incomplete status: [${uninitialized.join(' ')}]`,
      previous,
      inputs.now,
    ),
    keepTransition(
      'ContainersReady',
      containersReady ? 'True' : 'False',
      containersReady ? '' : terminal ? 'PodCompleted' : 'ContainersNotReady',
      containersReady || terminal ? '' : why(unready),
      previous,
      inputs.now,
    ),
    keepTransition(
      'Ready',
      ready ? 'True' : 'False',
      ready
        ? ''
        : terminal
          ? 'PodCompleted'
          : unready.length > 0
            ? 'ContainersNotReady'
            : 'ReadinessGatesNotReady',
      ready || terminal
        ? ''
        : unready.length > 0
          ? why(unready)
          : `corresponding condition of pod readiness gate ${JSON.stringify(gatesFalse[0])} does not exist.`,
      previous,
      inputs.now,
    ),
  ];
  if (!conditions.some((c) => c.type === 'PodScheduled')) {
    conditions.unshift(keepTransition('PodScheduled', 'True', '', '', previous, inputs.now));
  }
  return {
    phase,
    conditions,
    message: inputs.terminal?.message ?? '',
    reason: inputs.terminal?.reason ?? '',
    nominatedNodeName: pod.status?.nominatedNodeName ?? '',
    hostIp: inputs.hostIP,
    hostIps: [{ ip: inputs.hostIP }],
    podIp: inputs.podIP,
    podIps: inputs.podIP ? [{ ip: inputs.podIP }] : [],
    startTime: inputs.startTime,
    initContainerStatuses: init,
    containerStatuses: app,
    qosClass: qosClassOf(spec),
    ephemeralContainerStatuses: [],
    resize: '',
    observedGeneration: pod.metadata?.generation ?? '0',
  };
}
