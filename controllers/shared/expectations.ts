/**
 * What a controller is waiting to see in its informer after acting (client-go's
 * ControllerExpectations, with deletions tracked by pod key as its
 * UIDTrackingControllerExpectations does).
 *
 * A controller that creates N pods cannot trust its cache until the N ADDED events have
 * arrived: acting on the stale cache would create them again. So before creating it
 * records the creations it expects, each informer event lowers the count, and the
 * controller only recomputes "how many are missing" once the expectations of that owner
 * are satisfied — or have expired (5 minutes, as Kubernetes: a lost event must not
 * wedge an owner forever).
 */

/** Expectations older than this are treated as satisfied. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  adds: number;
  /** Keys (`namespace/name`) of pods whose deletion is expected. */
  deletes: Set<string>;
  /** Deletions expected without a key (lowered by count only). */
  anonymousDeletes: number;
  setAt: number;
}

export interface Expectations {
  /** Expects `adds` creations of `owner` (replacing what was expected). */
  expectCreations(owner: string, adds: number): void;
  /** Expects the deletion of these pods of `owner` (replacing what was expected). */
  expectDeletions(owner: string, podKeys: readonly string[]): void;
  /** Expects both at once, for a controller that creates and deletes in one pass (replacing what was expected). */
  expect(owner: string, adds: number, podKeys: readonly string[]): void;
  /** One expected creation will never be seen (the create failed). */
  creationSkipped(owner: string): void;
  /** One expected deletion will never be seen (the delete failed; the pod is still there). */
  deletionSkipped(owner: string, podKey: string): void;
  /** The informer saw a pod of `owner` being created. */
  creationObserved(owner: string): void;
  /** The informer saw a pod of `owner` go (or get a deletionTimestamp). */
  deletionObserved(owner: string, podKey: string): void;
  /** Whether the controller may trust its cache for `owner`: nothing pending, never set, or expired. */
  satisfied(owner: string): boolean;
  /** Forgets `owner` (it was deleted). */
  delete(owner: string): void;
  /** What is still expected, for logs and tests. */
  pending(owner: string): { adds: number; deletes: number } | undefined;
}

export function createExpectations(opts: { now?: () => number; timeoutMs?: number } = {}): Expectations {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? EXPECTATIONS_TIMEOUT_MS;
  const byOwner = new Map<string, Expectation>();
  const fulfilled = (e: Expectation) => e.adds <= 0 && e.deletes.size === 0 && e.anonymousDeletes <= 0;
  return {
    expectCreations(owner, adds) {
      byOwner.set(owner, { adds, deletes: new Set(), anonymousDeletes: 0, setAt: now() });
    },
    expectDeletions(owner, podKeys) {
      byOwner.set(owner, { adds: 0, deletes: new Set(podKeys), anonymousDeletes: 0, setAt: now() });
    },
    expect(owner, adds, podKeys) {
      byOwner.set(owner, { adds, deletes: new Set(podKeys), anonymousDeletes: 0, setAt: now() });
    },
    creationSkipped(owner) {
      const e = byOwner.get(owner);
      if (e) e.adds--;
    },
    deletionSkipped(owner, podKey) {
      byOwner.get(owner)?.deletes.delete(podKey);
    },
    creationObserved(owner) {
      const e = byOwner.get(owner);
      if (e && e.adds > 0) e.adds--;
    },
    deletionObserved(owner, podKey) {
      const e = byOwner.get(owner);
      if (!e) return;
      if (!e.deletes.delete(podKey) && e.anonymousDeletes > 0) e.anonymousDeletes--;
    },
    satisfied(owner) {
      const e = byOwner.get(owner);
      if (!e) return true;
      return fulfilled(e) || now() - e.setAt > timeoutMs;
    },
    delete(owner) {
      byOwner.delete(owner);
    },
    pending(owner) {
      const e = byOwner.get(owner);
      return e ? { adds: e.adds, deletes: e.deletes.size + e.anonymousDeletes } : undefined;
    },
  };
}
