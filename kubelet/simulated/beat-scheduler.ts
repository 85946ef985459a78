/**
 * Many periodic tasks on one timer. A thousand simulated nodes each renewing a Lease
 * every 10 s and re-posting a status every 5 minutes would otherwise be two thousand
 * pending sleeps, each with its own listener on the process's abort signal; an
 * AbortSignal keeps its listeners in a list that every add and remove scans, so each
 * sleep cost time in proportion to the number of nodes. Here the tasks wait in a heap
 * ordered by due time, one timer is armed for the earliest, and only the scheduler
 * listens to the signal.
 *
 * A task is a function called once at (or soon after) its due time; a periodic task
 * schedules itself again when it is done. Tasks run concurrently: the scheduler does
 * not wait for one before starting the next that is due.
 */

export interface BeatScheduler {
  /** Calls `task` at `dueMs` (a Date.now() time), or at once if that is past. Ignored once stopped. */
  schedule(dueMs: number, task: () => unknown): void;
  /** Tasks waiting for their time. */
  readonly pending: number;
  /**
   * Runs due tasks until `signal` aborts, then drops those still waiting and resolves
   * once the tasks already started have settled.
   */
  run(signal: AbortSignal): Promise<void>;
}

interface Entry {
  readonly due: number;
  /** Insertion order: tasks due at the same time run in the order they were scheduled. */
  readonly seq: number;
  readonly task: () => unknown;
}

const before = (a: Entry, b: Entry) => a.due < b.due || (a.due === b.due && a.seq < b.seq);

export function createBeatScheduler(): BeatScheduler {
  const heap: Entry[] = [];
  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  /** When the armed timer fires; Infinity when none is armed. */
  let armedFor = Number.POSITIVE_INFINITY;
  let running = false;
  let stopped = false;
  const inFlight = new Set<Promise<unknown>>();

  const push = (entry: Entry) => {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Entry, heap[parent] as Entry)) break;
      [heap[i], heap[parent]] = [heap[parent] as Entry, heap[i] as Entry];
      i = parent;
    }
  };

  const pop = (): Entry | undefined => {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && before(heap[l] as Entry, heap[least] as Entry)) least = l;
        if (r < heap.length && before(heap[r] as Entry, heap[least] as Entry)) least = r;
        if (least === i) break;
        [heap[i], heap[least]] = [heap[least] as Entry, heap[i] as Entry];
        i = least;
      }
    }
    return top;
  };

  const start = (task: () => unknown) => {
    let result: unknown;
    try {
      result = task();
    } catch {
      return; // a task handles its own errors; one that throws is not rescheduled by us either
    }
    if (result instanceof Promise) {
      const settled = result.then(
        () => undefined,
        () => undefined,
      );
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
    }
  };

  const arm = () => {
    const next = heap[0];
    if (!running || stopped || !next) return;
    if (next.due >= armedFor) return; // the armed timer fires first
    clearTimeout(timer);
    armedFor = next.due;
    timer = setTimeout(fire, Math.max(0, next.due - Date.now()));
  };

  const fire = () => {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const now = Date.now();
    // Tasks scheduled by the ones run here for a time already past wait for the next turn,
    // so that a task that always reschedules itself at once cannot starve the timer.
    const due: Entry[] = [];
    while (heap.length > 0 && (heap[0] as Entry).due <= now) due.push(pop() as Entry);
    for (const entry of due) {
      if (stopped) break;
      start(entry.task);
    }
    arm();
  };

  return {
    schedule(dueMs, task) {
      if (stopped) return;
      push({ due: dueMs, seq: seq++, task });
      arm();
    },
    get pending() {
      return heap.length;
    },
    async run(signal) {
      if (running) throw new Error('the beat scheduler is already running');
      running = true;
      if (!signal.aborted) {
        arm();
        await new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => resolve(), { once: true }),
        );
      }
      stopped = true;
      clearTimeout(timer);
      heap.length = 0;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
