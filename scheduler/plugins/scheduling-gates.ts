/**
 * SchedulingGates: a pod with `spec.schedulingGates` waits outside the active queue
 * until every gate is removed (by whoever put it there); the scheduler spends nothing
 * on it meanwhile.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  PluginFactory,
  PreEnqueuePlugin,
  QueueingHint,
} from '../framework/interface.js';
import { Status } from '../framework/status.js';

export const SCHEDULING_GATES = 'SchedulingGates';

export const schedulingGates: PluginFactory = () => {
  const plugin: PreEnqueuePlugin & EnqueueExtensions = {
    name: SCHEDULING_GATES,

    preEnqueue(pod) {
      const gates = pod.spec?.schedulingGates ?? [];
      if (gates.length === 0) return Status.SUCCESS;
      return Status.pending(`waiting for scheduling gates: [${gates.map((g) => g.name).join(' ')}]`);
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        {
          // Only the gated pod's own update can open its gates.
          event: { resource: 'UnscheduledPod', action: 'UpdatePodSchedulingGatesEliminated' },
          hint: (pod, _oldObj, newObj): QueueingHint =>
            (newObj as Pod | undefined)?.metadata?.uid === pod.metadata?.uid ? 'Queue' : 'Skip',
        },
      ];
    },
  };
  return plugin;
};
