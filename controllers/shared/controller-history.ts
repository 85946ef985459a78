/**
 * The history of a DaemonSet or StatefulSet (Kubernetes' pkg/controller/history): each
 * revision of what the parent rolls out is an immutable ControllerRevision named
 * `<parent>-<hash>`, controlled by the parent, labelled with the parent's template labels
 * and `controller-revision-hash`, and numbered (`revision`, higher is newer).
 *
 * The hash covers the revision's data and the parent's collisionCount: when a revision of
 * that name already exists with other data (a hash collision, or a revision left by an
 * earlier parent of the same name), the parent's collisionCount is bumped and the name
 * recomputed, so creation always converges on a revision holding exactly this data.
 *
 * Pure functions (hash, name, equality, ordering, truncation) are separate from the
 * writes (`createControllerHistory`), so controllers can plan from their cache and act
 * through the apiserver.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import {
  controlledOrOrphaned,
  ensureControllerIndex,
  type SharedInformer,
} from '../../sdk/informers/index.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Selector } from '../../sdk/labels/index.js';
import { controllerOf, controllerRef } from '../../sdk/owner-references.js';
import { claimObjects } from './controller-ref-manager.js';
import { fnv32a, safeEncode } from './hash.js';

/** The label a revision (and the pods made from it) carries: which revision it is. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** What a revision records: a JSON object (for workloads, a patch replacing spec.template). */
export type RevisionData = Record<string, unknown>;

/** Longest parent-name prefix of a revision name, so that `<prefix>-<hash>` stays a valid name. */
const MAX_PREFIX = 223;

/** Gives up on collisions after this many attempts: it means the apiserver keeps changing under us. */
const MAX_COLLISION_ATTEMPTS = 20;

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort()
        .map((k) => [k, canonical(obj[k])]),
    );
  }
  return value;
}

/** The data as canonical JSON (keys sorted): equal data, equal text, in every process. */
export function canonicalData(data: RevisionData | undefined): string {
  return JSON.stringify(canonical(data ?? {}));
}

/** `<prefix>-<hash>`, the prefix cut to 223 characters (Kubernetes' ControllerRevisionName). */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.length > MAX_PREFIX ? prefix.slice(0, MAX_PREFIX) : prefix}-${hash}`;
}

/**
 * The hash of a revision's data and, when set, the parent's collisionCount (Kubernetes'
 * HashControllerRevision): FNV-1a over the canonical data then the count in decimal,
 * encoded in the alphabet of generated names.
 */
export function hashControllerRevision(data: RevisionData | undefined, collisionCount?: number): string {
  const encoder = new TextEncoder();
  let h = fnv32a(encoder.encode(canonicalData(data)));
  if (collisionCount !== undefined) h = fnv32a(encoder.encode(String(collisionCount)), h);
  return safeEncode(String(h));
}

/**
 * The collisionCount a revision holding `data` was named under: the first count from
 * `from` whose hash is the revision's `controller-revision-hash`, else `from`. The name
 * records the count, so a count the parent's status lost (a status write that failed, or
 * one made from a stale copy) is found again rather than reset.
 */
export function collisionCountOf(
  revision: ControllerRevision,
  data: RevisionData | undefined,
  from: number | undefined,
): number | undefined {
  const hash = revision.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
  if (hash === undefined) return from;
  const start = from ?? 0;
  for (let count = start; count < start + MAX_COLLISION_ATTEMPTS; count++) {
    if (hashControllerRevision(data, count) === hash) return count;
  }
  return from;
}

/**
 * A revision of `parent` (which must carry apiVersion and kind) holding `data`, not yet
 * created: labels are the template's plus the hash, the name `<parent>-<hash>`.
 */
export function newControllerRevision(
  parent: KindObject,
  templateLabels: Readonly<Record<string, string>>,
  data: RevisionData,
  revision: number,
  collisionCount?: number,
): ControllerRevision {
  const hash = hashControllerRevision(data, collisionCount);
  return ControllerRevision.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata?.name ?? '', hash),
      namespace: parent.metadata?.namespace ?? '',
      labels: { ...templateLabels, [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [controllerRef(parent)],
    },
    data,
    revision: String(revision),
  });
}

export function revisionNumber(revision: ControllerRevision): number {
  return Number(revision.revision);
}

/**
 * Whether two revisions record the same thing (Kubernetes' EqualRevision): the same hash
 * label and the same data. Revisions without a hash label are never equal.
 */
export function equalRevision(a: ControllerRevision | undefined, b: ControllerRevision | undefined): boolean {
  const ha = a?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b?.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
  if (a === undefined || b === undefined || ha === undefined || ha !== hb) return false;
  return canonicalData(a.data) === canonicalData(b.data);
}

/** The revisions equal to `needle`, in the order given. */
export function findEqualRevisions(
  revisions: readonly ControllerRevision[],
  needle: ControllerRevision,
): ControllerRevision[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** Oldest first: by revision number, then creation time, then name (a stable total order). */
export function sortControllerRevisions(revisions: readonly ControllerRevision[]): ControllerRevision[] {
  return [...revisions].sort((a, b) => {
    const byNumber = revisionNumber(a) - revisionNumber(b);
    if (byNumber !== 0) return byNumber;
    const ta = a.metadata?.creationTimestamp?.getTime() ?? 0;
    const tb = b.metadata?.creationTimestamp?.getTime() ?? 0;
    if (ta !== tb) return ta - tb;
    return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
  });
}

/** The number the next revision gets: one more than the highest, 1 for the first. */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) max = Math.max(max, revisionNumber(r));
  return max + 1;
}

/**
 * The revisions to delete so that at most `limit` non-live ones remain, oldest first.
 * `live` names the revisions still in use (current, update, any pod's) — never deleted,
 * and not counted against the limit.
 */
export function revisionsToTruncate(
  revisions: readonly ControllerRevision[],
  live: ReadonlySet<string>,
  limit: number,
): ControllerRevision[] {
  const history = sortControllerRevisions(revisions).filter((r) => !live.has(r.metadata?.name ?? ''));
  return history.length <= limit ? [] : history.slice(0, history.length - limit);
}

/** Reads and writes a parent's revisions through the apiserver. */
export interface ControllerHistory {
  /**
   * The revisions `parent` controls after adopting the orphans `selector` matches and
   * releasing its own that no longer match (see controller-ref-manager), unsorted.
   * `recheck` reads the parent from the apiserver before the first adoption.
   */
  claim(
    parent: KindObject,
    selector: Selector,
    recheck: () => Promise<KindObject>,
  ): Promise<ControllerRevision[]>;
  /**
   * Creates `revision` (as made by newControllerRevision) under the name its data and
   * `collisionCount` hash to. If that name holds a revision of `parent` with the same
   * data, that one is returned; if it holds anything else, collisionCount is bumped and
   * the name recomputed. Returns the revision and the collisionCount it settled on,
   * which the caller must record in the parent's status.
   */
  create(
    parent: KindObject,
    revision: ControllerRevision,
    collisionCount: number,
  ): Promise<{ revision: ControllerRevision; collisionCount: number }>;
  /** Gives `revision` a new number (a rollback to it makes it the newest). */
  updateRevisionNumber(revision: ControllerRevision, next: number): Promise<ControllerRevision>;
  /** Deletes `revision`; one already gone is not an error. */
  delete(revision: ControllerRevision): Promise<void>;
}

export interface ControllerHistoryOptions {
  readonly client: TypedClient<ControllerRevision>;
  /** The ControllerRevision informer the candidates for `claim` are read from. */
  readonly informer: SharedInformer<ControllerRevision>;
}

export function createControllerHistory(opts: ControllerHistoryOptions): ControllerHistory {
  const { client, informer } = opts;
  ensureControllerIndex(informer.indexer);
  return {
    async claim(parent, selector, recheck) {
      return claimObjects(controlledOrOrphaned(informer.indexer, parent), {
        owner: parent,
        selector,
        client,
        recheck,
      });
    },

    async create(parent, revision, collisionCount) {
      let count = collisionCount;
      const data = revision.data ?? {};
      const wanted = canonicalData(data);
      for (let attempt = 0; attempt < MAX_COLLISION_ATTEMPTS; attempt++) {
        const hash = hashControllerRevision(data, count);
        const candidate = structuredClone(revision);
        const meta = candidate.metadata;
        if (!meta)
          throw new Error('a ControllerRevision to create needs metadata (see newControllerRevision)');
        meta.name = controllerRevisionName(parent.metadata?.name ?? '', hash);
        meta.namespace = parent.metadata?.namespace ?? '';
        meta.labels = { ...meta.labels, [CONTROLLER_REVISION_HASH_LABEL]: hash };
        try {
          return { revision: await client.create(candidate), collisionCount: count };
        } catch (err) {
          if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
        }
        const existing = await client.get(meta.namespace, meta.name);
        const ours = controllerOf(existing)?.uid === parent.metadata?.uid;
        if (ours && canonicalData(existing.data) === wanted)
          return { revision: existing, collisionCount: count };
        count++;
      }
      throw new ApiError(
        Code.ABORTED,
        `could not name a ControllerRevision of ${parent.kind} ${parent.metadata?.name}: every name up to collisionCount ${count} is taken by other data`,
      );
    },

    async updateRevisionNumber(revision, next) {
      if (revisionNumber(revision) === next) return revision;
      let current = revision;
      for (let attempt = 0; ; attempt++) {
        try {
          return await client.update({ ...structuredClone(current), revision: String(next) });
        } catch (err) {
          if (!(err instanceof ApiError && err.code === Code.ABORTED) || attempt >= 2) throw err;
          current = await client.get(revision.metadata?.namespace ?? '', revision.metadata?.name ?? '');
        }
      }
    },

    async delete(revision) {
      try {
        await client.delete(revision.metadata?.namespace ?? '', revision.metadata?.name ?? '', {
          preconditions: { uid: revision.metadata?.uid ?? '', resourceVersion: '' },
        });
      } catch (err) {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return;
        throw err;
      }
    },
  };
}
