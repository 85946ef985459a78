/**
 * `npm run soak`: the whole plane (bench/plane.ts) under a steady churn across kinds
 * (bench/churn.ts: Deployments created, scaled, rolled out and deleted, ConfigMaps,
 * Jobs, simulated nodes joining and leaving) for `--duration` (10 minutes by default).
 *
 * Every 10 s it samples each component's resident memory and CPU, and the apiserver's
 * mutating-call p99 over the last 10 s (from its /metrics), and prints the heaps of the
 * apiserver and the store (and the store's live keys). At the end it reports, for each
 * component, the slope of its memory over the last half of the run (least squares),
 * starting no earlier than the state bounded by time is full (boundedStateFillMs), and
 * judges it flat when the growth the slope predicts over that window is within the
 * noise: at most twice the spread of the samples around the line, or 5% of the mean, or
 * 8 MiB, whichever is largest. It then waits for the cluster to converge on what the
 * acknowledged writes declared. It exits 1 when a component's memory grows, a component
 * restarted, an error other than a conflict happened, or the cluster did not converge.
 *
 * Events live until their TTL and the store keeps history for minutes: memory that
 * holds them grows by design until they are full, an hour with the defaults. So that a
 * run of minutes judges what grows once they are, the soak runs the apiserver with
 * `--event-ttl` (2 minutes) and the store with `--compact-keep-minutes` (1) of its own.
 *
 *   npm run soak -- [--duration 10m] [--rate 10] [--nodes 20] [--event-ttl 2m]
 *     [--store-history-minutes 1] [--report DIR] [--tmp-dir DIR]
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../sdk/duration.js';
import { scrape } from '../test/scrape.js';
import { parseHistograms, slowestMutating, subtract } from './api-latency.js';
import { startChurn } from './churn.js';
import { converge, createQuotas } from './convergence.js';
import { controllerManagerErrors, controllerManagerQueues, diagnose } from './diagnosis.js';
import { killEverything, startPlane } from './plane.js';
import { trackPods } from './pod-tracker.js';
import { writeReport } from './report/html-report.js';
import { record } from './timeline.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10m' },
    rate: { type: 'string', default: '10' },
    nodes: { type: 'string', default: '20' },
    'converge-timeout': { type: 'string', default: '120s' },
    report: { type: 'string' },
    'tmp-dir': { type: 'string' },
    seed: { type: 'string', default: '1' },
    'event-ttl': { type: 'string', default: '2m' },
    'store-history-minutes': { type: 'string', default: '1' },
  },
  strict: true,
});

const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export interface Slope {
  /** MiB per minute. */
  readonly perMinute: number;
  /** What the line predicts over the window, MiB. */
  readonly growth: number;
  /** Standard deviation of the samples around the line, MiB. */
  readonly noise: number;
  readonly mean: number;
  readonly flat: boolean;
}

/** The store's automatic compaction period the soak runs it with, seconds (its default). */
const COMPACT_INTERVAL_S = 60;

/**
 * How long after the churn starts the state that is bounded by time is full: live Events
 * until their TTL, then the history of their expiry until the store compacts it (its
 * retention plus one compaction period), with a margin for the TTL sweep. Memory
 * measured before then still grows by design, not by a leak.
 */
export function boundedStateFillMs(eventTtlMs: number, storeHistoryMinutes: number): number {
  return eventTtlMs + storeHistoryMinutes * 60_000 + COMPACT_INTERVAL_S * 1000 + 10_000;
}

/** Least-squares slope of (seconds, MiB) samples, judged flat within noise (see the file's comment). */
export function memorySlope(points: readonly (readonly [number, number])[]): Slope {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const [x, y] of points) {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : 0;
  const residual = Math.sqrt(
    points.reduce((a, [x, y]) => a + (y - (my + slope * (x - mx))) ** 2, 0) / Math.max(n - 2, 1),
  );
  const span = n > 1 ? (points.at(-1)?.[0] ?? 0) - (points[0]?.[0] ?? 0) : 0;
  const growth = slope * span;
  return {
    perMinute: slope * 60,
    growth,
    noise: residual,
    mean: my,
    flat: growth <= Math.max(2 * residual, 0.05 * my, 8),
  };
}

/**
 * The apiserver's heap from its /metrics (used, external), and the events its watch
 * caches hold: what tells its resident memory's growth from the cached history's.
 */
function apiserverHeap(metrics: string): string {
  return `${heap(metrics)}, cached events ${metricSum(metrics, 'apiserver_watch_cache_events')}`;
}

/** The sum of every series of `name` in a Prometheus text exposition. */
function metricSum(metrics: string, name: string): number {
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
      total += Number(line.split(' ').at(-1)) || 0;
  }
  return total;
}

/** The store's heap, and its live keys (Events among them, until their TTL). */
function storeHeap(metrics: string): string {
  return `heap ${heap(metrics)}, keys ${metricSum(metrics, 'wheelhouse_store_keys')}`;
}

function heap(metrics: string): string {
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  return `used ${mib(metricSum(metrics, 'nodejs_heap_size_used_bytes'))} MiB, external ${mib(metricSum(metrics, 'nodejs_external_memory_bytes'))} MiB`;
}

/**
 * The store's /metrics, found from its command line (its metrics address and the CA of its
 * serving certificate); the admin's certificate reads it. Empty when it cannot be read
 * (the store restarting): the figures are informative, not part of the verdict.
 */
async function storeMetrics(
  pid: number,
  admin: { clientCertificate?: string; clientKey?: string },
): Promise<string> {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    const listen = flag('--metrics-listen');
    const ca = flag('--tls-ca');
    if (!listen || !ca || !admin.clientCertificate || !admin.clientKey) return '';
    const res = await scrape(`https://${listen}/metrics`, {
      ca,
      cert: { certFile: admin.clientCertificate, keyFile: admin.clientKey },
    });
    return res.status === 200 ? res.body : '';
  } catch {
    return '';
  }
}

async function main(): Promise<void> {
  const durationMs = parseDurationMs(values.duration);
  const rate = Number(values.rate);
  const nodes = Number(values.nodes);
  const eventTtlMs = parseDurationMs(values['event-ttl']);
  const historyMinutes = Number(values['store-history-minutes']);
  if (!Number.isSafeInteger(historyMinutes) || historyMinutes < 1)
    throw new Error(`--store-history-minutes must be a whole number of minutes ≥ 1`);
  const fillMs = boundedStateFillMs(eventTtlMs, historyMinutes);
  if (durationMs - fillMs < Math.max(durationMs / 4, 120_000))
    throw new Error(
      `--duration ${values.duration} leaves too little time after the bounded state fills (${(fillMs / 1000).toFixed(0)} s: Events' TTL, the store's history and a compaction period) to judge memory; run longer or shorten --event-ttl / --store-history-minutes`,
    );
  out(
    `soak: ${values.duration} of churn at ${rate} operations/s on ${nodes} simulated nodes; load average ${load()}`,
  );
  const restarts: string[] = [];
  const plane = await startPlane({
    nodes,
    // Warnings too: the controller manager's retried errors are summed up at the end.
    logLevel: 'warn',
    extraArgs: {
      apiserver: ['--event-ttl', `${Math.ceil(eventTtlMs / 1000)}s`],
      store: [
        '--compact-keep-minutes',
        String(historyMinutes),
        '--compact-interval-seconds',
        String(COMPACT_INTERVAL_S),
      ],
    },
    ...(values['tmp-dir'] ? { tmpDir: values['tmp-dir'] } : {}),
    onRestart: (name, code, signal) => restarts.push(`${name} exited (${signal ?? code})`),
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killEverything();
      process.exit(130);
    });
  const tracker = trackPods(plane.clients);
  const rec = record(plane, tracker, 10_000);
  const apiP99: [number, number][] = [];
  let failures = 0;
  try {
    await tracker.synced;
    await createQuotas(plane);
    const churn = await startChurn(plane, { rate, seed: Number(values.seed) });
    const churnStarted = rec.now();
    let metrics = parseHistograms(await plane.apiserverMetrics());
    const started = Date.now();
    while (Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, 10_000));
      // A scrape that fails (the apiserver paused for a heap snapshot, or starved by the
      // machine's load) loses this period's figures, not the run: the verdict rests on
      // memory, restarts, errors and convergence.
      const text = await plane.apiserverMetrics().catch((err: unknown) => {
        process.stderr.write(`[${rec.now().toFixed(0).padStart(4)} s] the apiserver's /metrics: ${err}\n`);
        return undefined;
      });
      if (text === undefined) continue;
      const now = parseHistograms(text);
      const slowest = slowestMutating(subtract(now, metrics));
      const p99 = slowest.ms;
      metrics = now;
      apiP99.push([rec.now(), p99]);
      const s = rec.timeline.samples.at(-1);
      const done = [...churn.stats.done.values()].reduce((a, b) => a + b, 0);
      process.stderr.write(
        `[${rec.now().toFixed(0).padStart(4)} s] ${done} operations, ${churn.stats.conflicts} conflicts, ${churn.stats.errorCount} errors; ${tracker.live.size} pods; mutating p99 ${p99.toFixed(0)} ms (${slowest.call}); MiB ${Object.entries(
          s?.rssMiB ?? {},
        )
          .map(([k, v]) => `${k} ${v.toFixed(0)}`)
          .join(
            ', ',
          )}; apiserver heap ${apiserverHeap(text)}; store ${storeHeap(await storeMetrics(plane.store.pid, plane.admin))}; load ${load()}\n`,
      );
    }
    await churn.stop();
    rec.mark('churn stopped');
    const samples = rec.timeline.samples;
    const from = Math.max((samples.at(-1)?.t ?? 0) / 2, churnStarted + fillMs / 1000);
    const half = samples.filter((s) => s.t >= from);
    out(`\noperations (acknowledged): ${[...churn.stats.done].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    out(
      `conflicts ${churn.stats.conflicts} (expected), unanswered ${churn.stats.unavailable}, errors ${churn.stats.errorCount}`,
    );
    for (const e of churn.stats.errors) out(`  error: ${e}`);
    if (churn.stats.errorCount + churn.stats.unavailable > 0) failures++;
    const p99s = apiP99.map(([, v]) => v).sort((a, b) => a - b);
    out(
      `mutating API calls p99 per 10 s: median ${(p99s[Math.floor(p99s.length / 2)] ?? 0).toFixed(0)} ms, worst ${(p99s.at(-1) ?? 0).toFixed(0)} ms`,
    );
    out(
      `\nmemory from ${from.toFixed(0)} s, the last half once the bounded state is full (${half.length} samples of 10 s)`,
    );
    for (const name of Object.keys(half[0]?.rssMiB ?? {})) {
      const slope = memorySlope(half.map((s) => [s.t, s.rssMiB[name] ?? 0] as const));
      out(
        `  ${name.padEnd(20)} mean ${slope.mean.toFixed(0).padStart(5)} MiB, slope ${slope.perMinute.toFixed(2).padStart(7)} MiB/min, growth ${slope.growth.toFixed(1).padStart(6)} MiB, noise ±${slope.noise.toFixed(1)} MiB: ${slope.flat ? 'flat' : 'GROWING'}`,
      );
      if (!slope.flat) failures++;
    }
    if (restarts.length > 0) {
      failures++;
      out(`restarts: ${restarts.join('; ')}`);
    }
    const result = await converge(plane, churn, parseDurationMs(values['converge-timeout']));
    if (result.problems.length === 0)
      out(`converged ${(result.ms / 1000).toFixed(1)} s after the churn stopped`);
    else {
      failures++;
      out(`NOT CONVERGED after ${(result.ms / 1000).toFixed(0)} s:`);
      for (const p of result.problems) out(`  ${p}`);
      for (const line of await diagnose(plane, result.problems)) out(`  ${line}`);
    }
    for (const line of [...(await controllerManagerQueues(plane)), ...controllerManagerErrors(plane)])
      out(line);
    out(`load average ${load()}`);
    if (values.report) {
      const path = writeReport(values.report, {
        title: `Soak: ${values.duration} at ${rate} operations/s`,
        subtitle: `${process.argv.slice(2).join(' ') || '(defaults)'}; load average at the end ${load()}`,
        rows: [
          [
            'operations acknowledged',
            String([...churn.stats.done.values()].reduce((a, b) => a + b, 0)),
            '',
            undefined,
          ],
          [
            'errors other than conflicts',
            String(churn.stats.errorCount + churn.stats.unavailable),
            '0',
            churn.stats.errorCount + churn.stats.unavailable === 0,
          ],
          [
            'converged after the churn',
            result.problems.length ? 'no' : `${(result.ms / 1000).toFixed(1)} s`,
            '',
            result.problems.length === 0,
          ],
        ],
        timeline: { ...rec.timeline, apiP99 },
      });
      out(`report: ${path}`);
    }
    out(failures === 0 ? 'soak: passed' : `soak: FAILED (${failures})`);
    if (failures > 0) process.exitCode = 1;
  } finally {
    rec.stop();
    tracker.stop();
    await plane.stop().catch(() => undefined);
  }
}

if (process.argv[1]?.endsWith('soak.ts')) {
  try {
    await main();
  } catch (err) {
    out(`soak: FAILED: ${err instanceof Error ? err.message : String(err)}`);
    killEverything();
    process.exitCode = 1;
  }
}
