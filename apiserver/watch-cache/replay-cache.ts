import type { KindObject } from '../../sdk/kind-registry.js';
import type { KeyValue } from '../../store/types.js';
import { keepStoredBytes } from '../storage/stored-bytes.js';
import { managedFieldsBytes } from './lazy-managed-fields.js';
import { decodedBytes } from './memory.js';
import type { StoredEvent } from './stored-event.js';

/** What the objects decoded for replays may weigh (estimated as in memory.ts) before the cache starts over. */
export const DEFAULT_REPLAY_CACHE_BYTES = 32 * 1024 * 1024;
/** How long the cache keeps what it decoded: a burst of resumes comes within seconds. */
export const DEFAULT_REPLAY_CACHE_MS = 10_000;

/**
 * The history events that watches resuming from a revision needed decoded again
 * (StoredEvent.unpack), kept for a while: when a burst of watches resumes from about
 * the same revision (clients reconnecting together), the first replay decodes the
 * range and the others share its events, as they shared the originals. Also the
 * events themselves are shared, so that the watch service encodes each once.
 *
 * An object written at one revision is decoded once: the event that wrote it and the
 * key's next event (whose previous object or deleted state it is) get the same one.
 *
 * Past `maxBytes` of objects decoded it keeps nothing more, and it starts over once
 * its oldest entry is `ttlMs` old: a bound on what a burst holds, not a cache to
 * tune. Keeping what it has, rather than making room, is what serves a burst of
 * replays of a range larger than the bound: each replay walks the range from the
 * same start, and finds its beginning decoded (evicting the oldest entries instead
 * would leave each replay only the end that the one before decoded last).
 */
export class ReplayCache<T extends KindObject> {
  /** Each event decoded, and whether with its previous object (see StoredEvent.unpack). */
  private readonly events = new Map<
    StoredEvent<T>,
    { readonly event: StoredEvent<T>; readonly withPrev: boolean }
  >();
  /** Objects decoded, by the revision they were written at (a revision is one write of one key). */
  private readonly versions = new Map<number, { readonly value: string; readonly object: T }>();
  private bytes = 0;
  /** performance.now() when the oldest entry was added. */
  private since = 0;
  /** Values decoded (for tests and metrics: a decode is what the cache saves). */
  decodes = 0;

  constructor(
    private readonly decode: (kv: KeyValue) => T,
    private readonly maxBytes = DEFAULT_REPLAY_CACHE_BYTES,
    private readonly ttlMs = DEFAULT_REPLAY_CACHE_MS,
  ) {}

  /** Events held. */
  get size(): number {
    return this.events.size;
  }

  /**
   * `stored` with its objects decoded: the same event for the same `stored` while
   * cached. `filtered`: for a watcher with a filter, which needs the previous object
   * of a modification as well.
   */
  decoded(stored: StoredEvent<T>, filtered: boolean, now = performance.now()): StoredEvent<T> {
    this.expire(now);
    const known = this.events.get(stored);
    if (known !== undefined && (known.withPrev || !filtered)) return known.event;
    if (this.bytes === 0 && this.events.size === 0) this.since = now;
    const event = stored.unpack((value, revision) => this.version(stored.key, value, revision), filtered);
    // Past the bound, the objects decoded for the event were not kept either.
    if (this.bytes < this.maxBytes) this.events.set(stored, { event, withPrev: filtered });
    return event;
  }

  /** Starts over if the oldest entry is older than the cache's time to live. */
  expire(now = performance.now()): void {
    if ((this.events.size > 0 || this.bytes > 0) && now - this.since > this.ttlMs) this.clear();
  }

  private version(key: string, value: string, revision: number): T {
    const known = this.versions.get(revision);
    if (known !== undefined && known.value === value) return known.object;
    const bytes = Buffer.from(value, 'latin1');
    const object = this.decode({
      key,
      value: bytes,
      createRevision: 0,
      modRevision: revision,
      version: 0,
      expiresAtMs: 0,
    });
    this.decodes++;
    // Encoding the object for a watch is then these bytes with its resourceVersion written in.
    keepStoredBytes(object, bytes);
    const cost = decodedBytes(value.length, managedFieldsBytes(object.metadata)) + value.length;
    if (this.bytes + cost > this.maxBytes) {
      this.bytes = this.maxBytes; // full: nothing more is kept until it starts over
      return object;
    }
    this.bytes += cost;
    this.versions.set(revision, { value, object });
    return object;
  }

  private clear(): void {
    this.events.clear();
    this.versions.clear();
    this.bytes = 0;
  }
}
