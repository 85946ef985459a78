/**
 * The ownership graph of the garbage collector (Kubernetes' GraphBuilder): one node per
 * uid, with the owners its object names and the dependents that name it. An owner that
 * has not been observed (its kind's informer is behind, or it is gone) is a virtual node,
 * known only from a dependent's reference, until the collector has verified it.
 *
 * The graph only records what the informers report; it never calls the apiserver. Each
 * change returns what must be looked at, so that the collector enqueues it.
 */
import type { OwnerReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { type KindInfo, kindFor } from '../../sdk/kinds.js';
import type { ObjectIdentity } from './live-object.js';

export const FINALIZER_ORPHAN = 'orphan';
export const FINALIZER_FOREGROUND = 'foregroundDeletion';

export interface GraphNode {
  identity: ObjectIdentity;
  /** The object's ownerReferences as last observed (none for a virtual node). */
  owners: OwnerReference[];
  readonly dependents: Set<GraphNode>;
  /** Known only from a dependent's ownerReference. */
  virtual: boolean;
  /** A virtual node whose kind the API does not serve: it cannot be verified, so it is never collected. */
  unresolved?: boolean;
  /** Has a deletionTimestamp. */
  beingDeleted: boolean;
  /** Has a deletionTimestamp and the foregroundDeletion finalizer: waits for its blocking dependents. */
  deletingDependents: boolean;
}

/** What a change asks the collector to look at. */
export interface GraphWork {
  /** uids for attempt-to-delete. */
  readonly attemptToDelete: string[];
  /** uids for attempt-to-orphan. */
  readonly attemptToOrphan: string[];
}

/** The identity an ownerReference names, seen from `dependent`; undefined when its kind is not served. */
export function ownerIdentity(ref: OwnerReference, dependentNamespace: string): ObjectIdentity | undefined {
  const info = kindFor(ref.apiVersion, ref.kind);
  if (!info) return undefined;
  return { info, namespace: info.namespaced ? dependentNamespace : '', name: ref.name, uid: ref.uid };
}

export class OwnershipGraph {
  private readonly nodes = new Map<string, GraphNode>();

  get(uid: string): GraphNode | undefined {
    return this.nodes.get(uid);
  }

  get size(): number {
    return this.nodes.size;
  }

  /** Records an object the informer of `info` added or updated. */
  observe(info: KindInfo, obj: KindObject): GraphWork {
    const work: GraphWork = { attemptToDelete: [], attemptToOrphan: [] };
    const meta = obj.metadata;
    const uid = meta?.uid ?? '';
    if (!meta || uid === '') return work;
    const identity: ObjectIdentity = { info, namespace: meta.namespace, name: meta.name, uid };
    let node = this.nodes.get(uid);
    const oldOwners = node?.owners ?? [];
    if (!node) {
      node = {
        identity,
        owners: [],
        dependents: new Set(),
        virtual: false,
        beingDeleted: false,
        deletingDependents: false,
      };
      this.nodes.set(uid, node);
    } else {
      node.identity = identity;
      node.virtual = false;
    }
    node.owners = [...meta.ownerReferences];
    const wasDeletingDependents = node.deletingDependents;
    node.beingDeleted = meta.deletionTimestamp !== undefined;
    node.deletingDependents = node.beingDeleted && meta.finalizers.includes(FINALIZER_FOREGROUND);

    const byUid = (refs: OwnerReference[]) => new Map(refs.map((r) => [r.uid, r]));
    const before = byUid(oldOwners);
    const after = byUid(node.owners);
    for (const [ownerUid, ref] of after) {
      if (before.has(ownerUid)) continue;
      let owner = this.nodes.get(ownerUid);
      if (!owner) {
        // Not seen yet: the collector verifies whether it exists (its dependents are collected if not).
        const ownerId = ownerIdentity(ref, meta.namespace);
        owner = {
          identity: ownerId ?? { info, namespace: '', name: ref.name, uid: ownerUid },
          ...(ownerId ? {} : { unresolved: true }),
          owners: [],
          dependents: new Set(),
          virtual: true,
          beingDeleted: false,
          deletingDependents: false,
        };
        this.nodes.set(ownerUid, owner);
        work.attemptToDelete.push(ownerUid);
      }
      owner.dependents.add(node);
    }
    for (const [ownerUid, ref] of before) {
      const now = after.get(ownerUid);
      const owner = this.nodes.get(ownerUid);
      if (!owner) continue;
      if (!now) this.detach(owner, node);
      // A dependent that stops blocking (or leaves) may let a foreground owner go.
      const unblocked = !now || (ref.blockOwnerDeletion === true && now.blockOwnerDeletion !== true);
      if (unblocked && owner.deletingDependents) work.attemptToDelete.push(ownerUid);
    }

    if (node.beingDeleted && meta.finalizers.includes(FINALIZER_ORPHAN)) work.attemptToOrphan.push(uid);
    if (node.deletingDependents) {
      if (!wasDeletingDependents)
        for (const dep of node.dependents) work.attemptToDelete.push(dep.identity.uid);
      work.attemptToDelete.push(uid);
    }
    return work;
  }

  /** Forgets an object its informer saw deleted; its dependents and waiting owners are to be looked at. */
  remove(obj: KindObject): GraphWork {
    const work: GraphWork = { attemptToDelete: [], attemptToOrphan: [] };
    const uid = obj.metadata?.uid ?? '';
    const node = this.nodes.get(uid);
    if (!node || node.virtual) return work;
    for (const ref of node.owners) {
      const owner = this.nodes.get(ref.uid);
      if (!owner) continue;
      this.detach(owner, node);
      if (owner.deletingDependents) work.attemptToDelete.push(owner.identity.uid);
    }
    node.owners = [];
    if (node.dependents.size > 0) {
      // Its dependents still name it: keep it, virtual, so that the collector finds them and collects them.
      node.virtual = true;
      node.beingDeleted = false;
      node.deletingDependents = false;
      work.attemptToDelete.push(uid);
      for (const dep of node.dependents) work.attemptToDelete.push(dep.identity.uid);
    } else {
      this.nodes.delete(uid);
    }
    return work;
  }

  /** Drops a virtual node the collector found absent; returns its dependents. */
  removeVirtual(uid: string): GraphNode[] {
    const node = this.nodes.get(uid);
    if (!node?.virtual) return [];
    this.nodes.delete(uid);
    return [...node.dependents];
  }

  private detach(owner: GraphNode, dependent: GraphNode): void {
    owner.dependents.delete(dependent);
    if (owner.virtual && owner.dependents.size === 0) this.nodes.delete(owner.identity.uid);
  }
}
