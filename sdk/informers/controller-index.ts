/**
 * An index of objects by their controller, for controllers that claim what they own.
 *
 * A controller's sync needs the objects it controls and the orphans it might adopt, not
 * every object of the namespace: scanning the namespace makes each sync cost as much as
 * the namespace is large, and a burst of N pods into one namespace then costs N² label
 * matches. Filed under the controller's uid, or, with no controller, under the namespace's
 * orphan value; objects controlled by someone else are never looked at.
 */
import type { KindObject } from '../kind-registry.js';
import { controllerOf } from '../owner-references.js';
import type { Indexer, IndexFunc } from './indexer.js';

export const CONTROLLER_INDEX = 'metadata.ownerReferences.controller';

/** The index value of a namespace's orphans (a uid never contains "/"). */
export const orphanValue = (namespace: string): string => `orphan/${namespace}`;

export const indexByController: IndexFunc<KindObject> = (obj) => {
  const uid = controllerOf(obj)?.uid ?? '';
  return [uid === '' ? orphanValue(obj.metadata?.namespace ?? '') : uid];
};

/** Files `indexer`'s objects by controller, unless it already does. */
export function ensureControllerIndex<T extends KindObject>(indexer: Indexer<T>): void {
  if (!indexer.hasIndex(CONTROLLER_INDEX)) indexer.addIndexers({ [CONTROLLER_INDEX]: indexByController });
}

/**
 * What `owner` may claim: the objects it controls, then the orphans of its namespace — the
 * same answer claimObjects would reach from the whole namespace, in time proportional to
 * those two sets.
 */
export function controlledOrOrphaned<T extends KindObject>(indexer: Indexer<T>, owner: KindObject): T[] {
  const uid = owner.metadata?.uid ?? '';
  const orphans = indexer.byIndex(CONTROLLER_INDEX, orphanValue(owner.metadata?.namespace ?? ''));
  if (uid === '') return orphans;
  const controlled = indexer.byIndex(CONTROLLER_INDEX, uid);
  for (const obj of orphans) controlled.push(obj);
  return controlled;
}
