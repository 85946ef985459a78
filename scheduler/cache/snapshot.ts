/**
 * The cycle's view of the cluster (kube-scheduler's Snapshot): a NodeInfo per node,
 * copied from the cache before each cycle — only the nodes that changed since the
 * last copy — so that a cycle sees one consistent cluster while informers go on.
 */
import type { NodeInfoLister } from '../framework/interface.js';
import type { NodeInfo } from '../framework/node-info.js';
import { NodeTable } from '../framework/node-table.js';

export class Snapshot implements NodeInfoLister {
  /** Node name → its copy. */
  readonly nodeInfoMap = new Map<string, NodeInfo>();
  nodeInfoList: NodeInfo[] = [];
  /** The numbers Filter and Score read of each node of nodeInfoList, row by position. */
  readonly table = new NodeTable();
  /** Node name → its index in nodeInfoList, so that replacing a changed node's copy costs no scan. */
  readonly positions = new Map<string, number>();
  affinityList: NodeInfo[] = [];
  antiAffinityList: NodeInfo[] = [];
  /** Controller uid → node name → the copy of each node holding its pods. */
  private readonly byController = new Map<string, Map<string, NodeInfo>>();

  /** Replaces the node list (nodes came or went): positions and table rebuilt with it. */
  setList(list: NodeInfo[]): void {
    this.nodeInfoList = list;
    this.positions.clear();
    for (let i = 0; i < list.length; i++) this.positions.set((list[i] as NodeInfo).name, i);
    this.table.rebuild(list);
  }

  /** A changed node's new copy takes its place in the list (and its row); false when the node is not listed. */
  replace(name: string, copy: NodeInfo): boolean {
    const i = this.positions.get(name);
    if (i === undefined) return false;
    this.nodeInfoList[i] = copy;
    this.table.set(i, copy);
    return true;
  }

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

  withPodsOf(controllerUid: string): Iterable<NodeInfo> {
    return this.byController.get(controllerUid)?.values() ?? [];
  }

  /** Files a node's new copy (or none, when it left) under the controllers of its pods. */
  replaceByController(name: string, before: NodeInfo | undefined, after: NodeInfo | undefined): void {
    if (before !== undefined)
      for (const uid of before.podsByController.keys()) {
        const nodes = this.byController.get(uid);
        nodes?.delete(name);
        if (nodes?.size === 0) this.byController.delete(uid);
      }
    if (after !== undefined)
      for (const uid of after.podsByController.keys()) {
        let nodes = this.byController.get(uid);
        if (nodes === undefined) {
          nodes = new Map();
          this.byController.set(uid, nodes);
        }
        nodes.set(name, after);
      }
  }
}
