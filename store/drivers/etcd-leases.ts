/**
 * TTL keys as etcd leases. A lease is granted per TTL bucket and shared by the keys
 * written with that TTL shortly after it (as Kubernetes' apiserver shares leases among
 * Events): one LeaseGrant per bucket and window rather than one per key. The lease is
 * granted for the TTL plus the window, so that a key attached at the end of the window
 * still lives at least its TTL; it may live up to the window longer. etcd revokes the
 * lease at its expiry and deletes its keys, each deletion a new revision.
 */
import type { EtcdClient } from './etcd-client.js';
import { decodeLeaseGrant, decodeLeaseTimeToLive, encodeLeaseGrant, encodeLeaseId } from './etcd-wire.js';

export interface Lease {
  readonly id: bigint;
  /** When etcd will delete the lease's keys, as far as this process can tell. */
  readonly expiresAtMs: number;
}

interface Bucket {
  readonly lease: Promise<Lease>;
  /** Keys may be attached until then. */
  readonly reusableUntilMs: number;
}

/** How long a granted lease takes new keys: 5% of the TTL, at most a minute. */
function reuseWindowMs(ttlSeconds: number): number {
  return Math.min(60_000, ttlSeconds * 50);
}

export class EtcdLeases {
  private readonly buckets = new Map<number, Bucket>();
  /** Expiries of the leases this process granted or looked up, by ID. */
  private readonly expiries = new Map<bigint, number>();

  constructor(private readonly client: EtcdClient) {}

  /** A lease under which a key lives at least `ttlSeconds` from now. */
  leaseFor(ttlSeconds: number): Promise<Lease> {
    const now = Date.now();
    const bucket = this.buckets.get(ttlSeconds);
    if (bucket && bucket.reusableUntilMs > now) return bucket.lease;
    const windowMs = reuseWindowMs(ttlSeconds);
    const lease = this.grant(ttlSeconds + Math.ceil(windowMs / 1000));
    this.buckets.set(ttlSeconds, { lease, reusableUntilMs: now + windowMs });
    // A failed grant must not be handed to the next writer.
    lease.catch(() => {
      if (this.buckets.get(ttlSeconds)?.lease === lease) this.buckets.delete(ttlSeconds);
    });
    return lease;
  }

  /** The expiry of a lease if this process knows it (0 otherwise, and for no lease). */
  knownExpiry(id: bigint): number {
    return id === 0n ? 0 : (this.expiries.get(id) ?? 0);
  }

  /** The expiry of each lease, asking etcd (LeaseTimeToLive) about those granted elsewhere. */
  async lookUpExpiries(ids: Iterable<bigint>): Promise<void> {
    const unknown = [...new Set(ids)].filter((id) => id !== 0n && !this.expiries.has(id));
    await Promise.all(
      unknown.map(async (id) => {
        const asked = Date.now();
        const { ttlSeconds } = decodeLeaseTimeToLive(
          await this.client.call('/etcdserverpb.Lease/LeaseTimeToLive', encodeLeaseId(id), 'read'),
        );
        this.expiries.set(id, asked + Math.max(ttlSeconds, 0) * 1000);
      }),
    );
    this.prune();
  }

  private async grant(ttlSeconds: number): Promise<Lease> {
    const asked = Date.now();
    const response = decodeLeaseGrant(
      await this.client.call('/etcdserverpb.Lease/LeaseGrant', encodeLeaseGrant(ttlSeconds), 'write'),
    );
    // etcd may grant more than asked (its minimum TTL is about 1.5 election timeouts).
    const lease = { id: response.id, expiresAtMs: asked + response.ttlSeconds * 1000 };
    this.expiries.set(lease.id, lease.expiresAtMs);
    this.prune();
    return lease;
  }

  /** Forgets leases that expired a minute ago: their keys are gone. */
  private prune(): void {
    if (this.expiries.size < 1024) return;
    const cutoff = Date.now() - 60_000;
    for (const [id, at] of this.expiries) if (at < cutoff) this.expiries.delete(id);
  }
}
