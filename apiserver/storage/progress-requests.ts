/**
 * Coalesced progress requests: what a consistent read from a watch cache waits for.
 * Every caller that arrives before a request leaves shares it, so a burst of
 * consistent reads costs the store one request per event-loop turn. A caller that
 * arrives after the request left waits for the next one: the revision it gets was
 * current after it asked, which keeps its read linearizable.
 */
import type { StoreAccess } from './store-access.js';

type ProgressSource = Pick<StoreAccess, 'requestProgress'>;

export class ProgressRequests {
  /** The request not yet sent, and the callers waiting for it. */
  private next: Promise<number> | undefined;

  constructor(private readonly source: ProgressSource) {}

  /** The store's revision as of a moment after this call; idle watches report it promptly. */
  revision(): Promise<number> {
    if (this.next) return this.next;
    const next = new Promise<number>((resolve, reject) => {
      setImmediate(() => {
        // From here on, new callers wait for a new request.
        this.next = undefined;
        this.source.requestProgress().then(resolve, reject);
      });
    });
    this.next = next;
    return next;
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
