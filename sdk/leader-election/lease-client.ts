/**
 * The whole storage contract of leader election: read, create and compare-and-swap one
 * Lease. Anything that can do these three things can hold an election — the apiserver
 * through gRPC (`createGrpcLeaseClient`) or memory in tests (`createMemoryLeaseClient`).
 */
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';

/** Which Lease an election is held on. */
export interface LeaseRef {
  readonly namespace: string;
  readonly name: string;
}

export interface LeaseCallOptions {
  /** The call must settle within this many milliseconds; past it, it fails with DEADLINE_EXCEEDED. */
  readonly timeoutMs: number;
}

export interface LeaseClient {
  /**
   * The Lease as it is now (a consistent read, never a cached older state), or undefined
   * when there is none.
   */
  get(ref: LeaseRef, options: LeaseCallOptions): Promise<Lease | undefined>;
  /** Creates `lease`; fails with ALREADY_EXISTS when there is one already. Resolves with the stored object. */
  create(lease: Lease, options: LeaseCallOptions): Promise<Lease>;
  /**
   * Replaces the Lease if and only if its current resourceVersion is `lease.metadata.resourceVersion`
   * (compare-and-swap); fails with ABORTED when it is not, and NOT_FOUND when there is no Lease.
   * Resolves with the stored object and its new resourceVersion.
   */
  update(lease: Lease, options: LeaseCallOptions): Promise<Lease>;
}
