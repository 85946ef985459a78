/**
 * Claiming dependents, as Kubernetes' ControllerRefManager: a controller owns the
 * objects whose controller reference carries its uid, adopts orphans its selector
 * matches, and releases the objects it owns that its selector no longer matches.
 *
 * - Objects controlled by someone else are never touched.
 * - An owner being deleted adopts nothing and releases nothing (its dependents go with it).
 * - Before the first adoption the owner is read afresh from the apiserver (`recheck`):
 *   an owner deleted and recreated under the same name must not adopt with a stale uid.
 * - Adoption and release are writes with the dependent's resourceVersion, so a
 *   concurrent change makes them fail (and the caller retries) rather than clobber it.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { matches, type Selector } from '../../sdk/labels/index.js';
import { controllerOf, controllerRef } from '../../sdk/owner-references.js';

export interface ClaimOptions<T extends KindObject> {
  readonly owner: KindObject;
  readonly selector: Selector;
  /** The dependents' client (adoption and release are updates of the dependent). */
  readonly client: TypedClient<T>;
  /** Reads the owner from the apiserver (not the cache); rejects NOT_FOUND when it is gone. */
  readonly recheck: () => Promise<KindObject>;
  /** Finalizers an adopted object gets with the reference (the Job's tracking finalizer). */
  readonly finalizers?: readonly string[];
}

/** Returns the objects `owner` controls after adopting and releasing; throws the first write error. */
export async function claimObjects<T extends KindObject>(
  objects: readonly T[],
  opts: ClaimOptions<T>,
): Promise<T[]> {
  const { owner, selector, client } = opts;
  const uid = owner.metadata?.uid ?? '';
  const ownerDeleting = owner.metadata?.deletionTimestamp !== undefined;
  const claimed: T[] = [];
  let checked: Promise<void> | undefined;
  const canAdopt = () => {
    checked ??= opts.recheck().then((fresh) => {
      if (fresh.metadata?.uid !== uid) {
        throw new ApiError(
          Code.ABORTED,
          `original ${owner.kind} ${owner.metadata?.name} is gone: got uid ${fresh.metadata?.uid}, wanted ${uid}`,
        );
      }
      if (fresh.metadata?.deletionTimestamp !== undefined) {
        throw new ApiError(Code.ABORTED, `${owner.kind} ${owner.metadata?.name} has just been deleted`);
      }
    });
    return checked;
  };
  const errors: unknown[] = [];
  await Promise.all(
    objects.map(async (obj) => {
      const ref = controllerOf(obj);
      const labels = obj.metadata?.labels ?? {};
      if (ref !== undefined) {
        if (ref.uid !== uid) return; // someone else's
        if (matches(selector, labels)) {
          claimed.push(obj);
          return;
        }
        if (ownerDeleting) return;
        try {
          await release(obj, uid, client);
        } catch (err) {
          errors.push(err);
          claimed.push(obj); // still ours until the release lands
        }
        return;
      }
      if (ownerDeleting || !matches(selector, labels) || obj.metadata?.deletionTimestamp !== undefined)
        return;
      try {
        await canAdopt();
        const adopted = await adopt(obj, owner, client, opts.finalizers ?? []);
        if (adopted) claimed.push(adopted);
      } catch (err) {
        errors.push(err);
      }
    }),
  );
  if (errors.length > 0) throw errors[0];
  return claimed;
}

function copyOf<T extends KindObject>(obj: T): T {
  return structuredClone(obj);
}

async function adopt<T extends KindObject>(
  obj: T,
  owner: KindObject,
  client: TypedClient<T>,
  finalizers: readonly string[],
): Promise<T | undefined> {
  const next = copyOf(obj);
  const meta = next.metadata;
  if (!meta) return undefined;
  meta.ownerReferences = [
    ...meta.ownerReferences.filter((r) => r.uid !== owner.metadata?.uid),
    controllerRef(owner),
  ];
  for (const f of finalizers) if (!meta.finalizers.includes(f)) meta.finalizers.push(f);
  try {
    return await client.update(next);
  } catch (err) {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
    throw err;
  }
}

async function release<T extends KindObject>(
  obj: T,
  ownerUid: string,
  client: TypedClient<T>,
): Promise<void> {
  const next = copyOf(obj);
  const meta = next.metadata;
  if (!meta) return;
  meta.ownerReferences = meta.ownerReferences.filter((r) => r.uid !== ownerUid);
  try {
    await client.update(next);
  } catch (err) {
    // Gone, or already changed by someone: nothing of ours to release.
    if (err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.INVALID_ARGUMENT))
      return;
    throw err;
  }
}
