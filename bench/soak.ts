/**
 * `npm run soak`: the whole plane (bench/plane.ts) under a steady churn across kinds
 * (bench/churn.ts: Deployments created, scaled, rolled out and deleted, ConfigMaps,
 * Jobs, simulated nodes joining and leaving) for `--duration` (10 minutes by default).
 *
 * Every 10 s it samples each process's resident memory and CPU, and the apiserver's
 * mutating-call p99 over the last 10 s (from its /metrics), and prints the heaps of the
 * apiserver and the store (and the store's live keys). The window judged is the last half
 * of the run, starting no earlier than the state bounded by time is full
 * (boundedStateFillMs). In it, every 20 s, each control-plane process collects its garbage
 * and reports what it still holds (live-memory.ts): heap used plus external memory. At the
 * end it fits a line (least squares) to each component's live memory over the window, or
 * to its resident memory where it did not report, and to each simulator host's resident
 * memory (one by one: hosts join and leave, memory-verdict.ts), and judges a series flat
 * when the growth the line predicts over the window is within the noise: at most twice
 * the spread of the samples around the line, or 5% of the mean, or a floor (4 MiB for live
 * memory, 8 MiB for resident), whichever is largest. The apiserver's live memory is judged
 * beside its watch caches' history (read from its /metrics at each probe): the last 75 s
 * of events, which the churn's mix of operations moves by tens of MiB within minutes;
 * its growth in time once what moves with that history is set aside is what is judged
 * (memorySlopeBeside), the plain slope printed beside. It then waits for the cluster to
 * converge on what the acknowledged writes declared. It exits 1 when a component's or a
 * host's memory grows, a component restarted, an error other than a conflict happened, or
 * the cluster did not converge.
 *
 * Events live until their TTL and the store keeps history for minutes: memory that
 * holds them grows by design until they are full, an hour with the defaults. So that a
 * run of minutes judges what grows once they are, the soak runs the apiserver with
 * `--event-ttl` (2 minutes) and the store with `--compact-keep-minutes` (1) of its own.
 *
 *   npm run soak -- [--duration 10m] [--rate 10] [--nodes 20] [--event-ttl 2m]
 *     [--store-history-minutes 1] [--report DIR] [--tmp-dir DIR]
 */
import { readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../sdk/duration.js';
import { scrape } from '../test/scrape.js';
import { parseHistograms, slowestMutating, subtract } from './api-latency.js';
import { startChurn } from './churn.js';
import { converge, createQuotas } from './convergence.js';
import { controllerManagerErrors, controllerManagerQueues, diagnose } from './diagnosis.js';
import { type LiveReading, preloadMemoryProbe, probeControlPlane } from './live-memory.js';
import {
  judgeHosts,
  memorySlope,
  memorySlopeBeside,
  type ProcessSample,
  type Slope,
} from './memory-verdict.js';
import { killEverything, type Plane, startPlane } from './plane.js';
import { trackPods } from './pod-tracker.js';
import { writeReport } from './report/html-report.js';
import { record, type Sample } from './timeline.js';

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

/** How often the control plane's live memory is read inside the judged window. */
const LIVE_PERIOD_MS = 20_000;

/** Readings of live memory a component needs in the window to be judged on it, not on its RSS. */
const MIN_LIVE_READINGS = 6;

/**
 * The least growth of live memory always allowed, MiB: what a component keeps after a
 * collection moves by less than its resident memory, but caches that fill towards their
 * bound (the event recorder's 4,096 aggregated Events) still move it by a few MiB.
 */
const LIVE_FLOOR_MIB = 4;

const mib = (v: number) => v.toFixed(0).padStart(5);
const slopeText = (s: Slope) =>
  `slope ${s.perMinute.toFixed(2).padStart(6)} MiB/min, growth ${s.growth.toFixed(1).padStart(5)} MiB (allowed ${s.allowed.toFixed(1)}, noise ±${s.noise.toFixed(1)})`;

/** The live memory (heap used + external after a collection) each component last reported, for the progress line. */
function liveNow(readings: ReadonlyMap<string, readonly LiveReading[]>, now: number): string {
  const parts: string[] = [];
  for (const [name, list] of readings) {
    const last = list.at(-1);
    if (last !== undefined && now - last.t < (2 * LIVE_PERIOD_MS) / 1000)
      parts.push(`${name} ${(last.memory.heapUsedMiB + last.memory.externalMiB).toFixed(0)}`);
  }
  return parts.length > 0 ? `; live MiB ${parts.join(', ')}` : '';
}

/**
 * The memory verdict over the judged window: each control-plane component on its live
 * memory where it reported it throughout the window (one process, enough readings), else
 * on its resident memory, which is printed beside in any case; the simulator hosts one by
 * one (memory-verdict.ts).
 */
function judgeMemory(
  half: readonly Sample[],
  from: number,
  readings: ReadonlyMap<string, readonly LiveReading[]>,
): { text: string; flat: boolean }[] {
  const lines: { text: string; flat: boolean }[] = [];
  const components = Object.keys(half[0]?.rssMiB ?? {}).filter((n) => n !== 'kubelet-simulator');
  for (const name of components) {
    const rss = memorySlope(half.map((s) => [s.t, s.rssMiB[name] ?? 0] as const));
    const inWindow = (readings.get(name) ?? []).filter((r) => r.t >= from);
    const oneProcess = inWindow.every((r) => r.pid === inWindow[0]?.pid);
    if (inWindow.length >= MIN_LIVE_READINGS && oneProcess) {
      const live = (r: LiveReading) => r.memory.heapUsedMiB + r.memory.externalMiB;
      const plain = memorySlope(
        inWindow.map((r) => [r.t, live(r)] as const),
        LIVE_FLOOR_MIB,
      );
      const beside = inWindow.every((r) => r.heldMiB !== undefined)
        ? memorySlopeBeside(
            inWindow.map((r) => [r.t, live(r), r.heldMiB ?? 0] as const),
            LIVE_FLOOR_MIB,
          )
        : undefined;
      const liveSlope = beside ?? plain;
      const heldText =
        beside === undefined
          ? ''
          : `\n  ${''.padEnd(20)}      beside its watch caches' history (${(inWindow.reduce((a, r) => a + (r.heldMiB ?? 0), 0) / inWindow.length).toFixed(0)} MiB estimated, ${Math.min(...inWindow.map((r) => r.heldMiB ?? 0)).toFixed(0)}–${Math.max(...inWindow.map((r) => r.heldMiB ?? 0)).toFixed(0)}; fitted ${beside.perState.toFixed(2)} MiB live per MiB of it); plain ${slopeText(plain)}: not judged`;
      const mean = (pick: (r: LiveReading) => number) =>
        (inWindow.reduce((a, r) => a + pick(r), 0) / inWindow.length).toFixed(0);
      const pause = Math.max(...inWindow.map((r) => r.memory.gcMs));
      lines.push({
        text: `  ${name.padEnd(20)} live ${mib(liveSlope.mean)} MiB, ${slopeText(liveSlope)}: ${liveSlope.flat ? 'flat' : 'GROWING'}\n  ${''.padEnd(20)}      (heap ${mean((r) => r.memory.heapUsedMiB)} + external ${mean((r) => r.memory.externalMiB)} MiB after a full collection, ${inWindow.length} readings, collections up to ${pause.toFixed(0)} ms)${heldText}\n  ${''.padEnd(20)} RSS  ${mib(rss.mean)} MiB, ${slopeText(rss)}: not judged`,
        flat: liveSlope.flat,
      });
    } else {
      lines.push({
        text: `  ${name.padEnd(20)} RSS  ${mib(rss.mean)} MiB, ${slopeText(rss)}: ${rss.flat ? 'flat' : 'GROWING'} (${inWindow.length} live readings${oneProcess ? '' : ' across restarts'}: judged on RSS)`,
        flat: rss.flat,
      });
    }
  }
  const hosts = judgeHosts(
    half.map((s) => {
      const h: Record<string, ProcessSample> = {};
      for (const [name, p] of Object.entries(s.processes))
        if (name.startsWith('kubelet-simulator')) h[name] = p;
      return { t: s.t, hosts: h };
    }),
  );
  const sum = memorySlope(half.map((s) => [s.t, s.rssMiB['kubelet-simulator'] ?? 0] as const));
  lines.push({
    text: `  simulator hosts      ${hosts.judged.length} of ${hosts.seen} ran through the window, each judged on its RSS: ${hosts.judged.length === 0 ? 'none to judge' : hosts.flat ? 'flat' : 'GROWING'}; their sum (not judged: hosts join and leave) ${sum.perMinute.toFixed(1)} MiB/min`,
    flat: hosts.flat,
  });
  for (const h of hosts.judged.filter((j, i) => i === 0 || !j.slope.flat))
    lines.push({
      text: `    ${h.name.padEnd(30)} RSS ${mib(h.slope.mean)} MiB, ${slopeText(h.slope)}: ${h.slope.flat ? 'flat (the closest to its bound)' : 'GROWING'}`,
      flat: true,
    });
  return lines;
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
  // The control plane's processes preload the probe that reports their live memory
  // (live-memory.ts); the soak's own processes (storectl) do not need it.
  const probe = preloadMemoryProbe(values['tmp-dir'] ?? tmpdir());
  let plane: Plane;
  try {
    plane = await startPlane({
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
  } catch (err) {
    rmSync(probe.dir, { recursive: true, force: true });
    throw err;
  } finally {
    // The plane took its environment at its start, for every process it starts later too.
    probe.restore();
  }
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killEverything();
      rmSync(probe.dir, { recursive: true, force: true });
      process.exit(130);
    });
  const tracker = trackPods(plane.clients);
  const rec = record(plane, tracker, 10_000);
  const apiP99: [number, number][] = [];
  let failures = 0;
  let live: ReturnType<typeof probeControlPlane> | undefined;
  try {
    await tracker.synced;
    await createQuotas(plane);
    const churn = await startChurn(plane, { rate, seed: Number(values.seed) });
    const churnStarted = rec.now();
    // The window judged starts at the later of half the run and the bounded state's fill
    // (as `from` below); the first probe comes one period before it.
    const judgedFrom = Math.max((churnStarted + durationMs / 1000) / 2, churnStarted + fillMs / 1000);
    live = probeControlPlane(plane, {
      dir: probe.dir,
      periodMs: LIVE_PERIOD_MS,
      fromS: judgedFrom - LIVE_PERIOD_MS / 1000,
      now: () => rec.now(),
      held: async (name) =>
        name === 'apiserver'
          ? metricSum(await plane.apiserverMetrics(), 'apiserver_watch_cache_bytes') / 1024 / 1024
          : undefined,
    });
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
          )}${liveNow(live.readings, rec.now())}; apiserver heap ${apiserverHeap(text)}; store ${storeHeap(await storeMetrics(plane.store.pid, plane.admin))}; load ${load()}\n`,
      );
    }
    await churn.stop();
    await live.stop();
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
    for (const line of judgeMemory(half, from, live.readings)) {
      out(line.text);
      if (!line.flat) failures++;
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
    await live?.stop();
    await plane.stop().catch(() => undefined);
    rmSync(probe.dir, { recursive: true, force: true });
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
