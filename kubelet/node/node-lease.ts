/**
 * The node's heartbeat: its Lease `kube-node-lease/<node>`, held by the node, renewed
 * every `renewIntervalMs` (10 s) with a duration of 40 s, as the kubelet's node lease
 * controller does. A failed renewal is retried sooner; a lease that is gone is created.
 */

import { sleep } from '../../sdk/backoff.js';
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Logger } from '../../sdk/logger.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLeaseOptions {
  readonly nodeName: string;
  readonly leases: TypedClient<Lease>;
  readonly logger: Logger;
  readonly renewIntervalMs?: number;
  readonly leaseDurationSeconds?: number;
  /** The Node's uid, for the lease's owner reference (so that it goes with its Node). */
  readonly nodeUid?: () => string | undefined;
  /** Called after each successful renewal. */
  readonly onRenewed?: (at: Date) => void;
}

export async function runNodeLease(opts: NodeLeaseOptions, signal: AbortSignal): Promise<void> {
  const interval = opts.renewIntervalMs ?? 10_000;
  const duration = opts.leaseDurationSeconds ?? 40;
  const name = opts.nodeName;
  let lease: Lease | undefined;
  while (!signal.aborted) {
    const now = new Date();
    try {
      if (!lease) {
        lease = await opts.leases.get(NODE_LEASE_NAMESPACE, name).catch((err: unknown) => {
          if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
          throw err;
        });
      }
      if (!lease) {
        const uid = opts.nodeUid?.();
        lease = await opts.leases.create(
          Lease.fromPartial({
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: {
              name,
              namespace: NODE_LEASE_NAMESPACE,
              ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid }] } : {}),
            },
            spec: { holderIdentity: name, leaseDurationSeconds: duration, renewTime: now },
          }),
        );
      } else {
        lease = await opts.leases.update(
          Lease.fromPartial({
            ...lease,
            spec: { ...lease.spec, holderIdentity: name, leaseDurationSeconds: duration, renewTime: now },
          }),
        );
      }
      opts.onRenewed?.(now);
      await sleep(interval, signal);
    } catch (err) {
      lease = undefined; // read it again: another writer, or it was deleted
      if (!signal.aborted) opts.logger.warn({ err }, 'failed to renew the node lease; retrying');
      await sleep(Math.min(interval, 1_000), signal);
    }
  }
}
