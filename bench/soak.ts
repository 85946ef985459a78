/**
 * `npm run soak`: the whole plane (bench/plane.ts) under a steady churn across kinds
 * (bench/churn.ts: Deployments created, scaled, rolled out and deleted, ConfigMaps,
 * Jobs, simulated nodes joining and leaving) for `--duration` (10 minutes by default).
 *
 * Every 10 s it samples each component's resident memory and CPU, and the apiserver's
 * mutating-call p99 over the last 10 s (from its /metrics). At the end it reports, for
 * each component, the slope of its memory over the last half of the run (least squares)
 * and judges it flat when the growth the slope predicts over that half is within the
 * noise: at most twice the spread of the samples around the line, or 5% of the mean, or
 * 8 MiB, whichever is largest. It then waits for the cluster to converge on what the
 * acknowledged writes declared. It exits 1 when a component's memory grows, a component
 * restarted, an error other than a conflict happened, or the cluster did not converge.
 *
 *   npm run soak -- [--duration 10m] [--rate 10] [--nodes 20] [--report DIR] [--tmp-dir DIR]
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../sdk/duration.js';
import { parseHistograms, slowestMutating, subtract } from './api-latency.js';
import { startChurn } from './churn.js';
import { converge, createQuotas } from './convergence.js';
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
  const sum = (name: string) => {
    let total = 0;
    for (const line of metrics.split('\n')) {
      if (line.startsWith(`${name} `) || line.startsWith(`${name}{`))
        total += Number(line.split(' ').at(-1)) || 0;
    }
    return total;
  };
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
  return `used ${mib(sum('nodejs_heap_size_used_bytes'))} MiB, external ${mib(sum('nodejs_external_memory_bytes'))} MiB, cached events ${sum('apiserver_watch_cache_events')}`;
}

async function main(): Promise<void> {
  const durationMs = parseDurationMs(values.duration);
  const rate = Number(values.rate);
  const nodes = Number(values.nodes);
  out(
    `soak: ${values.duration} of churn at ${rate} operations/s on ${nodes} simulated nodes; load average ${load()}`,
  );
  const restarts: string[] = [];
  const plane = await startPlane({
    nodes,
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
    let metrics = parseHistograms(await plane.apiserverMetrics());
    const started = Date.now();
    while (Date.now() - started < durationMs) {
      await new Promise((r) => setTimeout(r, 10_000));
      const text = await plane.apiserverMetrics();
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
          .join(', ')}; apiserver heap ${apiserverHeap(text)}; load ${load()}\n`,
      );
    }
    await churn.stop();
    rec.mark('churn stopped');
    const samples = rec.timeline.samples;
    const half = samples.filter((s) => s.t >= (samples.at(-1)?.t ?? 0) / 2);
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
    out(`\nmemory over the last half (${half.length} samples of 10 s)`);
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
    }
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
