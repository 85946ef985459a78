/**
 * Kubernetes' slowStartBatch, as a window rather than a barrier: run `count` calls with
 * at most `window` in flight, the window starting at `initialBatchSize` and growing by
 * one on every success, so that it doubles every round trip as Kubernetes' batches of
 * 1, 2, 4, … do. A call that always fails (quota exhausted, admission refusing the
 * template) therefore fails once or a few times instead of thousands of times: after the
 * first failure no call starts; the calls in flight finish. Resolves to how many calls
 * succeeded, the first error, and the window reached (to carry over to a later run).
 *
 * Unlike Kubernetes' batches, a call never waits for the slowest call of the batch before
 * it: a new call starts as soon as any call ends, so one slow create does not idle the
 * others.
 *
 * Stops too, before the next call, once `signal` aborts: a controller whose term ended
 * (leadership lost) must not go on creating from a cache it no longer keeps. The calls
 * not made count neither as successes nor as an error.
 */
export interface SlowStartOptions {
  readonly signal?: AbortSignal;
  /** The window never grows beyond this many calls in flight (default: no bound but `count`). */
  readonly maxInFlight?: number;
  /**
   * Once the first call has succeeded, the window opens at once to this size (at most
   * `maxInFlight`): a controller's earlier run that fully succeeded says the apiserver
   * takes this template, while the single first call still keeps a refused template
   * from failing more than once.
   */
  readonly openTo?: number;
}

export interface SlowStartResult {
  readonly successes: number;
  readonly error: unknown | undefined;
  /** The window when the run ended. */
  readonly window: number;
}

export function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (index: number) => Promise<void>,
  signalOrOptions?: AbortSignal | SlowStartOptions,
): Promise<SlowStartResult> {
  const opts: SlowStartOptions =
    signalOrOptions instanceof AbortSignal ? { signal: signalOrOptions } : (signalOrOptions ?? {});
  const max = Math.max(1, opts.maxInFlight ?? count);
  const signal = opts.signal;
  let window = Math.min(max, Math.max(1, initialBatchSize));
  let started = 0;
  let inFlight = 0;
  let successes = 0;
  let failed = false;
  let error: unknown;
  return new Promise((resolve) => {
    const settle = () => {
      if (inFlight === 0) resolve({ successes, error: failed ? error : undefined, window });
    };
    const pump = () => {
      while (!failed && !signal?.aborted && started < count && inFlight < window) {
        const index = started++;
        inFlight++;
        let call: Promise<void>;
        try {
          call = fn(index);
        } catch (err) {
          call = Promise.reject(err);
        }
        call.then(
          () => {
            successes++;
            window = Math.min(
              max,
              successes === 1 && opts.openTo ? Math.max(opts.openTo, window + 1) : window + 1,
            );
            inFlight--;
            pump();
            settle();
          },
          (err: unknown) => {
            if (!failed) {
              failed = true;
              error = err;
            }
            inFlight--;
            settle();
          },
        );
      }
    };
    pump();
    settle();
  });
}
