/**
 * NodeName: a pod that names its node (`spec.nodeName` set by its author, not by a
 * binding) fits that node only. The scheduler normally never sees such pods, but
 * preemption and tests do; the rejection is unresolvable.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  ClusterEventWithHint,
  EnqueueExtensions,
  FilterPlugin,
  PluginFactory,
  QueueingHint,
} from '../framework/interface.js';
import { ROW_NO_NODE } from '../framework/node-table.js';
import { Status } from '../framework/status.js';

export const NODE_NAME = 'NodeName';
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** Whether the pod may run on the node by its `spec.nodeName` (none set: any node). */
export function fitsNodeName(pod: Pod, node: Node): boolean {
  const wanted = pod.spec?.nodeName ?? '';
  return wanted === '' || wanted === node.metadata?.name;
}

export const nodeName: PluginFactory = () => {
  const plugin: FilterPlugin & EnqueueExtensions = {
    name: NODE_NAME,

    rowCondition(_state, pod) {
      // A pod that names no node fits every node that has a Node.
      return (pod.spec?.nodeName ?? '') === '' ? { clearFlags: ROW_NO_NODE } : undefined;
    },

    filter(_state, pod, nodeInfo) {
      const node = nodeInfo.node;
      if (node === undefined) return Status.error(new Error('node not found'));
      return fitsNodeName(pod, node) ? Status.SUCCESS : Status.unresolvable(ERR_REASON_NODE_NAME);
    },

    eventsToRegister(): readonly ClusterEventWithHint[] {
      return [
        {
          // Only the arrival of the named node can help.
          event: { resource: 'Node', action: 'Add' },
          hint: (pod, _oldObj, newObj): QueueingHint =>
            newObj !== undefined && fitsNodeName(pod, newObj as Node) ? 'Queue' : 'Skip',
        },
      ];
    },
  };
  return plugin;
};
