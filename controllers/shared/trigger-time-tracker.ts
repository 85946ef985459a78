/**
 * When the change that a sync answers happened (Kubernetes' TriggerTimeTracker), for the
 * `endpoints.kubernetes.io/last-change-trigger-time` annotation from which consumers
 * measure how long endpoint changes take to reach them.
 *
 * A Pod's change is the last transition of its Ready condition, a Service's its creation;
 * the trigger of a sync is the earliest of those that moved since the previous sync of
 * the Service. None moved (a sync caused by something else): no trigger time.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { readyCondition } from './pod-state.js';

interface ServiceState {
  readonly pods: ReadonlyMap<string, number>;
  readonly service: number;
}

export interface TriggerTimeTracker {
  /** The trigger time of this sync of `serviceKey` (undefined: none), remembering what it saw. */
  compute(serviceKey: string, service: Service, pods: readonly Pod[]): Date | undefined;
  deleteService(serviceKey: string): void;
}

const earliest = (a: number | undefined, b: number) => (a === undefined || b < a ? b : a);

export function createTriggerTimeTracker(): TriggerTimeTracker {
  const states = new Map<string, ServiceState>();
  return {
    compute(serviceKey, service, pods) {
      const before = states.get(serviceKey);
      let trigger: number | undefined;
      const podTimes = new Map<string, number>();
      for (const pod of pods) {
        const at = readyCondition(pod)?.lastTransitionTime?.getTime();
        if (at === undefined) continue;
        const name = pod.metadata?.name ?? '';
        podTimes.set(name, at);
        if (at > (before?.pods.get(name) ?? Number.NEGATIVE_INFINITY)) trigger = earliest(trigger, at);
      }
      const created = service.metadata?.creationTimestamp?.getTime() ?? 0;
      if (created > (before?.service ?? Number.NEGATIVE_INFINITY)) trigger = earliest(trigger, created);
      states.set(serviceKey, { pods: podTimes, service: created });
      return trigger === undefined ? undefined : new Date(trigger);
    },
    deleteService: (serviceKey) => states.delete(serviceKey),
  };
}
