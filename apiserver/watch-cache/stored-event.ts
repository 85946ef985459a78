import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { keepStoredBytes } from '../storage/stored-bytes.js';
import { copyMetadata, managedFieldsBytes } from './lazy-managed-fields.js';
import { decodedBytes, eventBytes, PACKED_EVENT_BYTES, stringBytes } from './memory.js';
import type { CacheEvent } from './types.js';

/** An object's stored value at a revision, decoded (see ReplayCache): the same object for the same arguments while cached. */
export type DecodeVersion<T> = (value: string, revision: number) => T;

/**
 * One change to one object as the cache keeps it: decoded once, then handed to every
 * watcher. A watcher without a filter gets `event` itself; the variants a filter
 * needs (ADDED when an object starts to match, DELETED when it stops) are built on
 * first use and then shared as well, so fan-out allocates nothing per watcher.
 *
 * Once handed out, an event of the watch cache's history is only read again by a
 * watch that resumes from an older revision. Then (settle, pack) it lets go of the
 * decoded objects nothing else needs and keeps their stored values instead, as
 * one-byte strings (a byte each, inside V8's heap): the previous object of a
 * modification at once, and the object itself once a newer event of its key has
 * replaced it in the index (while it is the key's current object the index holds it
 * anyway). A replay decodes them again (unpack), equal to what they were. The values
 * are the ones the store sent with the next change (its previous value), so one
 * string is shared by the event that holds an object as its own and by the next
 * event of its key, which holds it as its previous object or deleted state.
 */
export class StoredEvent<T extends KindObject> {
  /**
   * Estimated memory the event keeps alive while the cache holds it (see memory.ts).
   * Decoded: `event`'s, plus the previous object's (usually also the object of the
   * key's previous event, counted there too while that is decoded: this event alone
   * keeps it once that one is dropped). A value kept as a string is counted by the
   * newest event that holds it, which the ring drops last. Not counted: the variants
   * built for filtered watchers (viewFor), which share these objects but get
   * encodings of their own once sent. It only falls after construction.
   */
  bytes: number;
  /** The event as handed out; undefined once packed. */
  private decoded: CacheEvent<T> | undefined;
  /** For MODIFIED: the object before the change, to tell whether it matched a filter then; while decoded. */
  private prevObject: T | undefined;
  private added?: CacheEvent<T>;
  private deletedPrev?: CacheEvent<T>;
  /** Packed: the stored value of the object, and the revision it was written at (for DELETED: the last state's). */
  private value: string | undefined;
  private valueRevision = 0;
  /** Whether `bytes` counts `value` (no newer event of the key holds it). */
  private valueCounted = false;
  /** Settled: the stored value of `prev`, and its revision. */
  private prevValue: string | undefined;
  private prevRevision = 0;
  /** Until settle(): the value the store sent as the key's previous one, and the event it replaces. */
  private handover: { value: Buffer; revision: number; replaces: StoredEvent<T> | undefined } | undefined;
  private readonly encoded: number;
  private readonly prevEncoded: number;

  constructor(
    readonly key: string,
    readonly type: 'ADDED' | 'MODIFIED' | 'DELETED',
    object: T,
    prev: T | undefined,
    readonly revision: number,
    /** The encoded size of `object` (for DELETED: of the object's last state), as the store sent it. */
    encoded: number,
    /** The encoded size of `prev`. */
    prevEncoded = 0,
  ) {
    this.encoded = encoded;
    this.prevEncoded = prevEncoded;
    const bytes = eventBytes(encoded, managedFieldsBytes(object.metadata));
    this.decoded = { type, object, revision, bytes };
    this.prevObject = prev;
    this.bytes =
      bytes + (prev === undefined ? 0 : decodedBytes(prevEncoded, managedFieldsBytes(prev.metadata)));
  }

  /** The event as handed out. Only while it is decoded: before the cache has handed it to its watchers, it is. */
  get event(): CacheEvent<T> {
    if (this.decoded === undefined) throw new Error(`the event at revision ${this.revision} is packed`);
    return this.decoded;
  }

  /** True once the event keeps its object as bytes. */
  get packed(): boolean {
    return this.decoded === undefined;
  }

  /**
   * What a watcher with this filter sees of the change, if anything: as Kubernetes'
   * cacheWatcher does, a modification that makes an object match is ADDED, one that
   * makes it stop matching is DELETED (with its previous state at this revision).
   * An event that keeps objects as bytes needs `replays` to decode them.
   */
  viewFor(
    matches: ((obj: T) => boolean) | undefined,
    replays?: { decoded(stored: StoredEvent<T>, filtered: boolean): StoredEvent<T> },
  ): CacheEvent<T> | undefined {
    const event = this.decoded;
    if (event !== undefined && (!matches || this.type !== 'MODIFIED' || this.prevValue === undefined)) {
      return this.view(event, matches);
    }
    if (!replays) throw new Error(`the event at revision ${this.revision} is packed`);
    return replays.decoded(this, matches !== undefined).viewFor(matches);
  }

  private view(event: CacheEvent<T>, matches: ((obj: T) => boolean) | undefined): CacheEvent<T> | undefined {
    if (!matches) return event;
    const { type, object } = event;
    if (type !== 'MODIFIED') return matches(object) ? event : undefined;
    const prev = this.prevObject;
    const now = matches(object);
    const before = prev !== undefined && matches(prev);
    if (now && before) return event;
    if (now) {
      this.added ??= { ...event, type: 'ADDED' };
      return this.added;
    }
    if (before) {
      this.deletedPrev ??= {
        type: 'DELETED',
        object: withResourceVersion(prev, this.revision),
        revision: this.revision,
        bytes: eventBytes(this.prevEncoded, managedFieldsBytes(prev.metadata)),
      };
      return this.deletedPrev;
    }
    return undefined;
  }

  /**
   * Records, before the event is handed out, the value the store sent as the key's
   * previous one (`revision`: where it was written) when it is that of the object the
   * cache held, and the cache's event that wrote it, if the history still has it.
   */
  handOver(value: Buffer, revision: number, replaces: StoredEvent<T> | undefined): void {
    this.handover = { value, revision, replaces };
  }

  /**
   * Once the event has been handed out: keeps the previous value as bytes rather than
   * decoded (the previous object of a modification; the deleted state, which is the
   * whole of a deletion), and packs the event this one replaced. Returns that event,
   * whose weight changed too, if any.
   */
  settle(): StoredEvent<T> | undefined {
    const handover = this.handover;
    if (handover === undefined) return undefined;
    this.handover = undefined;
    const { value: bytes, revision, replaces } = handover;
    const value = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    let holds = false;
    if (this.type === 'MODIFIED' && this.prevObject !== undefined) {
      this.prevObject = undefined;
      this.prevValue = value;
      this.prevRevision = revision;
      holds = true;
    } else if (this.type === 'DELETED') {
      this.pack(value, revision, true);
      holds = true;
    }
    this.added = undefined;
    this.deletedPrev = undefined;
    this.weigh();
    if (replaces === undefined || replaces.decoded === undefined || replaces.revision !== revision) {
      return undefined;
    }
    // When this event holds the same string it counts it: it is newer, so dropped later.
    replaces.pack(value, revision, !holds);
    replaces.weigh();
    return replaces;
  }

  /**
   * The event decoded again from its values, equal to what it was handed out as (its
   * object, its previous one, its views); `version` decodes a value. Without
   * `withPrev`, only for watchers without a filter: the previous object, which only
   * a filter reads, is left out.
   */
  unpack(version: DecodeVersion<T>, withPrev = true): StoredEvent<T> {
    let object = this.decoded?.object;
    if (object === undefined) {
      const value = this.value!;
      object = version(value, this.valueRevision);
      if (this.valueRevision !== this.revision) {
        object = withResourceVersion(object, this.revision);
        keepStoredBytes(object, Buffer.from(value, 'latin1'));
      }
    }
    const prev =
      this.prevObject ??
      (this.prevValue === undefined || !withPrev ? undefined : version(this.prevValue, this.prevRevision));
    return new StoredEvent(this.key, this.type, object, prev, this.revision, this.encoded, this.prevEncoded);
  }

  private pack(value: string, revision: number, counted: boolean): void {
    this.decoded = undefined;
    this.added = undefined;
    this.deletedPrev = undefined;
    this.value = value;
    this.valueRevision = revision;
    this.valueCounted = counted;
  }

  private weigh(): void {
    const own =
      this.decoded !== undefined
        ? (this.decoded.bytes ?? 0)
        : PACKED_EVENT_BYTES + (this.valueCounted ? stringBytes(this.value!.length) : 0);
    const prev =
      this.prevObject !== undefined
        ? decodedBytes(this.prevEncoded, managedFieldsBytes(this.prevObject.metadata))
        : this.prevValue !== undefined
          ? stringBytes(this.prevValue.length)
          : 0;
    this.bytes = own + prev;
  }
}

/**
 * A shallow copy of `obj` whose metadata.resourceVersion is `revision` (its managed
 * fields still bytes if they were); `obj` itself is shared and stays as it is.
 */
export function withResourceVersion<T extends KindObject>(obj: T, revision: number): T {
  return {
    ...obj,
    metadata: copyMetadata(obj.metadata ?? ObjectMeta.create(), { resourceVersion: String(revision) }),
  };
}
