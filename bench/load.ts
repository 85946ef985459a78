/** Load loops and latency figures for the benchmarks: closed loops bounded in time and count. */
import { performance } from 'node:perf_hooks';
import { type Client, Metadata, type ServiceError } from '@grpc/grpc-js';

export interface LoadResult {
  /** Calls that succeeded. */
  readonly ok: number;
  readonly errors: number;
  readonly firstError: string | undefined;
  readonly seconds: number;
  /** Latency of every successful call, in milliseconds. */
  readonly latenciesMs: Float64Array;
}

export interface LoadOptions {
  /** Calls kept in flight at once. */
  readonly concurrency: number;
  /** No new call starts after this long. */
  readonly durationMs: number;
  /** No more than this many calls in all (operation indexes 0..maxOps-1). */
  readonly maxOps?: number;
}

/**
 * Runs `op(i)` with `concurrency` calls in flight until the time or the count runs out
 * (a closed loop: a call starts when another ends), and times each call.
 */
export async function closedLoop(
  opts: LoadOptions,
  op: (i: number) => Promise<unknown>,
): Promise<LoadResult> {
  const maxOps = opts.maxOps ?? Number.POSITIVE_INFINITY;
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: string | undefined;
  const start = performance.now();
  const deadline = start + opts.durationMs;
  const worker = async () => {
    while (next < maxOps && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        latencies.push(performance.now() - t0);
      } catch (err) {
        errors++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return {
    ok: latencies.length,
    errors,
    firstError,
    seconds: (performance.now() - start) / 1000,
    latenciesMs: Float64Array.from(latencies),
  };
}

/** The q-quantile (0..1) of the values, nearest rank; sorts the array in place. NaN when empty. */
export function quantile(values: Float64Array, q: number): number {
  if (values.length === 0) return Number.NaN;
  values.sort();
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank]!;
}

type UnaryFn<Req, Res> = (
  req: Req,
  md: Metadata,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/**
 * Calls a unary method of a generated client with a complete request. Load loops use
 * this rather than the tests' `call()`, which builds the request from a partial on
 * every call: client-side cost that would be counted against the server.
 */
export function unary<Res>(client: Client, method: string, request: unknown): Promise<Res> {
  const fn = (client as unknown as Record<string, UnaryFn<unknown, Res>>)[method];
  if (typeof fn !== 'function') throw new Error(`no method ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(client, request, new Metadata(), (err, res) => (err ? reject(err) : resolve(res)));
  });
}
