/**
 * Watch fan-out: many watchers of one namespace's Pods, a writer creating Pods at a
 * fixed rate, and the delay from each create being sent to each watcher receiving its
 * event. The send time travels in an annotation, read by the same process that wrote
 * it, so there is one clock.
 */
import { performance } from 'node:perf_hooks';
import { WatchPodsRequest } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ListOptions } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { WatchConnection } from './watch-stream.js';

/**
 * The annotation carrying `performance.now()` at the moment the create was sent, or
 * `sync-<round>` on the Pods that check every watcher is registered.
 */
export const SENT_AT = 'bench.wheelhouse.dev/sent-at';
const SENT_AT_BYTES = Buffer.from(SENT_AT);
const WATCH_PODS = '/wheelhouse.core.v1.PodService/WatchPods';

const S = 0x73; // 's', as in sync-<round>
const DOT = 0x2e;
const ZERO = 0x30;

/**
 * Finds the SENT_AT annotations in an encoded WatchPodsResponse, one per event that has
 * one, in order, and hands over their values as numbers: `sentAt` for a create's send
 * time, `sync` for a sync round. Decoding whole Pods for a thousand watchers would make
 * this one client process the bottleneck; the byte search, with the digits read in
 * place, costs a fraction of it. A map entry is encoded as its key (field 1) then its
 * value (field 2, tag 0x12), so the value's length and bytes follow the key's bytes.
 */
function scanSentAt(bytes: Buffer, sentAt: (ms: number) => void, sync: (round: number) => void): void {
  for (let at = bytes.indexOf(SENT_AT_BYTES); at >= 0; at = bytes.indexOf(SENT_AT_BYTES, at + 1)) {
    const p = at + SENT_AT_BYTES.length;
    if (bytes[p] !== 0x12) continue;
    const start = p + 2;
    const end = start + (bytes[p + 1] ?? 0);
    if (bytes[start] === S) {
      sync(decimal(bytes, start + 5, end));
      continue;
    }
    sentAt(decimal(bytes, start, end));
  }
}

/** The decimal number (digits, at most one dot) in bytes[from, to). */
function decimal(bytes: Buffer, from: number, to: number): number {
  let value = 0;
  let scale = 0;
  for (let i = from; i < to; i++) {
    const c = bytes[i]!;
    if (c === DOT) scale = 1;
    else {
      value = value * 10 + (c - ZERO);
      if (scale > 0) scale *= 10;
    }
  }
  return scale > 0 ? value / scale : value;
}

export interface FanoutOptions {
  /** Connections to the server; watchers are spread over them round-robin. */
  readonly connections: readonly WatchConnection[];
  readonly watchers: number;
  readonly namespace: string;
  /** Creates per second. */
  readonly rate: number;
  readonly durationMs: number;
  /**
   * Creates at the same rate before the measured ones: delivered and counted like the
   * others, but their delays are not in the figures (code paths compiling, connection
   * windows and buffers growing to their working size).
   */
  readonly warmupMs: number;
  /** How long to wait, after the last create is acknowledged, for deliveries still on their way. */
  readonly graceMs: number;
  /** Sends one create of a Pod with this name and SENT_AT annotation; resolves on its acknowledgement. */
  readonly create: (name: string, sentAt: string) => Promise<unknown>;
  readonly progress: (line: string) => void;
}

export interface FanoutResult {
  readonly sent: number;
  readonly writeErrors: number;
  readonly firstWriteError: string | undefined;
  /** Seconds the writer took to send and have acknowledged every create. */
  readonly writeSeconds: number;
  readonly expected: number;
  readonly delivered: number;
  /** Watch streams that ended with an error before the end. */
  readonly watchErrors: number;
  readonly firstWatchError: string | undefined;
  /** Response messages received by all watchers (each carries one or more events). */
  readonly messages: number;
  /** Send-to-receipt delay of every delivered event after the warm-up, in milliseconds. */
  readonly latenciesMs: Float64Array;
}

export async function runFanout(opts: FanoutOptions): Promise<FanoutResult> {
  const warmup = Math.round((opts.rate * opts.warmupMs) / 1000);
  const total = warmup + Math.round((opts.rate * opts.durationMs) / 1000);
  const latencies = new Float64Array(opts.watchers * total);
  /** Events sent before this time (performance.now()) are the warm-up's. */
  let measureFrom = Number.POSITIVE_INFINITY;
  let warmupDelivered = 0;
  let delivered = 0;
  let messages = 0;
  let watchErrors = 0;
  let firstWatchError: string | undefined;
  let stopping = false;
  // The highest sync round each watcher has seen: proof that it is registered.
  const synced = new Int32Array(opts.watchers).fill(-1);
  const cancels: (() => void)[] = [];
  const request = WatchPodsRequest.encode({
    namespace: opts.namespace,
    options: ListOptions.fromPartial({}),
  }).finish();

  for (let w = 0; w < opts.watchers; w++) {
    const connection = opts.connections[w % opts.connections.length]!;
    const cancel = connection.open(WATCH_PODS, request, {
      message: (bytes) => {
        const now = performance.now();
        messages++;
        scanSentAt(
          bytes,
          (sentAt) => {
            if (sentAt < measureFrom) warmupDelivered++;
            else if (delivered < latencies.length) latencies[delivered++] = now - sentAt;
          },
          (round) => {
            if (round > synced[w]!) synced[w] = round;
          },
        );
      },
      error: (err) => {
        if (stopping) return;
        watchErrors++;
        firstWatchError ??= err.message;
      },
    });
    cancels.push(cancel);
  }

  try {
    // Watches are registered when the server has handled their request; creates
    // before that would reach only some. Sync pods tell when every watcher is in.
    const syncDeadline = performance.now() + 60_000;
    for (let round = 0; ; round++) {
      await opts.create(`sync-${round}`, `sync-${round}`);
      await sleep(1_000);
      const behind = synced.reduce((n, s) => (s < 0 ? n + 1 : n), 0);
      if (behind === 0) break;
      opts.progress(`  ${opts.watchers - behind}/${opts.watchers} watchers registered`);
      if (performance.now() > syncDeadline) throw new Error(`${behind} watchers never registered`);
    }

    measureFrom = performance.now() + opts.warmupMs;
    const writer = await paced(total, opts.rate, (i) => opts.create(`ev-${i}`, String(performance.now())));
    opts.progress(`  ${writer.sent} creates sent in ${writer.seconds.toFixed(1)} s; waiting for deliveries`);
    const expected = writer.acked * opts.watchers;
    const graceEnd = performance.now() + opts.graceMs;
    while (
      delivered + warmupDelivered < expected &&
      performance.now() < graceEnd &&
      watchErrors < opts.watchers
    ) {
      await sleep(50);
    }
    return {
      sent: writer.sent,
      writeErrors: writer.errors,
      firstWriteError: writer.firstError,
      writeSeconds: writer.seconds,
      expected,
      delivered: delivered + warmupDelivered,
      messages,
      watchErrors,
      firstWatchError,
      latenciesMs: latencies.subarray(0, delivered),
    };
  } finally {
    stopping = true;
    for (const cancel of cancels) cancel();
  }
}

interface PacedResult {
  sent: number;
  acked: number;
  errors: number;
  firstError: string | undefined;
  seconds: number;
}

/**
 * Sends `total` operations at `rate` per second (an open loop: the schedule does not
 * wait for answers), with at most 512 unanswered; resolves when all are answered.
 */
async function paced(total: number, rate: number, op: (i: number) => Promise<unknown>): Promise<PacedResult> {
  const maxInFlight = 512;
  let sent = 0;
  let acked = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  const start = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate) + 1);
    while (sent < due && inFlight < maxInFlight) {
      inFlight++;
      op(sent++).then(
        () => {
          inFlight--;
          acked++;
        },
        (err: unknown) => {
          inFlight--;
          errors++;
          firstError ??= err instanceof Error ? err.message : String(err);
        },
      );
    }
    await sleep(2);
  }
  while (inFlight > 0) await sleep(5);
  return { sent, acked, errors, firstError, seconds: (performance.now() - start) / 1000 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
