/**
 * Closed-loop load: keep N calls in flight for a fixed time, recording each call's
 * latency. Open-loop load: start calls at a fixed rate, whatever the answers do.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadResult {
  readonly ops: number;
  readonly seconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  /** Every measured call's latency in milliseconds, sorted (empty where a row does not keep them). */
  readonly latenciesMs: readonly number[];
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `op(i)` with `inFlight` calls outstanding for `warmupMs` (not measured) and then
 * `durationMs`; each call's number `i` is unique within the run.
 */
export async function closedLoop(
  inFlight: number,
  durationMs: number,
  op: (i: number) => Promise<unknown>,
  warmupMs = 300,
): Promise<LoadResult> {
  let next = 0;
  let errors = 0;
  const latencies: number[] = [];
  const start = performance.now();
  const measureFrom = start + warmupMs;
  const end = measureFrom + durationMs;
  let firstError: unknown;
  const worker = async () => {
    for (;;) {
      const began = performance.now();
      if (began >= end) return;
      try {
        await op(next++);
        if (began >= measureFrom) latencies.push(performance.now() - began);
      } catch (err) {
        errors++;
        firstError ??= err;
        if (errors > 100) throw firstError;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - measureFrom) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    ops: latencies.length,
    seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
    latenciesMs: latencies,
  };
}

/** Several runs of one closed loop as one: calls and seconds added up, percentiles over every latency. */
export function pooled(results: readonly LoadResult[]): LoadResult {
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
  return {
    ops: results.reduce((n, r) => n + r.ops, 0),
    seconds: results.reduce((n, r) => n + r.seconds, 0),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors: results.reduce((n, r) => n + r.errors, 0),
    latenciesMs: latencies,
  };
}

/**
 * Starts `op(i)` at `perSecond` calls a second for `durationMs`, on schedule whether
 * or not earlier calls have been answered, and waits for all of them; resolves to the
 * number of calls and of failed ones.
 */
export async function openLoop(
  perSecond: number,
  durationMs: number,
  op: (i: number) => Promise<unknown>,
): Promise<{ calls: number; errors: number }> {
  const started = performance.now();
  const pending: Promise<unknown>[] = [];
  let calls = 0;
  let errors = 0;
  for (;;) {
    const elapsed = performance.now() - started;
    if (elapsed >= durationMs) break;
    const due = Math.floor((elapsed / 1000) * perSecond);
    while (calls < due) {
      pending.push(
        op(calls++).catch(() => {
          errors++;
        }),
      );
    }
    await sleep(1);
  }
  await Promise.all(pending);
  return { calls, errors };
}
