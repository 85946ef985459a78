/**
 * The cycle's view of the cluster (kube-scheduler's Snapshot): a NodeInfo per node,
 * copied from the cache before each cycle — only the nodes that changed since the
 * last copy — so that a cycle sees one consistent cluster while informers go on.
 */
import type { NodeInfoLister } from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';

export class Snapshot implements NodeInfoLister {
  /** Node name → its copy. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  /** Node name → its index in nodeInfoList, so that replacing a changed node's copy costs no scan. */
  readonly positions = new Map<string, number>();
  affinityList: NodeInfo[] = [];
  antiAffinityList: NodeInfo[] = [];

  list(): readonly NodeInfo[] {
    return this.nodeInfoList;
  }

  get(nodeName: string): NodeInfo | undefined {
    return this.nodeInfoMap.get(nodeName);
  }

  havePodsWithAffinityList(): readonly NodeInfo[] {
    return this.affinityList;
  }

  havePodsWithRequiredAntiAffinityList(): readonly NodeInfo[] {
    return this.antiAffinityList;
  }
}
