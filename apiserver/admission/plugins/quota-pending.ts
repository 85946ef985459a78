/**
 * Charges in flight, recorded on the quota itself.
 *
 * A create is charged to its quotas before its object is stored, so for a moment the
 * charge is in `status.used` but the object is in no watch cache. A recount must still
 * count it — including a recount by another apiserver, which never saw the charge. So
 * each charge is written, in the same compare-and-swap as the usage it adds, into an
 * annotation of the quota: object uid → kind, usage and time. A recount counts the
 * entries whose objects its caches do not hold, and any write of the quota drops the
 * entries whose objects have landed (the writer's caches have seen them) or that are
 * older than the time a write may take (a create that failed after its charge).
 */
import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import { parseList, type ResourceList } from '../../../sdk/resources/resource-list.js';

/** The annotation holding the charges in flight; the apiserver owns it. */
export const pendingChargesAnnotation = 'quota.wheelhouse.io/pending-charges';

export interface PendingCharge {
  kind: string;
  usage: ResourceList;
  /** Milliseconds since the epoch at which the charge was made. */
  at: number;
}

interface WireCharge {
  kind: string;
  usage: Record<string, string>;
  at: number;
}

/** The charges in flight recorded on the quota; an unreadable annotation reads as none. */
export function readPending(quota: ResourceQuota): Map<string, PendingCharge> {
  const raw = quota.metadata?.annotations?.[pendingChargesAnnotation];
  const out = new Map<string, PendingCharge>();
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return out;
  }
  if (typeof parsed !== 'object' || parsed === null) return out;
  for (const [uid, value] of Object.entries(parsed as Record<string, WireCharge>)) {
    if (typeof value?.kind !== 'string' || typeof value.at !== 'number') continue;
    try {
      out.set(uid, { kind: value.kind, usage: parseList(value.usage ?? {}), at: value.at });
    } catch {
      // A malformed quantity: the entry is dropped, the recount after TTL is unaffected.
    }
  }
  return out;
}

/** Writes the charges into the quota's annotation, removing it when there are none. */
export function writePending(quota: ResourceQuota, charges: ReadonlyMap<string, PendingCharge>): void {
  const annotations = { ...(quota.metadata?.annotations ?? {}) };
  if (charges.size === 0) {
    delete annotations[pendingChargesAnnotation];
  } else {
    const wire: Record<string, WireCharge> = {};
    for (const [uid, c] of charges) {
      const usage: Record<string, string> = {};
      for (const [k, q] of c.usage) usage[k] = q.toString();
      wire[uid] = { kind: c.kind, usage, at: c.at };
    }
    annotations[pendingChargesAnnotation] = JSON.stringify(wire);
  }
  quota.metadata = { ...(quota.metadata ?? {}), annotations } as ResourceQuota['metadata'];
}

/**
 * For updates of a quota through the API: the charges in flight stay as stored, whatever
 * the request carried, as the status does.
 */
export function keepPending(quota: ResourceQuota, old: ResourceQuota): void {
  const stored = old.metadata?.annotations?.[pendingChargesAnnotation];
  if (!quota.metadata) return;
  const annotations = { ...(quota.metadata.annotations ?? {}) };
  if (stored === undefined) delete annotations[pendingChargesAnnotation];
  else annotations[pendingChargesAnnotation] = stored;
  quota.metadata.annotations = annotations;
}
