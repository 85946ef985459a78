/**
 * The election's view of a Lease: client-go's LeaderElectionRecord, and the Lease that
 * carries it.
 */
import { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import type { LeaseRef } from './lease-client.js';

export interface LeaderElectionRecord {
  /** The holder; empty when the Lease is free (never taken, or released). */
  readonly holderIdentity: string;
  /** How long others wait after seeing a change before they may take the Lease over. */
  readonly leaseDurationSeconds: number;
  readonly acquireTime?: Date;
  readonly renewTime?: Date;
  /**
   * How many times the Lease changed hands: it grows by one with each new holder, so a
   * holder's value is a fencing token for its term.
   */
  readonly leaseTransitions: number;
}

export function recordOf(lease: Lease): LeaderElectionRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? '',
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    ...(spec.acquireTime ? { acquireTime: spec.acquireTime } : {}),
    ...(spec.renewTime ? { renewTime: spec.renewTime } : {}),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

/** A new Lease holding `record`. */
export function newLease(ref: LeaseRef, record: LeaderElectionRecord): Lease {
  return Lease.fromPartial({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { namespace: ref.namespace, name: ref.name },
    spec: specOf(record),
  });
}

/**
 * `current` with its record replaced, keeping its metadata (resourceVersion included:
 * the write is a compare-and-swap against it) and the rest of its spec. A free Lease
 * names no preferred holder.
 */
export function leaseWith(current: Lease, record: LeaderElectionRecord): Lease {
  const lease = Lease.fromPartial(current);
  lease.spec = { ...lease.spec, ...specOf(record) };
  if (!record.holderIdentity) lease.spec.preferredHolder = undefined;
  return lease;
}

function specOf(record: LeaderElectionRecord) {
  return {
    holderIdentity: record.holderIdentity,
    leaseDurationSeconds: record.leaseDurationSeconds,
    acquireTime: record.acquireTime,
    renewTime: record.renewTime,
    leaseTransitions: record.leaseTransitions,
  };
}
