/**
 * Coalesced progress requests: what a consistent read from a watch cache waits for.
 * At most one request is on its way to the store at a time. Every caller that
 * arrives before a request leaves shares it; a caller that arrives after it left
 * waits for the next one, which leaves when the one on its way is answered (or at
 * the end of the turn when none is). The revision a caller gets was therefore
 * current after it asked, which keeps its read linearizable, and a burst of
 * consistent reads costs the store (and every idle watch it wakes) one request per
 * round trip, not one per caller or per event-loop turn.
 */
import type { StoreAccess } from './store-access.js';

type ProgressSource = Pick<StoreAccess, 'requestProgress'>;

interface Pending {
  readonly promise: Promise<number>;
  resolve(revision: number): void;
  reject(err: unknown): void;
}

export class ProgressRequests {
  /** The request not yet sent, and the callers waiting for it. */
  private next: Pending | undefined;
  private inFlight = false;

  constructor(private readonly source: ProgressSource) {}

  /** The store's revision as of a moment after this call; idle watches report it promptly. */
  revision(): Promise<number> {
    if (!this.next) {
      let resolve!: (revision: number) => void;
      let reject!: (err: unknown) => void;
      const promise = new Promise<number>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.next = { promise, resolve, reject };
      if (!this.inFlight) setImmediate(() => this.send());
    }
    return this.next.promise;
  }

  private send(): void {
    const pending = this.next;
    if (!pending || this.inFlight) return;
    this.next = undefined;
    this.inFlight = true;
    this.source.requestProgress().then(
      (revision) => this.answered(() => pending.resolve(revision)),
      (err: unknown) => this.answered(() => pending.reject(err)),
    );
  }

  /** Settles the callers of the request just answered, and sends the next one if anyone waits. */
  private answered(settle: () => void): void {
    this.inFlight = false;
    settle();
    if (this.next) this.send();
  }
}

const shared = new WeakMap<ProgressSource, ProgressRequests>();

/** One coalescer per store connection, shared by every kind that reads through it. */
export function progressRequestsOf(source: ProgressSource): ProgressRequests {
  let requests = shared.get(source);
  if (!requests) {
    requests = new ProgressRequests(source);
    shared.set(source, requests);
  }
  return requests;
}
