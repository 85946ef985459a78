/**
 * What a slice controller (the EndpointSlice controller, the mirroring one) last wrote to
 * each Service's slices, until its informer shows it (Kubernetes' EndpointSliceTracker,
 * one per controller). A sync that planned from a cache missing its own
 * last create would create the slice again; one that missed its own update would
 * conflict or undo it. So a sync first asks whether the cache is stale for the Service,
 * and waits if it is.
 *
 * Kubernetes compares the slices' metadata.generation; here the resourceVersion (the
 * store's revision, which only grows) serves, since this apiserver keeps no generation
 * for EndpointSlices. It also moves on metadata-only edits by others: those then sync the
 * Service once, which writes nothing when nothing needs to change.
 */
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL } from '../../sdk/labels/well-known.js';

/** `namespace/name` of the Service a slice names by label; undefined when it names none. */
export function serviceKeyOf(slice: EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '';
  return name === '' ? undefined : `${slice.metadata?.namespace ?? ''}/${name}`;
}

/** Marks a slice whose deletion was asked for and not yet seen. */
const DELETION_EXPECTED = -1;

export interface EndpointSliceTracker {
  /** Whether the slice is tracked at all. */
  has(slice: EndpointSlice): boolean;
  /** Whether a change to this slice is news: not tracked, or newer than what was written. */
  shouldSync(slice: EndpointSlice): boolean;
  /**
   * Whether `slices` (a Service's, from the cache, those being deleted included) lag
   * behind the writes: a slice older than written, one expected to be gone, or a written
   * one missing.
   */
  stale(serviceKey: string, slices: readonly EndpointSlice[]): boolean;
  /** Records what a create or update answered. */
  update(slice: EndpointSlice): void;
  /** Records a deletion asked for. */
  expectDeletion(slice: EndpointSlice): void;
  /** The informer saw the slice go; true when this controller deleted it. */
  handleDeletion(slice: EndpointSlice): boolean;
  /** Forgets the Service's slices (it was deleted). */
  deleteService(serviceKey: string): void;
}

function revisionOf(slice: EndpointSlice): number {
  return Number(slice.metadata?.resourceVersion ?? '0') || 0;
}

export function createEndpointSliceTracker(): EndpointSliceTracker {
  /** Service key → slice uid → revision written (or DELETION_EXPECTED). */
  const byService = new Map<string, Map<string, number>>();
  const revisionsOf = (slice: EndpointSlice) => byService.get(serviceKeyOf(slice) ?? '');
  const uidOf = (slice: EndpointSlice) => slice.metadata?.uid ?? '';
  const record = (slice: EndpointSlice, revision: number) => {
    const key = serviceKeyOf(slice) ?? '';
    let revisions = byService.get(key);
    if (!revisions) {
      revisions = new Map();
      byService.set(key, revisions);
    }
    revisions.set(uidOf(slice), revision);
  };
  return {
    has: (slice) => revisionsOf(slice)?.has(uidOf(slice)) ?? false,
    shouldSync(slice) {
      const written = revisionsOf(slice)?.get(uidOf(slice));
      return written === undefined || revisionOf(slice) > written;
    },
    stale(serviceKey, slices) {
      const revisions = byService.get(serviceKey);
      if (!revisions) return false;
      const seen = new Set<string>();
      for (const slice of slices) {
        seen.add(uidOf(slice));
        const written = revisions.get(uidOf(slice));
        // A slice this controller deleted is stale while the cache has it, unless it is
        // only waiting for its finalizers: then it is on its way out.
        if (written === DELETION_EXPECTED) {
          if (slice.metadata?.deletionTimestamp === undefined) return true;
        } else if (written !== undefined && written > revisionOf(slice)) {
          return true;
        }
      }
      for (const [uid, written] of revisions)
        if (written !== DELETION_EXPECTED && !seen.has(uid)) return true;
      return false;
    },
    update: (slice) => record(slice, revisionOf(slice)),
    expectDeletion: (slice) => record(slice, DELETION_EXPECTED),
    handleDeletion(slice) {
      const revisions = revisionsOf(slice);
      const written = revisions?.get(uidOf(slice));
      revisions?.delete(uidOf(slice));
      return written === undefined || written === DELETION_EXPECTED;
    },
    deleteService: (serviceKey) => byService.delete(serviceKey),
  };
}
