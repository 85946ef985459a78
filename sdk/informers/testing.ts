/**
 * An in-memory ListerWatcher for informer tests: a revisioned set of objects with a
 * history that can be compacted, watches that can be cut, and failures on demand.
 */
import { ApiError } from '../errors.js';
import type { KindObject } from '../kind-registry.js';
import { type InformerWatchEvent, keyOf, type ListerWatcher } from './types.js';

interface Change<T> {
  readonly revision: number;
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly object: T;
}

export class MemoryListerWatcher<T extends KindObject> implements ListerWatcher<T> {
  revision = 0;
  private readonly objects = new Map<string, T>();
  private history: Change<T>[] = [];
  private compacted = 0;
  private readonly streams = new Set<{ wake: () => void; cut: boolean; error?: Error }>();
  lists = 0;
  watches = 0;
  /** The next list or watch call fails with this, once. */
  failNext: Error | undefined;

  constructor(private readonly copy: (obj: T) => T = (o) => structuredClone(o)) {}

  upsert(obj: T): T {
    const key = keyOf(obj);
    const stored = this.copy(obj);
    stored.metadata = { ...stored.metadata!, resourceVersion: String(++this.revision) };
    const type = this.objects.has(key) ? 'MODIFIED' : 'ADDED';
    this.objects.set(key, stored);
    this.record({ revision: this.revision, type, object: stored });
    return stored;
  }

  remove(key: string): void {
    const old = this.objects.get(key);
    if (!old) return;
    this.objects.delete(key);
    const object = this.copy(old);
    object.metadata = { ...object.metadata!, resourceVersion: String(++this.revision) };
    this.record({ revision: this.revision, type: 'DELETED', object });
  }

  /** Forgets the history up to the current revision: watches from before it get OUT_OF_RANGE. */
  compact(): void {
    this.compacted = this.revision;
    this.history = [];
  }

  /** Ends every open watch stream (as a broken connection would). */
  cutWatches(): void {
    for (const s of this.streams) {
      s.cut = true;
      s.wake();
    }
  }

  /** Fails every open watch stream with `err` (as a server that went away would). */
  breakWatches(err: Error): void {
    for (const s of this.streams) {
      s.error = err;
      s.wake();
    }
  }

  current(): T[] {
    return [...this.objects.values()];
  }

  async list(opts: { limit: number; continue: string }) {
    this.lists++;
    this.throwIfFailing();
    const all = [...this.objects.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    const start = opts.continue === '' ? 0 : Number(opts.continue);
    const end = opts.limit > 0 ? start + opts.limit : all.length;
    return {
      items: all.slice(start, end).map(this.copy),
      resourceVersion: String(this.revision),
      continue: end < all.length ? String(end) : '',
    };
  }

  async *watch(
    opts: { resourceVersion: string },
    signal: AbortSignal,
  ): AsyncIterable<readonly InformerWatchEvent<T>[]> {
    this.watches++;
    this.throwIfFailing();
    let from = Number(opts.resourceVersion);
    if (from < this.compacted) throw ApiError.gone(`too old resource version: ${from}`);
    const stream: { wake: () => void; cut: boolean; error?: Error } = { wake: () => {}, cut: false };
    this.streams.add(stream);
    try {
      while (!signal.aborted && !stream.cut) {
        if (stream.error) throw stream.error;
        if (from < this.compacted) throw ApiError.gone(`too old resource version: ${from}`);
        const pending = this.history.filter((c) => c.revision > from);
        for (const c of pending) {
          yield [{ type: c.type, object: this.copy(c.object) }];
          from = c.revision;
          if (stream.cut || signal.aborted) return;
        }
        if (pending.length === 0) {
          await new Promise<void>((resolve) => {
            const wake = () => {
              signal.removeEventListener('abort', wake);
              resolve();
            };
            stream.wake = wake;
            signal.addEventListener('abort', wake, { once: true });
          });
        }
      }
    } finally {
      this.streams.delete(stream);
    }
  }

  private record(change: Change<T>): void {
    this.history.push(change);
    for (const s of this.streams) s.wake();
  }

  private throwIfFailing(): void {
    const err = this.failNext;
    this.failNext = undefined;
    if (err) throw err;
  }
}
