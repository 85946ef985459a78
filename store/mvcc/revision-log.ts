import type { Event, KeyValue } from '../types.js';

/** What a log-structured driver recovers when it opens. */
export interface LogState {
  readonly revision: number;
  readonly compactRevision: number;
  /** Every live key at `revision`. */
  readonly current: KeyValue[];
}

export interface RangeOptions {
  readonly startAfter: string;
  /** 0 means all. */
  readonly limit: number;
  readonly keysOnly: boolean;
}

/**
 * The persistence under MvccBackend, which owns revisions, compare-and-swap, TTL and
 * watch: a log only stores events and reads history back. Reads are only asked for
 * revisions the backend has checked against the compacted and current ones.
 */
export interface RevisionLog {
  readonly name: string;
  open(): Promise<LogState>;
  /** Durably stores events with consecutive revisions, all or nothing. */
  append(events: readonly Event[]): Promise<void>;
  getAt(key: string, revision: number): Promise<KeyValue | undefined>;
  /** Live keys under `prefix` at `revision`, in key order. */
  rangeAt(
    prefix: string,
    revision: number,
    options: RangeOptions,
  ): Promise<{ kvs: KeyValue[]; more: boolean }>;
  /**
   * Events under `prefix` with revisions in (after, upTo], at most `max` of them;
   * `scannedTo` is the last revision looked at (upTo when the range was exhausted).
   */
  eventsBetween(
    prefix: string,
    after: number,
    upTo: number,
    max: number,
  ): Promise<{ events: Event[]; scannedTo: number }>;
  /** Durably records the compacted revision, then discards the history it makes unreachable. */
  compact(revision: number): Promise<void>;
  sizeBytes(): Promise<number>;
  close(): Promise<void>;
}
