/**
 * When the controller last heard from each node (Kubernetes' nodeHealthData): the local
 * time at which it last saw the node's Lease renewed or its Ready heartbeat change. The
 * node's own timestamps are never compared with the controller's clock, so skew between
 * the machines does not matter.
 */
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { conditionOf } from './node-taints.js';

interface Health {
  probeTimestamp: number;
  readyHeartbeat: number | undefined;
  leaseRenew: number | undefined;
}

export class NodeHealthTracker {
  private readonly byNode = new Map<string, Health>();

  /** Notes what the node and its Lease say now; returns when the node was last heard from. */
  observe(node: Node, lease: Lease | undefined, now: number): number {
    const name = node.metadata?.name ?? '';
    const readyHeartbeat = conditionOf(node, 'Ready')?.lastHeartbeatTime?.getTime();
    const leaseRenew = lease?.spec?.renewTime?.getTime();
    const h = this.byNode.get(name);
    if (!h) {
      // First sight (or a controller that just started): the grace period starts now.
      this.byNode.set(name, { probeTimestamp: now, readyHeartbeat, leaseRenew });
      return now;
    }
    if (readyHeartbeat !== h.readyHeartbeat || leaseRenew !== h.leaseRenew) {
      h.probeTimestamp = now;
      h.readyHeartbeat = readyHeartbeat;
      h.leaseRenew = leaseRenew;
    }
    return h.probeTimestamp;
  }

  /** Forgets nodes that are gone. */
  retain(names: { has(name: string): boolean }): void {
    for (const name of this.byNode.keys()) if (!names.has(name)) this.byNode.delete(name);
  }
}
