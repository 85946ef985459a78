/**
 * Keeps the watch caches' history within the store's: every interval, asks the store
 * for its compacted revision and has every cache forget the events at or below it. A
 * watch from a compacted revision is refused (OUT_OF_RANGE) whatever the cache holds,
 * so those events are dead weight; dropping them bounds a cache's history by the
 * store's retention (`--compact-keep-minutes`, 5 minutes by default) instead of by its
 * capacity alone, which a slowly written resource takes hours to reach.
 */
import type { Logger } from '../../sdk/logger.js';
import type { Backend } from '../../store/types.js';

/** What the follower needs of a cache. */
export interface CompactedHistory {
  forgetHistoryThrough(compactRevision: number): void;
}

/** Follows the store's compaction until `signal` aborts; one status call per interval for every cache. */
export function followCompaction(
  backend: Pick<Backend, 'status'>,
  caches: Iterable<CompactedHistory>,
  opts: { intervalMs: number; signal: AbortSignal; logger: Logger },
): void {
  let last = 0;
  let running = false;
  const tick = async () => {
    if (running || opts.signal.aborted) return;
    running = true;
    try {
      const { compactRevision } = await backend.status();
      if (compactRevision > last) {
        last = compactRevision;
        for (const cache of caches) cache.forgetHistoryThrough(compactRevision);
      }
    } catch (err) {
      opts.logger.debug({ err }, 'reading the compacted revision failed; trying again later');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), opts.intervalMs);
  timer.unref();
  opts.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
