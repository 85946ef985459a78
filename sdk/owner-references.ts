/**
 * Owner references, as controllers and the garbage collector use them: an object has
 * at most one controller (`controller: true`), the owner that manages it; other owners
 * only keep it alive. Ownership is by uid: a new object with the old one's name is not
 * the old owner.
 */
import type { OwnerReference } from './gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from './kind-registry.js';

/** The reference a controller puts on what it creates (Kubernetes' NewControllerRef). */
export function controllerRef(owner: KindObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The controller of `obj`, if it has one. */
export function controllerOf(obj: KindObject): OwnerReference | undefined {
  return obj.metadata?.ownerReferences.find((ref) => ref.controller === true);
}

/** Whether `owner` is `obj`'s controller. */
export function isControlledBy(obj: KindObject, owner: KindObject): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && ref.uid !== '' && ref.uid === owner.metadata?.uid;
}

/** Whether `owner` is any of `obj`'s owners. */
export function isOwnedBy(obj: KindObject, owner: KindObject): boolean {
  const uid = owner.metadata?.uid ?? '';
  return uid !== '' && (obj.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid);
}
