/**
 * Lowers the CPU priority of a server's background threads: every thread of the process
 * but the main one, which runs every request. The others do work that can wait a moment:
 * the collector's helpers, the thread pool (for the store, LevelDB's writes behind the
 * WAL) and threads they start (LevelDB's compaction). On a machine with few cores the
 * main thread, and the client waiting for its answer, then get a core as soon as they
 * wake instead of queueing behind that work; a niced thread still gets any idle core.
 *
 * Linux only: there a thread's nice value is its own (setpriority on a thread id), and
 * /proc/self/task lists the threads. Threads start at any time (the pool on first use,
 * LevelDB's compaction thread when first needed), so the list is read again now and then.
 * Elsewhere this does nothing.
 */
import { readdir } from 'node:fs/promises';
import { getPriority, setPriority } from 'node:os';

export interface BackgroundPriorityOptions {
  /** How often new threads are looked for (default 2 s). */
  readonly rescanMs?: number;
  /** Told once if priorities cannot be changed here; nothing more is tried after. */
  readonly onError?: (err: unknown) => void;
}

export interface BackgroundPriority {
  /** Looks for new threads now; resolves to how many threads are at the asked nice value or nicer, in all. */
  scan(): Promise<number>;
  stop(): void;
}

const TASKS = '/proc/self/task';

/** Gives every thread but the main one the nice value `nice` (0 to 19; 0 leaves them alone). */
export function lowerBackgroundPriority(
  nice: number,
  options: BackgroundPriorityOptions = {},
): BackgroundPriority {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) {
    throw new RangeError(`a background nice value is 0 to 19, not ${nice}`);
  }
  const seen = new Set<number>([process.pid]);
  let lowered = 0;
  let stopped = process.platform !== 'linux' || nice === 0;
  const lower = (tid: number) => {
    try {
      // Never raises a thread's priority: one already nicer than asked is left as it is.
      if (getPriority(tid) < nice) setPriority(tid, nice);
      lowered++;
    } catch (err) {
      // A thread that ended between the listing and now is not an error.
      if ((err as { info?: { code?: string } }).info?.code === 'ESRCH') return;
      stopped = true;
      options.onError?.(err);
    }
  };
  const scan = async (): Promise<number> => {
    if (stopped) return lowered;
    let tids: string[];
    try {
      tids = await readdir(TASKS);
    } catch (err) {
      stopped = true;
      options.onError?.(err);
      return lowered;
    }
    for (const name of tids) {
      const tid = Number(name);
      if (stopped || seen.has(tid)) continue;
      seen.add(tid);
      lower(tid);
    }
    return lowered;
  };
  const timer = stopped ? undefined : setInterval(() => void scan(), options.rescanMs ?? 2000);
  timer?.unref();
  void scan();
  return {
    scan,
    stop: () => {
      stopped = true;
      clearInterval(timer);
    },
  };
}
