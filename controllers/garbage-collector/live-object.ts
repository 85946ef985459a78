/**
 * Reads and writes of one object as the garbage collector makes them: always against
 * the apiserver, never the cache, and always pinned to the object's uid — a new object
 * that took the old one's name is somebody else.
 */
import type { ApiClient } from '../../sdk/client/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';

export interface ObjectIdentity {
  readonly info: KindInfo;
  /** '' for cluster-scoped kinds. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

/** The object as the apiserver has it now; undefined when it is gone or another uid holds the name. */
export async function getLive(api: ApiClient, id: ObjectIdentity): Promise<KindObject | undefined> {
  try {
    const obj = await api.get(id.info, id.namespace, id.name);
    return obj.metadata?.uid === id.uid ? obj : undefined;
  } catch (err) {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  }
}

const conflictRetries = 5;

/**
 * Reads the object, lets `mutate` change it (returning false when there is nothing to
 * do) and writes it with the resourceVersion it read, again on a conflict: an update
 * unless `write` says how (a subresource). Resolves quietly when the object is gone.
 */
export async function updateLive(
  api: ApiClient,
  id: ObjectIdentity,
  mutate: (obj: KindObject) => boolean,
  write: (obj: KindObject) => Promise<unknown> = (obj) => api.update(id.info, obj),
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const obj = await getLive(api, id);
    if (!obj || !mutate(obj)) return;
    try {
      await write(obj);
      return;
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.code === Code.NOT_FOUND) return;
      if (err.code !== Code.ABORTED || attempt >= conflictRetries) throw err;
    }
  }
}

/** Deletes the object if it still has the uid; resolves quietly when it is gone. */
export async function deleteLive(
  api: ApiClient,
  id: ObjectIdentity,
  propagationPolicy: 'Background' | 'Foreground' | 'Orphan',
): Promise<void> {
  try {
    await api.delete(id.info, id.namespace, id.name, {
      propagationPolicy,
      preconditions: { uid: id.uid, resourceVersion: '' },
    });
  } catch (err) {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
    // A uid precondition that fails means the object we meant is gone already.
    if (err instanceof ApiError && err.code === Code.ABORTED && err.message.includes('UID in precondition'))
      return;
    throw err;
  }
}

/** Removes `finalizer` from the object's metadata (which deletes it once none is left). */
export function removeFinalizer(api: ApiClient, id: ObjectIdentity, finalizer: string): Promise<void> {
  return updateLive(api, id, (obj) => {
    const meta = obj.metadata;
    if (!meta?.finalizers.includes(finalizer)) return false;
    meta.finalizers = meta.finalizers.filter((f) => f !== finalizer);
    return true;
  });
}
