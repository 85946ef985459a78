/** Pods: NAME READY STATUS RESTARTS AGE, and IP NODE with -o wide (kubectl's printPod). */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';

export const podPrinter = definePrinter<Pod>([
  { header: 'READY', cell: (pod) => readiness(pod) },
  { header: 'STATUS', cell: (pod) => podStatus(pod) },
  { header: 'RESTARTS', cell: (pod) => String(restarts(pod)) },
  ageColumn,
  { header: 'IP', wide: true, cell: (pod) => orNone(pod.status?.podIp) },
  { header: 'NODE', wide: true, cell: (pod) => orNone(pod.spec?.nodeName) },
]);

function readiness(pod: Pod): string {
  const total = pod.spec?.containers.length ?? 0;
  const ready = (pod.status?.containerStatuses ?? []).filter((c) => c.ready).length;
  return `${ready}/${total}`;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0);
}

/**
 * The STATUS column, in kubectl's order of precedence: the pod's reason or phase,
 * then an init container still at work (`Init:1/2`, `Init:CrashLoopBackOff`), then
 * the reason a container is waiting or terminated, and `Terminating` once deleted.
 */
export function podStatus(pod: Pod): string {
  const status = pod.status;
  let reason = status?.reason || status?.phase || 'Pending';

  const initStatuses = status?.initContainerStatuses ?? [];
  const initTotal = pod.spec?.initContainers.length ?? 0;
  let initializing = false;
  for (const [i, c] of initStatuses.entries()) {
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (terminated) {
      reason = terminated.reason
        ? `Init:${terminated.reason}`
        : terminated.signal !== 0
          ? `Init:Signal:${terminated.signal}`
          : `Init:ExitCode:${terminated.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${initTotal}`;
    }
    initializing = true;
    break;
  }

  if (!initializing) {
    let hasRunning = false;
    for (const c of [...(status?.containerStatuses ?? [])].reverse()) {
      const waiting = c.state?.waiting;
      const terminated = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) {
        reason = terminated.signal !== 0 ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      } else if (c.ready && c.state?.running) hasRunning = true;
    }
    // A pod that says Completed while a container still runs and is ready is Running.
    if (reason === 'Completed' && hasRunning) reason = 'Running';
  }

  if (pod.metadata?.deletionTimestamp) {
    reason = status?.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  }
  return reason;
}
