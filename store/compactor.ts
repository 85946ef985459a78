import type { Logger } from '../sdk/logger.js';
import type { Backend } from './types.js';

export interface CompactorOptions {
  /** Keep at least this many revisions of history (0: no limit by count). */
  readonly keepRevisions: number;
  /** Keep at least this many minutes of history (0: no limit by age). */
  readonly keepMinutes: number;
  /** How often to look. */
  readonly intervalMs: number;
}

/**
 * Automatic compaction: every interval, discard history older than both what the
 * revision count and the age keep (etcd's --auto-compaction). The age rule samples
 * (time, revision) each interval and compacts to the newest sample old enough.
 */
export function startCompactor(backend: Backend, options: CompactorOptions, logger: Logger): () => void {
  const { keepRevisions, keepMinutes, intervalMs } = options;
  if (keepRevisions <= 0 && keepMinutes <= 0) return () => {};
  const samples: { at: number; revision: number }[] = [];
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const now = Date.now();
      const current = backend.currentRevision();
      samples.push({ at: now, revision: current });
      let target = current;
      if (keepRevisions > 0) target = Math.min(target, current - keepRevisions);
      if (keepMinutes > 0) {
        const cutoff = now - keepMinutes * 60_000;
        let old = 0;
        while (samples.length > 0 && samples[0]!.at <= cutoff) old = samples.shift()!.revision;
        target = Math.min(target, old);
      }
      const { compactRevision } = await backend.status();
      if (target > compactRevision) {
        const started = performance.now();
        await backend.compact(target);
        logger.info({ revision: target, ms: Math.round(performance.now() - started) }, 'compacted history');
      }
    } catch (err) {
      logger.warn({ err }, 'automatic compaction failed');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
