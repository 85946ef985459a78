/**
 * NodeService.GetNodeStats: the `nodes/stats` subresource, as Kubernetes names the
 * kubelet's `/stats/` endpoints. `get` on it is what reading a node's figures needs
 * (bootstrap `view` and up hold it; metrics.k8s.io's readers are given the same). The
 * summary comes from the node's kubelet; a simulated node has none, so its figures are
 * made up from the pods bound to it (simulated-stats.ts).
 */

import { ApiError } from '../../../sdk/errors.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Summary } from '../../../sdk/gen/wheelhouse/kubelet/v1/stats.js';
import { ListOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { KindServiceOptions } from '../../services/kind-service.js';
import type { Subresources } from '../kind-definition.js';
import { simulatedStatsSummary } from './simulated-stats.js';

/** The stats summary of the kubelet of a Node. */
export type NodeStatsSource = (node: Node) => Promise<Summary>;

export const nodeStatsMethods: Subresources<Node> = ({ registry, gate, options }) => ({
  getNodeStats: asyncUnary<{ name: string }, { summary: Summary }>(async (req, call) => {
    await gate.admit(call.metadata, {
      verb: 'get',
      info: registry.info,
      subresource: 'stats',
      namespace: '',
      name: req.name,
    });
    return { summary: await nodeSummary(await registry.get('', req.name), options) };
  }),
});

/** Whether the Node is one of `wheelhouse kubelet --simulate`'s, which serve no kubelet API. */
export function isSimulatedNode(node: Node): boolean {
  return (node.status?.nodeInfo?.containerRuntimeVersion ?? '').startsWith('simulated://');
}

/** The Node's summary: from its kubelet, or made up from its pods for a simulated node. */
export async function nodeSummary(node: Node, options: KindServiceOptions): Promise<Summary> {
  const name = node.metadata?.name ?? '';
  if (isSimulatedNode(node)) {
    const pods = options.registryOf?.('Pod') as GenericRegistry<KindObject> | undefined;
    const bound = pods
      ? await pods.list('', ListOptions.fromPartial({ fieldSelector: `spec.nodeName=${name}` }))
      : { items: [] };
    return simulatedStatsSummary(node, bound.items as Pod[], new Date());
  }
  if (!options.nodeStats) {
    throw ApiError.unavailable(
      `no kubelet connection for node "${name}": this apiserver was started without --kubelet-client-certificate`,
    );
  }
  return options.nodeStats(node);
}
