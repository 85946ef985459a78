/**
 * A DaemonSet's revisions (Kubernetes' daemon constructHistory, dedupCurHistories and
 * cleanupHistory) on top of the shared ControllerRevision machinery: each revision holds
 * the pod template as a patch that replaces `spec.template`; the current one is the
 * revision whose data equals the DaemonSet's template, and its hash label is what new
 * pods are labelled with.
 *
 * - No current revision: one is created, numbered one above the highest old one; a name
 *   taken by other data bumps collisionCount (which the caller records in status).
 * - A current revision older than an old one (a rollback to an earlier template) is
 *   renumbered to be the newest.
 * - Several current revisions (left by an interrupted controller): the newest is kept,
 *   pods of the others are relabelled to it, and the others deleted.
 * - Old revisions beyond `revisionHistoryLimit` are deleted oldest first, except those
 *   that pods still run.
 */
import type { TypedClient } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { DaemonSet } from '../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import { type Pod, PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Selector } from '../../sdk/labels/index.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  type ControllerHistory,
  canonicalData,
  collisionCountOf,
  newControllerRevision,
  nextRevision,
  type RevisionData,
  revisionNumber,
  revisionsToTruncate,
  sortControllerRevisions,
} from '../shared/controller-history.js';

/** The revision data of a DaemonSet: a patch that replaces its pod template. */
export function revisionDataOf(ds: DaemonSet): RevisionData {
  const template = PodTemplateSpec.toJSON(PodTemplateSpec.fromPartial(ds.spec?.template ?? {})) as Record<
    string,
    unknown
  >;
  return { spec: { template: { ...template, $patch: 'replace' } } };
}

/** Whether `revision` records the DaemonSet's current template (Kubernetes' Match). */
export function matchesRevision(ds: DaemonSet, revision: ControllerRevision): boolean {
  return canonicalData(revision.data) === canonicalData(revisionDataOf(ds));
}

export const hashOf = (revision: ControllerRevision) =>
  revision.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? '';

export interface DaemonSetRevisions {
  readonly current: ControllerRevision;
  readonly old: ControllerRevision[];
  /** The collisionCount the current revision's name was settled with. */
  readonly collisionCount: number | undefined;
}

export interface DaemonSetHistoryOptions {
  readonly history: ControllerHistory;
  readonly revisionClient: TypedClient<ControllerRevision>;
  readonly podClient: TypedClient<Pod>;
}

export interface DaemonSetHistory {
  /** Claims the DaemonSet's revisions and makes sure exactly one records its template. */
  construct(
    ds: DaemonSet,
    selector: Selector,
    recheck: () => Promise<DaemonSet>,
    pods: readonly Pod[],
  ): Promise<DaemonSetRevisions>;
  /** Deletes old revisions beyond the limit that no pod of `pods` runs. */
  cleanup(ds: DaemonSet, old: readonly ControllerRevision[], pods: readonly Pod[]): Promise<void>;
}

export function createDaemonSetHistory(opts: DaemonSetHistoryOptions): DaemonSetHistory {
  const { history, revisionClient, podClient } = opts;

  /** Revisions written before they carried the hash label get it, named after themselves. */
  async function withHashLabel(revision: ControllerRevision): Promise<ControllerRevision> {
    if (revision.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] !== undefined) return revision;
    const next = structuredClone(revision);
    if (next.metadata) next.metadata.labels[CONTROLLER_REVISION_HASH_LABEL] = next.metadata.name;
    return revisionClient.update(next);
  }

  async function relabelPods(pods: readonly Pod[], from: string, to: string): Promise<void> {
    await Promise.all(
      pods
        .filter((p) => p.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] === from)
        .map(async (pod) => {
          const next = structuredClone(pod);
          if (next.metadata) next.metadata.labels[CONTROLLER_REVISION_HASH_LABEL] = to;
          try {
            await podClient.update(next);
          } catch (err) {
            if (!(err instanceof ApiError && err.code === Code.NOT_FOUND)) throw err;
          }
        }),
    );
  }

  return {
    async construct(ds, selector, recheck, pods) {
      const claimed = await history.claim(ds, selector, recheck);
      const current: ControllerRevision[] = [];
      const old: ControllerRevision[] = [];
      for (const r of claimed) {
        const revision = await withHashLabel(r);
        (matchesRevision(ds, revision) ? current : old).push(revision);
      }
      const next = nextRevision(old);
      const statusCount = ds.status?.collisionCount;
      if (current.length === 0) {
        const revision = newControllerRevision(
          ds,
          ds.spec?.template?.metadata?.labels ?? {},
          revisionDataOf(ds),
          next,
          statusCount ?? 0,
        );
        const created = await history.create(ds, revision, statusCount ?? 0);
        const collisionCount =
          created.collisionCount === (statusCount ?? 0) ? statusCount : created.collisionCount;
        return { current: created.revision, old, collisionCount };
      }
      const sorted = sortControllerRevisions(current);
      let keep = sorted[sorted.length - 1] as ControllerRevision;
      for (const dup of sorted.slice(0, -1)) {
        await relabelPods(pods, hashOf(dup), hashOf(keep));
        await history.delete(dup);
      }
      if (revisionNumber(keep) < next) keep = await history.updateRevisionNumber(keep, next);
      return { current: keep, old, collisionCount: collisionCountOf(keep, keep.data, statusCount) };
    },

    async cleanup(ds, old, pods) {
      const limit = ds.spec?.revisionHistoryLimit ?? 10;
      const liveHashes = new Set<string>();
      for (const pod of pods) {
        const hash = pod.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
        if (hash) liveHashes.add(hash);
      }
      const live = new Set(old.filter((r) => liveHashes.has(hashOf(r))).map((r) => r.metadata?.name ?? ''));
      for (const revision of revisionsToTruncate(old, live, limit)) await history.delete(revision);
    },
  };
}
