/**
 * The node's heartbeat: its Lease `kube-node-lease/<node>`, held by the node, renewed
 * every `renewIntervalMs` (10 s) with a duration of 40 s, as the kubelet's node lease
 * controller does. A renewal is one update on the Lease as the last renewal returned
 * it; the Lease is read only when none is known (the first renewal, or after a failed
 * one), and created when it is not there. A failed renewal is retried sooner.
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
  /**
   * The Lease is most likely absent (its Node was just created): the first renewal
   * creates it without reading it first, and reads it only if it turns out to exist.
   * Kubernetes' kubelet always reads first; the outcome is the same, with one call
   * fewer per node when a thousand register at once.
   */
  readonly createFirst?: boolean;
}

export interface NodeLeaseRenewer {
  /** One renewal at `now`: resolves once written; rejects on failure (the next one reads the Lease again). */
  renew(now: Date): Promise<void>;
}

const isCode = (err: unknown, code: Code) => err instanceof ApiError && err.code === code;

export function createNodeLeaseRenewer(opts: NodeLeaseOptions): NodeLeaseRenewer {
  const duration = opts.leaseDurationSeconds ?? 40;
  const name = opts.nodeName;
  let lease: Lease | undefined;
  let createFirst = opts.createFirst === true;

  const create = (now: Date) => {
    const uid = opts.nodeUid?.();
    return opts.leases.create(
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
  };

  return {
    async renew(now) {
      try {
        if (!lease && createFirst) {
          createFirst = false;
          try {
            lease = await create(now);
            opts.onRenewed?.(now);
            return;
          } catch (err) {
            if (!isCode(err, Code.ALREADY_EXISTS)) throw err;
          }
        }
        if (!lease) {
          lease = await opts.leases.get(NODE_LEASE_NAMESPACE, name).catch((err: unknown) => {
            if (isCode(err, Code.NOT_FOUND)) return undefined;
            throw err;
          });
        }
        if (!lease) {
          lease = await create(now);
        } else {
          lease = await opts.leases.update(
            Lease.fromPartial({
              ...lease,
              // An update that carries no managedFields keeps the stored ones (as in
              // Kubernetes); the Lease's entries are most of what a renewal would send.
              metadata: { ...lease.metadata, managedFields: [] },
              spec: { ...lease.spec, holderIdentity: name, leaseDurationSeconds: duration, renewTime: now },
            }),
          );
        }
        opts.onRenewed?.(now);
      } catch (err) {
        lease = undefined; // read it again: another writer, or it was deleted
        throw err;
      }
    },
  };
}

/** How long after a failed renewal the next is tried. */
export function retryDelayMs(renewIntervalMs: number): number {
  return Math.min(renewIntervalMs, 1_000);
}

export async function runNodeLease(opts: NodeLeaseOptions, signal: AbortSignal): Promise<void> {
  const interval = opts.renewIntervalMs ?? 10_000;
  const renewer = createNodeLeaseRenewer(opts);
  while (!signal.aborted) {
    try {
      await renewer.renew(new Date());
      await sleep(interval, signal);
    } catch (err) {
      if (!signal.aborted) opts.logger.warn({ err }, 'failed to renew the node lease; retrying');
      await sleep(retryDelayMs(interval), signal);
    }
  }
}
