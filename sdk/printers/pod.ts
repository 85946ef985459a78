/**
 * Pods: NAME READY STATUS RESTARTS AGE, and IP NODE NOMINATED NODE READINESS GATES
 * with -o wide, computed as kubectl's printPod computes them.
 */
import type { Container } from '../gen/wheelhouse/core/v1/container.js';
import type { ContainerStatus, Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { age } from './age.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter, NONE, type RowCondition } from './printer.js';

/** The reason the node lifecycle controller gives pods of a node that stopped reporting. */
const NODE_LOST = 'NodeLost';

/** An init container with `restartPolicy: Always` runs beside the app containers for the pod's life. */
function isSidecar(container: Container | undefined): boolean {
  return container?.restartPolicy === 'Always';
}

/** The figures of the READY, STATUS and RESTARTS columns, computed in one pass as kubectl does. */
export interface PodSummary {
  /** Ready containers, counting running sidecars. */
  readonly ready: number;
  /** App containers plus sidecars. */
  readonly total: number;
  readonly status: string;
  readonly restarts: number;
  /** When a container last terminated before its restart, if any did. */
  readonly lastRestart?: Date;
}

/**
 * STATUS in kubectl's order of precedence: the pod's reason or phase (or
 * SchedulingGated), then an init container still at work (`Init:1/2`,
 * `Init:CrashLoopBackOff`, `Init:ExitCode:1`), then the reason a container waits or
 * terminated, then `Terminating` once deleted (`Unknown` if its node was lost).
 * RESTARTS counts the app containers and sidecars once the pod is initialized, the
 * init containers while it is not.
 */
export function summarizePod(pod: Pod): PodSummary {
  const spec = pod.spec;
  const status = pod.status;
  const phase = status?.phase ?? '';
  let reason = status?.reason || phase || 'Pending';
  if (status?.conditions.some((c) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) {
    reason = 'SchedulingGated';
  }

  const initContainers = new Map((spec?.initContainers ?? []).map((c) => [c.name, c]));
  const total = (spec?.containers.length ?? 0) + [...initContainers.values()].filter(isSidecar).length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart: Date | undefined;
  let lastSidecarRestart: Date | undefined;
  const later = (a: Date | undefined, b: Date | undefined) => (b && (!a || b > a) ? b : a);
  const finished = (c: ContainerStatus) => c.lastState?.terminated?.finishedAt;

  let initializing = false;
  const initStatuses = status?.initContainerStatuses ?? [];
  for (const [i, c] of initStatuses.entries()) {
    restarts += c.restartCount;
    lastRestart = later(lastRestart, finished(c));
    const sidecar = isSidecar(initContainers.get(c.name));
    if (sidecar) {
      sidecarRestarts += c.restartCount;
      lastSidecarRestart = later(lastSidecarRestart, finished(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) {
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal !== 0
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initContainers.size}`;
    }
    initializing = true;
    break;
  }

  const initialized =
    status?.conditions.some((c) => c.type === 'Initialized' && c.status === 'True') ?? false;
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    let errorReason = '';
    const statuses = status?.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      if (!c) continue;
      restarts += c.restartCount;
      lastRestart = later(lastRestart, finished(c));
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) {
        reason = waiting.reason;
      } else if (terminated) {
        reason = terminated.reason
          ? terminated.reason
          : terminated.signal !== 0
            ? `Signal:${terminated.signal}`
            : `ExitCode:${terminated.exitCode}`;
        if (terminated.exitCode !== 0) errorReason = reason;
      } else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    // A pod whose last container says Completed is not done while another still runs.
    if (reason === 'Completed') {
      const podReady = status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (hasRunning && podReady) reason = 'Running';
      else if (errorReason) reason = errorReason;
      else if (hasRunning) reason = 'NotReady';
    }
  }

  if (pod.metadata?.deletionTimestamp) {
    if (status?.reason === NODE_LOST) reason = 'Unknown';
    else if (phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  }
  return { ready, total, status: reason, restarts, ...(lastRestart ? { lastRestart } : {}) };
}

/** The STATUS column alone. */
export function podStatus(pod: Pod): string {
  return summarizePod(pod).status;
}

/** `3`, or `3 (5m ago)` when the time of the last restart is known. */
export function podRestarts(pod: Pod, now: Date): string {
  const { restarts, lastRestart } = summarizePod(pod);
  if (restarts !== 0 && lastRestart) return `${restarts} (${age(lastRestart, now)} ago)`;
  return String(restarts);
}

function readinessGates(pod: Pod): string {
  const gates = pod.spec?.readinessGates ?? [];
  if (gates.length === 0) return NONE;
  const conditions = pod.status?.conditions ?? [];
  const met = gates.filter(
    (g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True',
  ).length;
  return `${met}/${gates.length}`;
}

function podIp(pod: Pod): string {
  return pod.status?.podIps[0]?.ip || pod.status?.podIp || NONE;
}

function conditions(pod: Pod): RowCondition[] {
  switch (pod.status?.phase) {
    case 'Succeeded':
      return [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'The pod has completed successfully.',
        },
      ];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return [];
  }
}

export const podPrinter = definePrinter<Pod>(
  [
    nameColumn,
    column('Ready', 'string', 'Ready containers out of all, sidecars included.', (pod) => {
      const s = summarizePod(pod);
      return `${s.ready}/${s.total}`;
    }),
    column('Status', 'string', 'The state of the pod as its containers make it up.', podStatus),
    column(
      'Restarts',
      'string',
      'How often the containers of the pod restarted, and how long ago the last one did.',
      podRestarts,
    ),
    ageColumn,
    column('IP', 'string', "The pod's IP address (status.podIPs[0]).", podIp, { priority: 1 }),
    column(
      'Node',
      'string',
      'The node the pod is bound to (spec.nodeName).',
      (pod) => pod.spec?.nodeName || NONE,
      {
        priority: 1,
      },
    ),
    column(
      'Nominated Node',
      'string',
      'The node on which the scheduler preempted pods to make room for this one (status.nominatedNodeName).',
      (pod) => pod.status?.nominatedNodeName || NONE,
      { priority: 1 },
    ),
    column(
      'Readiness Gates',
      'string',
      'The readiness gates whose condition is True, out of all (spec.readinessGates).',
      readinessGates,
      { priority: 1 },
    ),
  ],
  conditions,
);
