/**
 * Watch responses as bytes, built once for every watcher that receives them. The
 * watch cache shares one event object among all its watchers, and hands a burst to
 * them all at the same moment, so most watchers ask for the very same run of events:
 * each event is encoded once (as an entry of the response's `events`), and each run
 * is joined into messages once and then written to every watcher as it is.
 */
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { WatchEventType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { type Encodes, encodeToBuffer } from '../../sdk/wire/encode-to-buffer.js';
import { encodeObject } from '../storage/stored-bytes.js';
import type { CacheEvent } from '../watch-cache/index.js';

/**
 * Events a consumer takes from its watch at once: one message of at most about 50 KiB of
 * Pods, so that what a watch may leave in the transport (MAX_UNSENT messages) stays small.
 */
export const MAX_EVENTS_PER_TAKE = 100;
/** A message is closed once it holds this many bytes, well under clients' default 4 MiB limit. */
const MAX_MESSAGE_BYTES = 1 << 20;
/** Runs remembered: a hand-out gives most watchers the same one, filtered watchers a few others. */
const RECENT_RUNS = 4;

const eventTypes: Record<CacheEvent<KindObject>['type'], WatchEventType> = {
  ADDED: WatchEventType.WATCH_EVENT_TYPE_ADDED,
  MODIFIED: WatchEventType.WATCH_EVENT_TYPE_MODIFIED,
  DELETED: WatchEventType.WATCH_EVENT_TYPE_DELETED,
  BOOKMARK: WatchEventType.WATCH_EVENT_TYPE_BOOKMARK,
};

interface Run {
  readonly events: readonly CacheEvent<KindObject>[];
  readonly messages: readonly Buffer[];
}

export class WatchEncoder {
  /** Each event as `events` entry bytes: shared by every kind's encoder, since events belong to one cache. */
  private static readonly entries = new WeakMap<object, Buffer>();
  private recent: Run[] = [];

  constructor(private readonly info: KindInfo) {}

  /**
   * The response messages (`Watch<Kinds>Response`) carrying `events`, in order, each
   * framed for the wire (gRPC's 5-byte length prefix first: see framedWriter).
   */
  messages(events: readonly CacheEvent<KindObject>[]): readonly Buffer[] {
    for (const run of this.recent) if (sameRun(run.events, events)) return run.messages;
    const messages: Buffer[] = [];
    let parts: Buffer[] = [];
    let bytes = 0;
    for (const event of events) {
      const entry = this.entry(event);
      if (bytes > 0 && bytes + entry.length > MAX_MESSAGE_BYTES) {
        messages.push(frame(parts, bytes));
        parts = [];
        bytes = 0;
      }
      parts.push(entry);
      bytes += entry.length;
    }
    if (bytes > 0 || messages.length === 0) messages.push(frame(parts, bytes));
    this.recent.unshift({ events, messages });
    if (this.recent.length > RECENT_RUNS) this.recent.pop();
    return messages;
  }

  /** `events` entry (field 1) holding `Watch<Kinds>Event { type = 1; object = 2; }`. */
  private entry(event: CacheEvent<KindObject>): Buffer {
    let bytes = WatchEncoder.entries.get(event);
    if (bytes === undefined) {
      const entry = {
        type: eventTypes[event.type],
        object: encodeObject(typesOf(this.info).message, event.object),
      };
      bytes = encodeToBuffer(eventEntry, entry);
      WatchEncoder.entries.set(event, bytes);
    }
    return bytes;
  }
}

interface EventEntry {
  readonly type: WatchEventType;
  /** The object's encoding. */
  readonly object: Uint8Array;
}

/** Writes an EventEntry as the `events` field (1) of a `Watch<Kinds>Response`. */
const eventEntry: Encodes<EventEntry> = {
  encode(entry: EventEntry, writer = new BinaryWriter()): BinaryWriter {
    writer.uint32(10).fork();
    writer.uint32(8).int32(entry.type);
    writer.uint32(18).bytes(entry.object);
    return writer.join();
  },
};

/** The parts joined behind a gRPC length prefix (uncompressed), in one new buffer. */
function frame(parts: readonly Buffer[], bytes: number): Buffer {
  const out = Buffer.allocUnsafe(bytes + 5);
  out.writeUInt8(0, 0);
  out.writeUInt32BE(bytes, 1);
  let at = 5;
  for (const part of parts) at += part.copy(out, at);
  return out;
}

function sameRun(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
