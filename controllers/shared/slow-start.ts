/**
 * Kubernetes' slowStartBatch: run `count` calls in batches of 1, 2, 4, … so that a
 * call that always fails (quota exhausted, admission refusing the template) fails once
 * or a few times instead of thousands of times. Stops after the first batch with a
 * failure; resolves to how many calls succeeded and the first error.
 *
 * Stops too, before the next batch, once `signal` aborts: a controller whose term ended
 * (leadership lost) must not go on creating from a cache it no longer keeps. The calls
 * not made count neither as successes nor as an error.
 */
export async function slowStartBatch(
  count: number,
  initialBatchSize: number,
  fn: (index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<{ successes: number; error: unknown | undefined }> {
  let remaining = count;
  let successes = 0;
  let batch = Math.min(remaining, initialBatchSize);
  let index = 0;
  while (batch > 0 && !signal?.aborted) {
    const results = await Promise.allSettled(Array.from({ length: batch }, () => fn(index++)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    successes += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { successes, error: failed.reason };
    remaining -= batch;
    batch = Math.min(2 * batch, remaining);
  }
  return { successes, error: undefined };
}
