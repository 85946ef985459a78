/**
 * Read-modify-write of one object until no other writer got in between: get,
 * apply the change, update with the resourceVersion read; on ABORTED (a stale
 * resourceVersion) read again and re-apply the change. Every concurrent writer's
 * change survives because each change is re-applied to the newest object rather
 * than overwriting it. The Patch RPC will replace this once every kind has one.
 */
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { Code, isApiError } from '../../sdk/errors.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';

/** How many times a change is re-applied to a newer object before giving up. */
export const MAX_CONFLICT_RETRIES = 5;

/**
 * Changes `object` in place. Returns false when the object is already as wanted
 * (nothing is written); throws to refuse the change (the error reaches the caller).
 */
export type Mutation<T extends KindObject> = (object: T) => boolean;

export interface UpdateResult<T extends KindObject> {
  readonly object: T;
  /** False when the mutation found nothing to change. */
  readonly changed: boolean;
}

export async function updateWithRetry<T extends KindObject>(
  client: ApiClient,
  info: KindInfo,
  namespace: string,
  name: string,
  mutate: Mutation<T>,
  opts: { dryRun?: boolean; current?: T; maxRetries?: number } = {},
): Promise<UpdateResult<T>> {
  let current = opts.current;
  for (let attempt = 0; ; attempt++) {
    const object = structuredClone(current ?? ((await client.get(info, namespace, name)) as T));
    current = undefined;
    if (!mutate(object)) return { object, changed: false };
    try {
      const updated = (await client.update(info, object, { dryRun: opts.dryRun ?? false })) as T;
      return { object: updated, changed: true };
    } catch (err) {
      if (!isApiError(err, Code.ABORTED) || attempt >= (opts.maxRetries ?? MAX_CONFLICT_RETRIES)) throw err;
    }
  }
}
