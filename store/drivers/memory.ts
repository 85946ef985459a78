import { MvccBackend } from '../mvcc/mvcc-backend.js';
import type { LogState, RangeOptions, RevisionLog } from '../mvcc/revision-log.js';
import { registerDriver } from '../registry.js';
import type { Event, KeyValue } from '../types.js';

/** One version of a key: its value at a revision, or null once deleted. */
interface Version {
  readonly revision: number;
  readonly kv: KeyValue | null;
}

/**
 * History kept in process memory: nothing survives a restart. For unit tests and
 * throw-away planes; the shared conformance suite holds it to the same contract as
 * the durable drivers.
 */
export class MemoryLog implements RevisionLog {
  readonly name = 'memory';
  private readonly history = new Map<string, Version[]>();
  private readonly events = new Map<number, Event>();

  async open(): Promise<LogState> {
    return { revision: 0, compactRevision: 0, current: [] };
  }

  async append(events: readonly Event[]): Promise<void> {
    for (const event of events) {
      const revision = event.kv.modRevision;
      this.events.set(revision, event);
      const versions = this.history.get(event.kv.key) ?? [];
      versions.push({ revision, kv: event.type === 'put' ? event.kv : null });
      this.history.set(event.kv.key, versions);
    }
  }

  async getAt(key: string, revision: number): Promise<KeyValue | undefined> {
    return at(this.history.get(key), revision);
  }

  async rangeAt(prefix: string, revision: number, options: RangeOptions) {
    const keys = [...this.history.keys()]
      .filter((key) => key.startsWith(prefix) && key > options.startAfter)
      .sort();
    const kvs: KeyValue[] = [];
    for (const key of keys) {
      const kv = at(this.history.get(key), revision);
      if (!kv) continue;
      if (options.limit > 0 && kvs.length === options.limit) return { kvs, more: true };
      kvs.push(options.keysOnly ? { ...kv, value: Buffer.alloc(0) } : kv);
    }
    return { kvs, more: false };
  }

  async eventsBetween(prefix: string, after: number, upTo: number, max: number) {
    const events: Event[] = [];
    let revision = after;
    while (revision < upTo && events.length < max) {
      revision++;
      const event = this.events.get(revision);
      if (event?.kv.key.startsWith(prefix)) events.push(event);
    }
    return { events, scannedTo: revision };
  }

  async compact(revision: number): Promise<void> {
    for (const rev of this.events.keys()) if (rev <= revision) this.events.delete(rev);
    for (const [key, versions] of this.history) {
      // Keep the newest version at or below the mark unless it is a deletion.
      let keepFrom = versions.findLastIndex((v) => v.revision <= revision);
      if (keepFrom >= 0 && versions[keepFrom]!.kv === null) keepFrom++;
      const kept = versions.slice(Math.max(keepFrom, 0));
      if (kept.length === 0) this.history.delete(key);
      else this.history.set(key, kept);
    }
  }

  async sizeBytes(): Promise<number> {
    let bytes = 0;
    for (const versions of this.history.values()) for (const v of versions) bytes += v.kv?.value.length ?? 0;
    return bytes;
  }

  async close(): Promise<void> {}
}

function at(versions: Version[] | undefined, revision: number): KeyValue | undefined {
  if (!versions) return undefined;
  for (let i = versions.length - 1; i >= 0; i--) {
    const v = versions[i]!;
    if (v.revision <= revision) return v.kv ?? undefined;
  }
  return undefined;
}

registerDriver('memory', async (_location, options) => MvccBackend.open(new MemoryLog(), options));
