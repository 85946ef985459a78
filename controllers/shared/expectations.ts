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
 *
 * A controller that names each creation as its response returns (`creationSucceeded`)
 * need not wait for the informer to see it: once no create is in flight and every
 * deletion was seen, `settled` holds and `unobservedCreations` lists the pods it made that
 * its cache may still lack, which it counts as its own. That is as exact as waiting for
 * the informer (the pods exist, by the apiserver's word), and saves a watch round trip
 * between bursts. A pod so listed that the informer missed (a relist after it was already
 * deleted) is dropped once the informer has caught up past its creation (`forgetCreated`).
 */

/** Expectations older than this are treated as satisfied. */
export const EXPECTATIONS_TIMEOUT_MS = 5 * 60 * 1000;

interface Expectation {
  /** Creations neither answered nor seen. */
  adds: number;
  /** Pods created (by the response), not yet seen by the informer: key → resourceVersion. */
  created: Map<string, string>;
  /** Pods seen by the informer before their create's response arrived. */
  seenEarly: Set<string>;
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
  /** The create of the pod `podKey` of `owner` returned it, at `resourceVersion`. */
  creationSucceeded(owner: string, podKey: string, resourceVersion: string): void;
  /** The informer saw a pod of `owner` being created (`podKey` lets it match a `creationSucceeded`). */
  creationObserved(owner: string, podKey?: string): void;
  /** The informer saw a pod of `owner` go (or get a deletionTimestamp). */
  deletionObserved(owner: string, podKey: string): void;
  /** Whether the controller may trust its cache for `owner`: nothing pending, never set, or expired. */
  satisfied(owner: string): boolean;
  /**
   * Whether the controller may act for `owner` counting `unobservedCreations` as its own:
   * no create in flight (each answered or seen) and every deletion seen — or `satisfied`.
   */
  settled(owner: string): boolean;
  /** Pods of `owner` created by response and not yet seen by the informer (key → resourceVersion). */
  unobservedCreations(owner: string): ReadonlyMap<string, string>;
  /** The informer will never show `podKey` (it caught up past its creation, and it is not there). */
  forgetCreated(owner: string, podKey: string): void;
  /** Forgets `owner` (it was deleted). */
  delete(owner: string): void;
  /** What is still expected, for logs and tests. */
  pending(owner: string): { adds: number; deletes: number } | undefined;
}

export function createExpectations(opts: { now?: () => number; timeoutMs?: number } = {}): Expectations {
  const now = opts.now ?? Date.now;
  const timeoutMs = opts.timeoutMs ?? EXPECTATIONS_TIMEOUT_MS;
  const byOwner = new Map<string, Expectation>();
  const settledOf = (e: Expectation) => e.adds <= 0 && e.deletes.size === 0 && e.anonymousDeletes <= 0;
  const fulfilled = (e: Expectation) => settledOf(e) && e.created.size === 0;
  const expired = (e: Expectation) => now() - e.setAt > timeoutMs;
  /**
   * Replaces what `owner` expects. Pods created earlier and still unseen stay listed: they
   * exist, and a later pass must keep counting them until the informer shows them.
   */
  const set = (owner: string, adds: number, podKeys: readonly string[]) => {
    const before = byOwner.get(owner);
    const created = before && !expired(before) ? before.created : new Map<string, string>();
    byOwner.set(owner, {
      adds,
      created,
      seenEarly: new Set(),
      deletes: new Set(podKeys),
      anonymousDeletes: 0,
      setAt: now(),
    });
  };
  return {
    expectCreations(owner, adds) {
      set(owner, adds, []);
    },
    expectDeletions(owner, podKeys) {
      set(owner, 0, podKeys);
    },
    expect(owner, adds, podKeys) {
      set(owner, adds, podKeys);
    },
    creationSkipped(owner) {
      const e = byOwner.get(owner);
      if (e) e.adds--;
    },
    deletionSkipped(owner, podKey) {
      byOwner.get(owner)?.deletes.delete(podKey);
    },
    creationSucceeded(owner, podKey, resourceVersion) {
      const e = byOwner.get(owner);
      if (!e) return;
      if (e.seenEarly.delete(podKey)) return;
      if (e.adds <= 0) return;
      e.adds--;
      e.created.set(podKey, resourceVersion);
    },
    creationObserved(owner, podKey) {
      const e = byOwner.get(owner);
      if (!e) return;
      if (podKey !== undefined && e.created.delete(podKey)) return;
      if (e.adds <= 0) return;
      e.adds--;
      if (podKey !== undefined) e.seenEarly.add(podKey);
    },
    deletionObserved(owner, podKey) {
      const e = byOwner.get(owner);
      if (!e) return;
      if (!e.deletes.delete(podKey) && e.anonymousDeletes > 0) e.anonymousDeletes--;
    },
    satisfied(owner) {
      const e = byOwner.get(owner);
      if (!e) return true;
      return fulfilled(e) || expired(e);
    },
    settled(owner) {
      const e = byOwner.get(owner);
      if (!e) return true;
      return settledOf(e) || expired(e);
    },
    unobservedCreations(owner) {
      const e = byOwner.get(owner);
      return e && !expired(e) ? e.created : new Map();
    },
    forgetCreated(owner, podKey) {
      byOwner.get(owner)?.created.delete(podKey);
    },
    delete(owner) {
      byOwner.delete(owner);
    },
    pending(owner) {
      const e = byOwner.get(owner);
      return e ? { adds: e.adds + e.created.size, deletes: e.deletes.size + e.anonymousDeletes } : undefined;
    },
  };
}
