/**
 * Interleaved rounds: each figure that compares the apiserver with its reference is
 * measured in several short rounds that alternate the two servers (the first one of a
 * round swaps every round), and the rounds of each server are pooled. On a shared
 * machine a passing disturbance then lands on both servers' figures alike instead of
 * on whichever one happened to run at the time.
 */
import type { LoadResult } from './load.js';
import type { FanoutResult } from './watch-fanout.js';

/** Runs `measure` for each side, `rounds` times, alternating; returns every side's results in order. */
export async function interleaved<S extends string, R>(
  sides: readonly S[],
  rounds: number,
  measure: (side: S, round: number) => Promise<R>,
): Promise<Record<S, R[]>> {
  const results = Object.fromEntries(sides.map((s) => [s, [] as R[]])) as Record<S, R[]>;
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) results[side].push(await measure(side, round));
  }
  return results;
}

function concat(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

/** The rounds of one closed loop as one: calls and seconds added up, every latency kept. */
export function pooledLoad(results: readonly LoadResult[]): LoadResult {
  return {
    ok: results.reduce((n, r) => n + r.ok, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    firstError: results.find((r) => r.firstError !== undefined)?.firstError,
    seconds: results.reduce((n, r) => n + r.seconds, 0),
    latenciesMs: concat(results.map((r) => r.latenciesMs)),
  };
}

/** The rounds of one fan-out as one: counts and seconds added up, every delivery's latency kept. */
export function pooledFanout(results: readonly FanoutResult[]): FanoutResult {
  const sum = (f: (r: FanoutResult) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    sent: sum((r) => r.sent),
    writeErrors: sum((r) => r.writeErrors),
    firstWriteError: results.find((r) => r.firstWriteError !== undefined)?.firstWriteError,
    writeSeconds: sum((r) => r.writeSeconds),
    expected: sum((r) => r.expected),
    delivered: sum((r) => r.delivered),
    watchErrors: sum((r) => r.watchErrors),
    firstWatchError: results.find((r) => r.firstWatchError !== undefined)?.firstWatchError,
    messages: sum((r) => r.messages),
    latenciesMs: concat(results.map((r) => r.latenciesMs)),
  };
}
