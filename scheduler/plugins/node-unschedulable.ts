/**
 * NodeUnschedulable: a cordoned node (`spec.unschedulable`) takes no new pods, except
 * pods that tolerate the `node.kubernetes.io/unschedulable:NoSchedule` taint (DaemonSet
 * pods do). Preemption cannot uncordon a node, so the rejection is unresolvable.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  TAINT_EFFECT_NO_SCHEDULE,
  TAINT_NODE_UNSCHEDULABLE,
  toleratesTaint,
} from '../../sdk/scheduling/index.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  QueueingHint,
} from '../framework/interface.js';
import { ROW_NO_NODE, ROW_UNSCHEDULABLE } from '../framework/node-table.js';
import { Status } from '../framework/status.js';

export const NODE_UNSCHEDULABLE = 'NodeUnschedulable';
export const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

const unschedulableTaint = { key: TAINT_NODE_UNSCHEDULABLE, value: '', effect: TAINT_EFFECT_NO_SCHEDULE };

function toleratesUnschedulable(pod: Pod): boolean {
  return toleratesTaint(pod.spec?.tolerations ?? [], unschedulableTaint);
}

export const nodeUnschedulable: PluginFactory = () => {
  const plugin: FilterPlugin & EnqueueExtensions = {
    name: NODE_UNSCHEDULABLE,

    rowCondition(_state, pod) {
      return { clearFlags: toleratesUnschedulable(pod) ? ROW_NO_NODE : ROW_NO_NODE | ROW_UNSCHEDULABLE };
    },

    filter(_state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return Status.error(new Error('node not found'));
      // NodeInfo's copy of spec.unschedulable: no read of the Node's spec per node per cycle.
      if (!nodeInfo.unschedulable || toleratesUnschedulable(pod)) return Status.SUCCESS;
      return Status.unresolvable(ERR_REASON_UNSCHEDULABLE);
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      // A node added or uncordoned (kubectl uncordon is an update of spec.unschedulable,
      // which the scheduler files under taint changes, as kube does).
      const afterNodeChange = (_pod: Pod, oldObj: unknown, newObj: unknown): QueueingHint => {
        const before = oldObj as Node | undefined;
        const after = newObj as Node | undefined;
        if (after === undefined) return 'Skip';
        const wasSchedulable = before !== undefined && !before.spec?.unschedulable;
        return !wasSchedulable && !after.spec?.unschedulable ? 'Queue' : 'Skip';
      };
      return [
        { event: { resource: 'Node', action: 'Add' }, hint: afterNodeChange },
        { event: { resource: 'Node', action: 'UpdateNodeTaint' }, hint: afterNodeChange },
        {
          // The rejected pod itself now tolerates the cordon.
          event: { resource: 'UnscheduledPod', action: 'UpdatePodTolerations' },
          hint: (pod, _oldObj, newObj): QueueingHint => {
            const after = newObj as Pod | undefined;
            if (after === undefined || after.metadata?.uid !== pod.metadata?.uid) return 'Skip';
            return toleratesUnschedulable(after) ? 'Queue' : 'Skip';
          },
        },
      ];
    },
  };
  return plugin;
};
