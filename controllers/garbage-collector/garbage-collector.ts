/**
 * The garbage collector (Kubernetes' pkg/controller/garbagecollector): informers over
 * every kind the API serves feed the ownership graph; two work queues act on it.
 *
 * - attempt-to-delete (an object's uid): a dependent whose owners are all gone (a live
 *   GET finds no object of that uid) is deleted; an owner waiting in foreground deletion
 *   loses its `foregroundDeletion` finalizer once no dependent with blockOwnerDeletion
 *   is left; a dependent of such an owner is deleted (in the foreground itself when it
 *   has dependents of its own).
 * - attempt-to-orphan (an owner's uid): the owner's ownerReference is removed from each
 *   dependent, then its `orphan` finalizer.
 *
 * Failures are retried with the work queue's per-item backoff. The collector never
 * trusts the cache about absence: it deletes only after the apiserver says the owner is
 * gone.
 */
import type { ComponentContext } from '../../sdk/component/index.js';
import { createController } from '../../sdk/controller/index.js';
import { DeletedFinalStateUnknown } from '../../sdk/informers/index.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { type KindInfo, kinds } from '../../sdk/kinds.js';
import {
  FINALIZER_FOREGROUND,
  FINALIZER_ORPHAN,
  type GraphNode,
  type GraphWork,
  OwnershipGraph,
  ownerIdentity,
} from './graph.js';
import { deleteLive, getLive, type ObjectIdentity, removeFinalizer, updateLive } from './live-object.js';

export interface GarbageCollectorOptions {
  /** Workers of attempt-to-delete (`--concurrent-gc-syncs`); attempt-to-orphan gets as many. */
  readonly workers: number;
  /** The kinds to follow (default: `followedByDefault`). */
  readonly kinds?: readonly KindInfo[];
}

/**
 * Every kind of the table but Events, as Kubernetes' collector ignores them by default:
 * they are many, short-lived (a TTL removes them) and never anyone's owner, so following
 * them would only hold every Event of the cluster in this process' memory.
 */
export const followedByDefault: readonly KindInfo[] = kinds.filter(
  (info) => !(info.apiGroup === '' && info.resource === 'events'),
);

type OwnerState = 'solid' | 'dangling' | 'waiting';

export interface GarbageCollector {
  readonly graph: OwnershipGraph;
  run(): Promise<void>;
}

export function createGarbageCollector(
  ctx: ComponentContext,
  opts: GarbageCollectorOptions,
): GarbageCollector {
  const { clients, informers, logger, signal, registry } = ctx;
  const api = clients.api;
  const graph = new OwnershipGraph();

  const attemptToDelete = createController({
    name: 'garbage-collector-attempt-to-delete',
    workers: opts.workers,
    logger,
    registry,
    reconcile: async ({ name: uid }) => {
      await processAttemptToDelete(uid);
      return undefined;
    },
  });
  const attemptToOrphan = createController({
    name: 'garbage-collector-attempt-to-orphan',
    workers: opts.workers,
    logger,
    registry,
    reconcile: async ({ name: uid }) => {
      await processAttemptToOrphan(uid);
      return undefined;
    },
  });
  const enqueue = (work: GraphWork) => {
    for (const uid of work.attemptToDelete) attemptToDelete.enqueue({ namespace: '', name: uid });
    for (const uid of work.attemptToOrphan) attemptToOrphan.enqueue({ namespace: '', name: uid });
  };

  const followed = opts.kinds ?? followedByDefault;
  const kindInformers = followed.map((info) => {
    const informer = informers.informerFor<KindObject>(info);
    informer.addEventHandler({
      onAdd: (obj) => enqueue(graph.observe(info, obj)),
      onUpdate: (_old, obj) => enqueue(graph.observe(info, obj)),
      onDelete: (obj) => enqueue(graph.remove(obj instanceof DeletedFinalStateUnknown ? obj.object : obj)),
    });
    return informer;
  });

  /** Whether the owner a reference names exists (by uid), is waiting for its dependents, or is gone. */
  async function ownerState(dependent: GraphNode, uid: string): Promise<OwnerState> {
    const ref = dependent.owners.find((r) => r.uid === uid);
    if (!ref) return 'solid';
    const id = ownerIdentity(ref, dependent.identity.namespace);
    // A kind the API does not serve cannot be verified: keep the dependent, as Kubernetes does.
    if (!id) return 'solid';
    // A namespaced owner of a cluster-scoped dependent is invalid: it cannot exist.
    if (id.info.namespaced && dependent.identity.namespace === '') return 'dangling';
    const owner = await getLive(api, id);
    if (!owner) return 'dangling';
    const meta = owner.metadata;
    if (meta?.deletionTimestamp !== undefined && meta.finalizers.includes(FINALIZER_FOREGROUND))
      return 'waiting';
    return 'solid';
  }

  async function processAttemptToDelete(uid: string): Promise<void> {
    const node = graph.get(uid);
    if (!node) return;
    if (node.virtual) {
      // Verify an owner only known from references: when absent, its dependents are collected.
      if (node.unresolved || (await getLive(api, node.identity)) !== undefined) return;
      for (const dep of graph.removeVirtual(uid))
        attemptToDelete.enqueue({ namespace: '', name: dep.identity.uid });
      return;
    }
    const latest = await getLive(api, node.identity);
    if (!latest) return; // Gone: its informer will say so.
    const meta = latest.metadata;
    const deleting = meta?.deletionTimestamp !== undefined;
    if (deleting && meta?.finalizers.includes(FINALIZER_FOREGROUND)) return processDeletingDependents(node);
    if (deleting) return;
    const refs = meta?.ownerReferences ?? [];
    if (refs.length === 0) return;
    // Classify against the object as it is now, not as the cache last saw it.
    node.owners = [...refs];
    const states = await Promise.all(refs.map(async (r) => [r.uid, await ownerState(node, r.uid)] as const));
    const solid = states.filter(([, s]) => s === 'solid');
    const gone = states.filter(([, s]) => s !== 'solid').map(([u]) => u);
    if (solid.length > 0) {
      if (gone.length === 0) return;
      // Another owner keeps it alive: only drop the references to the absent or departing ones.
      logger.debug({ object: describe(node.identity), owners: gone }, 'removing dangling owner references');
      await removeOwnerReferences(node.identity, gone);
      return;
    }
    const waiting = states.some(([, s]) => s === 'waiting');
    let policy: 'Background' | 'Foreground' | 'Orphan';
    if (waiting && node.dependents.size > 0) policy = 'Foreground';
    else if (meta?.finalizers.includes(FINALIZER_ORPHAN)) policy = 'Orphan';
    else if (meta?.finalizers.includes(FINALIZER_FOREGROUND)) policy = 'Foreground';
    else policy = 'Background';
    logger.info({ object: describe(node.identity), propagationPolicy: policy }, 'deleting object');
    await deleteLive(api, node.identity, policy);
  }

  /** An owner in foreground deletion goes once no dependent that blocks it remains. */
  async function processDeletingDependents(node: GraphNode): Promise<void> {
    const uid = node.identity.uid;
    const blocking = [...node.dependents].filter(
      (dep) => dep.owners.find((r) => r.uid === uid)?.blockOwnerDeletion === true,
    );
    if (blocking.length === 0) {
      logger.info({ object: describe(node.identity) }, 'removing the foregroundDeletion finalizer');
      await removeFinalizer(api, node.identity, FINALIZER_FOREGROUND);
      return;
    }
    for (const dep of blocking) {
      if (!dep.beingDeleted) attemptToDelete.enqueue({ namespace: '', name: dep.identity.uid });
    }
  }

  async function processAttemptToOrphan(uid: string): Promise<void> {
    const node = graph.get(uid);
    if (!node || node.virtual) return;
    const latest = await getLive(api, node.identity);
    const meta = latest?.metadata;
    if (!meta || meta.deletionTimestamp === undefined || !meta.finalizers.includes(FINALIZER_ORPHAN)) return;
    await Promise.all([...node.dependents].map((dep) => removeOwnerReferences(dep.identity, [uid])));
    logger.info({ object: describe(node.identity), dependents: node.dependents.size }, 'orphaned dependents');
    await removeFinalizer(api, node.identity, FINALIZER_ORPHAN);
  }

  function removeOwnerReferences(id: ObjectIdentity, uids: readonly string[]): Promise<void> {
    return updateLive(api, id, (obj) => {
      const meta = obj.metadata;
      if (!meta) return false;
      const kept = meta.ownerReferences.filter((r) => !uids.includes(r.uid));
      if (kept.length === meta.ownerReferences.length) return false;
      meta.ownerReferences = kept;
      return true;
    });
  }

  return {
    graph,
    async run() {
      // Act only on a complete graph: a dependent whose owner's kind is not listed yet looks orphaned.
      const synced = await Promise.all(kindInformers.map((i) => i.waitForSync(signal)));
      if (!synced.every(Boolean)) return;
      logger.info({ kinds: followed.length, objects: graph.size }, 'garbage collector synced');
      await Promise.all([attemptToDelete.run(signal), attemptToOrphan.run(signal)]);
    },
  };
}

function describe(id: ObjectIdentity): string {
  const name = id.namespace === '' ? id.name : `${id.namespace}/${id.name}`;
  return `${id.info.kind} ${name} (${id.uid})`;
}
