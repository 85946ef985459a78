/**
 * Carries out a slice plan through the API (the finalize step of Kubernetes' EndpointSlice
 * and mirroring reconcilers): creates, then updates, then deletes, each recorded in the
 * controller's tracker so that its next sync knows what its cache must show first. Stops
 * at the first failure, with a message that names the slice and what it is for.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { EndpointSliceTracker } from './endpoint-slice-tracker.js';

export interface SliceChanges {
  readonly create: readonly EndpointSlice[];
  readonly update: readonly EndpointSlice[];
  readonly delete: readonly EndpointSlice[];
}

export interface SliceWriteTarget {
  readonly namespace: string;
  /** What the slices are for, as the errors name it: `Service ns/name`, `Endpoints ns/name`. */
  readonly owner: string;
  /** False while the owner is being deleted: the garbage collector would race to remove a new slice. */
  readonly mayCreate: boolean;
  /** Applied to each slice created or updated (the trigger-time annotation). */
  readonly prepare?: (slice: EndpointSlice) => EndpointSlice;
  /** Told of each write that succeeded (metrics). */
  readonly changed?: (operation: 'create' | 'update' | 'delete') => void;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
const isCode = (err: unknown, code: Code) => err instanceof ApiError && err.code === code;

export async function writeSlices(
  client: TypedClient<EndpointSlice>,
  tracker: EndpointSliceTracker,
  changes: SliceChanges,
  target: SliceWriteTarget,
): Promise<void> {
  const prepare = target.prepare ?? ((slice: EndpointSlice) => slice);
  if (target.mayCreate) {
    for (const slice of changes.create) {
      try {
        tracker.update(await client.create(prepare(slice)));
        target.changed?.('create');
      } catch (err) {
        // The namespace is being terminated: creates will keep failing, and the owner goes with it.
        if (isCode(err, Code.FAILED_PRECONDITION)) return;
        throw new Error(`failed to create EndpointSlice for ${target.owner}: ${messageOf(err)}`);
      }
    }
  }
  for (const slice of changes.update) {
    const name = slice.metadata?.name ?? '';
    try {
      tracker.update(await client.update(prepare(slice)));
      target.changed?.('update');
    } catch (err) {
      throw new Error(`failed to update ${name} EndpointSlice for ${target.owner}: ${messageOf(err)}`);
    }
  }
  for (const slice of changes.delete) {
    const name = slice.metadata?.name ?? '';
    try {
      await client.delete(target.namespace, name);
      tracker.expectDeletion(slice);
      target.changed?.('delete');
    } catch (err) {
      if (isCode(err, Code.NOT_FOUND)) continue;
      throw new Error(`failed to delete ${name} EndpointSlice for ${target.owner}: ${messageOf(err)}`);
    }
  }
}
