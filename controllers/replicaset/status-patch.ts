/**
 * A ReplicaSet's status write as a JSON patch of the status subresource that names the
 * object it was computed for, not the resourceVersion it was read at.
 *
 * A ReplicaSet has two writers: the Deployment controller sizes it (spec.replicas and
 * annotations) and the ReplicaSet controller reports on it (status). An UpdateStatus
 * carries the resourceVersion the controller read, so a resize that lands between the
 * read and the write makes it ABORTED, although the status does not depend on what the
 * resize changed: the counts are over the pods the controller owns, and
 * observedGeneration says which generation of the spec they were computed from.
 *
 * The patch replaces the whole status and tests only the uid, so that a ReplicaSet
 * deleted and recreated under the same name never gets its predecessor's status (the
 * patch then fails with INVALID_ARGUMENT, "test failed"). What makes leaving the
 * resourceVersion out safe:
 * - The ReplicaSet controller is the status's only writer, and its work queue syncs one
 *   key at a time, from informers that only move forward: a later write is computed from
 *   a read at least as recent as an earlier one.
 * - observedGeneration is the generation of the spec the status was computed from. When
 *   the spec changed meanwhile, the written status is still exact for that generation and
 *   observedGeneration stays behind metadata.generation, which is how readers (the
 *   Deployment controller) know it does not yet reflect the change; the change's own
 *   watch event queues the sync that catches up.
 * - Every write of a ReplicaSet queues a sync of it, which recomputes the status and
 *   writes it again when it differs: a status written from an older read (a previous
 *   term's write still in flight) does not stay.
 */
import { type ReplicaSet, ReplicaSetStatus } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';

export type StatusPatchOperation = {
  readonly op: 'test' | 'add';
  readonly path: string;
  readonly value: unknown;
};

export function statusPatch(seen: ReplicaSet, status: ReplicaSetStatus): StatusPatchOperation[] {
  return [
    { op: 'test', path: '/metadata/uid', value: seen.metadata?.uid ?? '' },
    // `add` of a member that exists replaces it (RFC 6902), and creates a missing status.
    { op: 'add', path: '/status', value: ReplicaSetStatus.toJSON(status) },
  ];
}
