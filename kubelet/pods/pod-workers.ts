/**
 * One worker per pod, serialized: a pod is never synced by two passes at once, and a
 * request that comes while a pass runs makes one more pass after it (requests are
 * coalesced). A pass may ask to be run again after a delay (back-off, deadlines).
 */
export interface PodWorkers {
  /** Runs the pod's worker soon (after `delayMs`, default now); an earlier request wins. */
  enqueue(uid: string, delayMs?: number): void;
  /** Uids with a worker running or pending. */
  active(): string[];
  /** Resolves once no worker runs (for shutdown). */
  drain(): Promise<void>;
  stop(): void;
}

interface Worker {
  running: Promise<void> | undefined;
  again: boolean;
  timer: NodeJS.Timeout | undefined;
  dueAt: number;
}

export function createPodWorkers(
  pass: (uid: string) => Promise<number | undefined>,
  onError: (uid: string, err: unknown) => void,
): PodWorkers {
  const workers = new Map<string, Worker>();
  let stopped = false;

  const run = (uid: string, w: Worker) => {
    if (stopped) return;
    if (w.running) {
      w.again = true;
      return;
    }
    w.running = (async () => {
      let retry: number | undefined;
      try {
        retry = await pass(uid);
      } catch (err) {
        onError(uid, err);
        retry = 1_000;
      }
      w.running = undefined;
      if (w.again) {
        w.again = false;
        run(uid, w);
      } else if (retry !== undefined) {
        schedule(uid, retry);
      } else if (!w.timer) {
        workers.delete(uid);
      }
    })();
  };

  const schedule = (uid: string, delayMs: number) => {
    if (stopped) return;
    let w = workers.get(uid);
    if (!w) {
      w = { running: undefined, again: false, timer: undefined, dueAt: 0 };
      workers.set(uid, w);
    }
    const worker = w;
    const due = Date.now() + delayMs;
    if (worker.timer && worker.dueAt <= due) return;
    if (worker.timer) clearTimeout(worker.timer);
    if (delayMs <= 0) {
      worker.timer = undefined;
      run(uid, worker);
      return;
    }
    worker.dueAt = due;
    worker.timer = setTimeout(() => {
      worker.timer = undefined;
      run(uid, worker);
    }, delayMs);
  };

  return {
    enqueue: (uid, delayMs = 0) => schedule(uid, delayMs),
    active: () => [...workers.keys()],
    async drain() {
      await Promise.all([...workers.values()].map((w) => w.running));
    },
    stop() {
      stopped = true;
      for (const w of workers.values()) if (w.timer) clearTimeout(w.timer);
    },
  };
}
