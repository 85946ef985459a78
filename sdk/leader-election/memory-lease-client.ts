/**
 * A LeaseClient over a map in memory, with the apiserver's compare-and-swap semantics:
 * for unit tests of anything that elects a leader, with no network. Several electors
 * sharing one of these contend for the same Leases.
 */
import { ApiError } from '../errors.js';
import { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import type { LeaseClient, LeaseRef } from './lease-client.js';

export interface MemoryLeaseClient extends LeaseClient {
  /** The stored Lease (a copy), without going through a call. */
  peek(ref: LeaseRef): Lease | undefined;
}

export function createMemoryLeaseClient(): MemoryLeaseClient {
  const leases = new Map<string, Lease>();
  let revision = 0;
  const keyOf = (ref: { namespace?: string; name?: string }) => `${ref.namespace ?? ''}/${ref.name ?? ''}`;
  const copy = (lease: Lease) => Lease.fromPartial(lease);
  const refOf = (lease: Lease) => {
    const name = lease.metadata?.name ?? '';
    if (!name) throw ApiError.invalid('metadata.name: Required value');
    return { namespace: lease.metadata?.namespace ?? '', name };
  };
  const store = (lease: Lease, key: string): Lease => {
    const saved = copy(lease);
    saved.metadata = { ...saved.metadata!, resourceVersion: String(++revision) };
    leases.set(key, saved);
    return copy(saved);
  };
  return {
    peek(ref) {
      const lease = leases.get(keyOf(ref));
      return lease && copy(lease);
    },
    async get(ref) {
      const lease = leases.get(keyOf(ref));
      return lease && copy(lease);
    },
    async create(lease) {
      const key = keyOf(refOf(lease));
      if (leases.has(key)) throw ApiError.alreadyExists(`leases "${refOf(lease).name}" already exists`);
      return store(lease, key);
    },
    async update(lease) {
      const key = keyOf(refOf(lease));
      const current = leases.get(key);
      if (!current) throw ApiError.notFound(`leases "${refOf(lease).name}" not found`);
      if (lease.metadata?.resourceVersion !== current.metadata?.resourceVersion) {
        throw ApiError.conflict(
          `leases "${refOf(lease).name}": the object has been modified; apply your changes to the latest version`,
        );
      }
      return store(lease, key);
    },
  };
}
