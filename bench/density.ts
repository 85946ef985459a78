/**
 * `npm run bench:density`: Kubernetes' ClusterLoader2 density test on one machine. The
 * whole plane as real processes (bench/plane.ts: store, apiserver, scheduler, controller
 * manager, simulated kubelets hosting `--nodes` nodes), then:
 *
 * 1. throttled: Deployments created so that pods are asked for at `--throttled-qps`
 *    (100/s), a third of the pods; pod startup latency (created → seen Running through a
 *    watch) p50/p90/p99, split into create→scheduled, scheduled→running and
 *    running→observed (target p99 ≤ 1 s);
 * 2. unthrottled: the rest created as fast as the plane takes them, until
 *    `--pods-per-node` pods run on every node; pods/s from the first create to the last
 *    pod running (target ≥ 300/s), the scheduler's throughput and CPU per pod of every
 *    process, raw and divided by a host-speed reference taken at the window's edges
 *    (bench/host-speed.ts), the figure that compares across runs;
 * 3. a rolling update of every Deployment (a new image): pods/s replaced and CPU per
 *    replaced pod, the same way;
 * 4. deletion of everything, waiting for the last pod to go;
 *
 * with a progress line every few seconds; then API call latency p99 by verb and resource
 * from the apiserver's /metrics over phases 1–3 (mutating target p99 ≤ 250 ms), the
 * resident memory and CPU seconds of every component, the store's size on disk before and
 * after compaction, and the accounting: after each phase every Deployment has exactly its
 * replicas, of the current template, Running, and the pods one watch saw are those a list
 * returns (none lost, none duplicated). It exits 1 if anything is unaccounted for; a missed
 * target is printed, not an error (the machine may be shared).
 *
 *   npm run bench:density -- [--nodes 1000] [--pods-per-node 30] [--quick]
 *       [--replicas 10] [--throttled-qps 100] [--hosts 1] [--timeout 60m]
 *       [--idle 30s] [--report DIR] [--tmp-dir DIR]
 *
 * `--idle`: before any pod, the plane with its nodes alone: first until every node's
 * Lease exists (the first lease round, reported apart), then this long (default 30 s, 5 s
 * with `--quick`, 0 to skip both): the CPU each component spends on heartbeats, per
 * second and per Lease renewal, and the apiserver's calls by method — what 1,000 nodes
 * cost before they run anything.
 * `--quick`: 50 nodes and 1,000 pods (what the suite runs).
 */
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseDurationMs } from '../sdk/duration.js';
import type { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { callLatencies, type Histograms, isMutating, parseHistograms, subtract } from './api-latency.js';
import { type HostSpeed, hostSpeed, type SampledHostSpeed, sampleHostSpeed } from './host-speed.js';
import { killEverything, type Plane, startPlane } from './plane.js';
import { type PodTimes, type PodTracker, percentile, trackPods } from './pod-tracker.js';
import { writeReport } from './report/html-report.js';
import { type Recorder, record } from './timeline.js';
import { account, benchDeployment, forEachLimited, listAll, paced } from './workload.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    nodes: { type: 'string' },
    'pods-per-node': { type: 'string' },
    pods: { type: 'string' },
    replicas: { type: 'string', default: '10' },
    'throttled-qps': { type: 'string', default: '100' },
    'throttled-pods': { type: 'string' },
    hosts: { type: 'string', default: '1' },
    concurrency: { type: 'string', default: '32' },
    timeout: { type: 'string' },
    report: { type: 'string' },
    'tmp-dir': { type: 'string' },
    idle: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (values.help) {
  process.stdout.write(
    'Usage: npm run bench:density -- [--quick] [--nodes N] [--pods-per-node N | --pods N] [--replicas N]\n' +
      '  [--throttled-qps N] [--throttled-pods N] [--hosts N] [--concurrency N] [--timeout 60m]\n' +
      '  [--idle 30s] [--report DIR] [--tmp-dir DIR]\n',
  );
  process.exit(0);
}

const positive = (name: string, text: string): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive integer, not "${text}"`);
  return n;
};
const nodes = positive('nodes', values.nodes ?? (values.quick ? '50' : '1000'));
const totalPods = values.pods
  ? positive('pods', values.pods)
  : values['pods-per-node']
    ? nodes * positive('pods-per-node', values['pods-per-node'])
    : values.quick
      ? 1000
      : nodes * 30;
const replicas = positive('replicas', values.replicas);
const deploymentCount = Math.ceil(totalPods / replicas);
const qps = positive('throttled-qps', values['throttled-qps']);
const throttledDeployments = Math.min(
  deploymentCount,
  Math.ceil(
    (values['throttled-pods'] ? positive('throttled-pods', values['throttled-pods']) : totalPods / 3) /
      replicas,
  ),
);
const concurrency = positive('concurrency', values.concurrency);
const idleMs = parseDurationMs(values.idle ?? (values.quick ? '5s' : '30s'));
const timeoutMs = parseDurationMs(values.timeout ?? (values.quick ? '100s' : '60m'));
const deadline = Date.now() + timeoutMs;
const namespaces = Math.max(1, Math.ceil(totalPods / 3000));
const nsOf = (i: number) => `density-${i % namespaces}`;
const nameOf = (i: number) => `d-${i}`;
const replicasOf = (i: number) => Math.min(replicas, totalPods - i * replicas);

const TARGETS = { startupP99Ms: 1000, mutatingP99Ms: 250, createPodsPerS: 300, apiserverRssMiB: 1024 };

const out = (line: string) => process.stdout.write(`${line}\n`);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const mib = (b: number) => b / 1024 / 1024;
const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const fmtMs = (ms: number) => (Number.isFinite(ms) ? `${ms.toFixed(0)} ms` : '-');

/** Figure rows for the summary and the report. */
const rows: [string, string, string, boolean | undefined][] = [];
function figure(label: string, value: string, target = '', ok?: boolean): void {
  rows.push([label, value, target, ok]);
  out(
    `  ${label.padEnd(52)} ${value.padStart(12)}${target ? `   target ${target.padEnd(10)} ${ok ? 'ok' : 'MISSED'}` : ''}`,
  );
}

let failures = 0;
function check(what: string, problems: readonly string[]): void {
  if (problems.length === 0) {
    out(`  accounted: ${what}`);
    return;
  }
  failures++;
  out(`  NOT ACCOUNTED FOR: ${what}:`);
  for (const p of problems) out(`    ${p}`);
}

async function waitUntil(
  what: string,
  done: () => boolean | Promise<boolean>,
  limitMs = deadline - Date.now(),
) {
  const until = Date.now() + Math.max(limitMs, 0);
  for (;;) {
    if (await done()) return;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what} (see --timeout)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function progress(plane: Plane, tracker: PodTracker, rec: Recorder, phase: () => string): NodeJS.Timeout {
  const timer = setInterval(() => {
    const rss = plane
      .processes()
      .map((p) => `${p.name.replace('kubelet-simulator', 'sim')} ${mib(p.residentBytes()).toFixed(0)}`)
      .join(', ');
    process.stderr.write(
      `[${rec.now().toFixed(0).padStart(4)} s] ${phase()}: ${tracker.live.size} pods, ${tracker.running()} running; MiB ${rss}; load ${load()}\n`,
    );
  }, 5_000);
  timer.unref();
  return timer;
}

/** Startup figures of the pods created in [from, to). */
function startupFigures(tracker: PodTracker, from: number, to: number, target?: number): number {
  const inPhase: PodTimes[] = [...tracker.times.values()].filter((t) => t.created >= from && t.created < to);
  const sorted = (f: (t: PodTimes) => number) => inPhase.map(f).sort((a, b) => a - b);
  const total = sorted((t) => (t.observed ?? t.created) - t.created);
  const parts = [
    ['create→scheduled', sorted((t) => (t.scheduled ?? t.created) - t.created)],
    ['scheduled→running', sorted((t) => (t.running ?? 0) - (t.scheduled ?? 0))],
    ['running→observed', sorted((t) => (t.observed ?? 0) - (t.running ?? 0))],
  ] as const;
  const p99 = percentile(total, 99);
  figure(
    `pod startup p50/p90/p99 (${inPhase.length} pods)`,
    `${percentile(total, 50).toFixed(0)}/${percentile(total, 90).toFixed(0)}/${p99.toFixed(0)} ms`,
    target === undefined ? '' : `p99 ≤ ${target} ms`,
    target === undefined ? undefined : p99 <= target,
  );
  for (const [label, xs] of parts)
    figure(
      `  ${label} p50/p90/p99`,
      `${percentile(xs, 50).toFixed(0)}/${percentile(xs, 90).toFixed(0)}/${percentile(xs, 99).toFixed(0)} ms`,
    );
  return p99;
}

/** Pods per second scheduled in the busiest span covering 90% of the phase's pods. */
function schedulerThroughput(tracker: PodTracker, from: number, to: number): number {
  const at = [...tracker.times.values()]
    .filter((t) => t.created >= from && t.created < to && t.scheduled !== undefined)
    .map((t) => t.scheduled as number)
    .sort((a, b) => a - b);
  if (at.length < 2) return Number.NaN;
  const span = (at.at(-1) as number) - (at[0] as number);
  return span > 0 ? (at.length * 1000) / span : Number.NaN;
}

async function main(): Promise<void> {
  out(
    `density: ${nodes} simulated nodes on ${values.hosts} host(s), ${totalPods} pods in ${deploymentCount} Deployments of ${replicas}` +
      ` over ${namespaces} namespace(s); throttled at ${qps} pods/s for ${throttledDeployments * replicas} pods; load average ${load()}`,
  );
  // The first measurement also compiles the workload; taken before the plane starts, it
  // leaves the ones at the windows' edges warm, and says how fast the host was to begin with.
  const atStart = hostSpeed();
  out(
    `  host-speed reference before the plane starts: ${atStart.usPerUnit.toFixed(1)} µs per unit (median ${atStart.medianUsPerUnit.toFixed(1)}); load average ${load()}`,
  );
  const cpuPerPod: { unthrottled?: CpuPerPod; rollout?: CpuPerPod } = {};
  const startedAt = Date.now();
  const plane = await startPlane({
    nodes,
    simulatorHosts: positive('hosts', values.hosts),
    ...(values['tmp-dir'] ? { tmpDir: values['tmp-dir'] } : {}),
    onRestart: (name, code, signal) => out(`  ! ${name} exited (${signal ?? code}) and was restarted`),
  });
  const stopping = async () => {
    await plane.stop().catch(() => undefined);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      killEverything();
      process.exit(130);
    });
  const errors: string[] = [];
  const onError = (err: unknown) => {
    if (errors.length < 10) errors.push(err instanceof Error ? err.message : String(err));
  };
  const tracker = trackPods(plane.clients);
  const rec = record(plane, tracker, 2_000);
  let phase = 'starting';
  let metricsAtStart: Histograms | undefined;
  const ticker = progress(plane, tracker, rec, () => phase);
  try {
    await tracker.synced;
    out(`  plane up with ${nodes} nodes registered in ${s(Date.now() - startedAt)}`);
    if (idleMs > 0) await idleCost(plane, idleMs);
    const nodeNames = new Set(
      (await listAll<Node>(plane.clients, 'Node')).map((n) => n.metadata?.name ?? ''),
    );
    await forEachLimited(
      namespaces,
      8,
      (i) =>
        plane.clients
          .kind<Namespace>('Namespace')
          .create(
            Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsOf(i) } }),
          ),
      onError,
    );
    const deployments = plane.clients.kind<Deployment>('Deployment');
    const create = (i: number) =>
      deployments.create(benchDeployment(nsOf(i), nameOf(i), replicasOf(i), 'registry.k8s.io/pause:3.9'));
    metricsAtStart = parseHistograms(await plane.apiserverMetrics());

    // 1. Throttled.
    phase = 'throttled creation';
    rec.mark('throttled');
    out(`\nthrottled creation (${qps} pods/s asked for)`);
    const t1 = Date.now();
    const throttledPods = Math.min(totalPods, throttledDeployments * replicas);
    await paced(throttledDeployments, qps / replicas, 64, create, onError);
    await waitUntil('the throttled pods to run', () => tracker.running() >= throttledPods);
    const t1End = Date.now();
    const metricsThrottled = parseHistograms(await plane.apiserverMetrics());
    figure('pods running', `${tracker.running()} in ${s(t1End - t1)}`);
    const throttledP99 = startupFigures(tracker, t1, t1End, TARGETS.startupP99Ms);
    const throttledMutating = mutatingP99(subtract(metricsThrottled, metricsAtStart));
    figure(
      `API mutating calls p99 (slowest: ${throttledMutating.call})`,
      fmtMs(throttledMutating.p99 * 1000),
      `≤ ${TARGETS.mutatingP99Ms} ms`,
      throttledMutating.p99 * 1000 <= TARGETS.mutatingP99Ms,
    );

    // 2. Unthrottled.
    phase = 'unthrottled creation';
    rec.mark('unthrottled');
    out('\nunthrottled creation');
    const rest = deploymentCount - throttledDeployments;
    const unthrottledRef0 = hostSpeed();
    const unthrottledSampler = sampleHostSpeed();
    const t2 = Date.now();
    let t2Created = t2;
    const unthrottled = await measure(plane, async () => {
      await forEachLimited(rest, concurrency, (k) => create(throttledDeployments + k), onError);
      t2Created = Date.now();
      await waitUntil('every pod to run', () => tracker.running() >= totalPods);
    });
    const t2End = Date.now();
    const unthrottledSampled = unthrottledSampler.stop();
    const unthrottledRef = [unthrottledRef0, hostSpeed()] as const;
    const restPods = totalPods - throttledPods;
    const rate = (restPods * 1000) / Math.max(t2End - t2, 1);
    figure(`Deployments created (${rest})`, s(t2Created - t2));
    figure(
      `pods/s, first create to last running (${restPods} pods)`,
      rate.toFixed(0),
      `≥ ${TARGETS.createPodsPerS}/s`,
      rate >= TARGETS.createPodsPerS,
    );
    figure('scheduler throughput, pods/s', schedulerThroughput(tracker, t2, t2End).toFixed(0));
    startupFigures(tracker, t2, t2End);
    cpuPerPod.unthrottled = perPod(plane, unthrottled, restPods, unthrottledRef, unthrottledSampled);
    const afterCreate = await account(plane.clients, { running: true, nodes: nodeNames });
    check(`${afterCreate.deployments} Deployments, ${afterCreate.pods} pods after creation`, [
      ...afterCreate.problems,
      ...sameAsList(tracker, afterCreate.pods, totalPods),
    ]);

    // 3. Rolling update.
    phase = 'rolling update';
    rec.mark('rollout');
    out('\nrolling update of every Deployment');
    const seenBefore = new Set(tracker.times.keys());
    const rolloutRef0 = hostSpeed();
    const rolloutSampler = sampleHostSpeed();
    const t3 = Date.now();
    // A new image for every Deployment, until every pod is replaced and every Deployment says so.
    const rollout = await measure(plane, async () => {
      await forEachLimited(
        deploymentCount,
        concurrency,
        async (i) => {
          for (let attempt = 0; ; attempt++) {
            const d = await deployments.get(nsOf(i), nameOf(i));
            const c = d.spec?.template?.spec?.containers[0];
            if (c) c.image = 'registry.k8s.io/pause:3.10';
            try {
              return await deployments.update(d);
            } catch (err) {
              if (attempt > 5) throw err;
            }
          }
        },
        onError,
      );
      const newRunning = () => {
        let n = 0;
        for (const pod of tracker.live.values())
          if (
            pod.spec?.containers[0]?.image === 'registry.k8s.io/pause:3.10' &&
            pod.status?.phase === 'Running' &&
            !pod.metadata?.deletionTimestamp
          )
            n++;
        return n;
      };
      await waitUntil(
        'the rollout to replace every pod',
        () => newRunning() >= totalPods && tracker.live.size === totalPods,
      );
      await waitUntil('every Deployment to report its rollout', async () => {
        const list = await listAll<Deployment>(plane.clients, 'Deployment');
        return list.every(
          (d) =>
            d.status?.observedGeneration === d.metadata?.generation &&
            d.status?.updatedReplicas === d.spec?.replicas &&
            d.status?.availableReplicas === d.spec?.replicas &&
            d.status?.replicas === d.spec?.replicas,
        );
      });
    });
    const t3End = Date.now();
    const rolloutSampled = rolloutSampler.stop();
    const rolloutRef = [rolloutRef0, hostSpeed()] as const;
    const replaced = [...tracker.times.keys()].filter((uid) => !seenBefore.has(uid)).length;
    figure(
      `rolling update: pods replaced/s (${replaced} new pods)`,
      ((replaced * 1000) / Math.max(t3End - t3, 1)).toFixed(0),
    );
    figure('rolling update complete', s(t3End - t3));
    startupFigures(tracker, t3, t3End);
    cpuPerPod.rollout = perPod(plane, rollout, replaced, rolloutRef, rolloutSampled);
    const metricsRollout = parseHistograms(await plane.apiserverMetrics());
    const afterRollout = await account(plane.clients, { running: true, nodes: nodeNames });
    check(`${afterRollout.deployments} Deployments, ${afterRollout.pods} pods after the rolling update`, [
      ...afterRollout.problems,
      ...sameAsList(tracker, afterRollout.pods, totalPods),
    ]);

    out('\nAPI call latency over creation and rollout (apiserver /metrics)');
    for (const c of callLatencies(subtract(metricsRollout, metricsAtStart)).slice(0, 16)) {
      const mutating = isMutating(c.call);
      figure(
        `${c.call} ×${c.count} p50 ${fmtMs(c.p50 * 1000)}, p99`,
        fmtMs(c.p99 * 1000),
        mutating ? `≤ ${TARGETS.mutatingP99Ms} ms` : '',
        mutating ? c.p99 * 1000 <= TARGETS.mutatingP99Ms : undefined,
      );
    }

    out('\nAPI calls by count over creation and rollout (what scales with nodes × time shows here)');
    callCounts(subtract(metricsRollout, metricsAtStart));

    out('\ncomponents with every pod running');
    componentFigures(plane);

    // 4. Deletion.
    phase = 'deletion';
    rec.mark('deletion');
    out('\ndeletion of everything');
    const t4 = Date.now();
    await forEachLimited(
      deploymentCount,
      concurrency,
      (i) => deployments.delete(nsOf(i), nameOf(i), { propagationPolicy: 'Background' }),
      onError,
    );
    await waitUntil('every pod to go', () => tracker.live.size === 0);
    const t4End = Date.now();
    figure(`pods deleted/s (${totalPods})`, ((totalPods * 1000) / Math.max(t4End - t4, 1)).toFixed(0));
    await waitUntil(
      'every ReplicaSet to go',
      async () => (await listAll(plane.clients, 'ReplicaSet')).length === 0,
      60_000,
    );
    const left = await account(plane.clients, { running: false });
    check('nothing left after deletion', [
      ...left.problems,
      ...(left.pods === 0 ? [] : [`${left.pods} pods left`]),
      ...(left.deployments === 0 ? [] : [`${left.deployments} Deployments left`]),
      ...(tracker.duplicateAdds ? [`the watch saw ${tracker.duplicateAdds} pods added twice`] : []),
      ...(tracker.unknownDeletes ? [`the watch saw ${tracker.unknownDeletes} unknown pods deleted`] : []),
    ]);

    out('\nstore on disk');
    const before = plane.storeDiskBytes();
    const compacted = (await plane.storectl('compact')).trim();
    // LevelDB folds the discarded history away in the background: wait for its size to settle.
    let after = plane.storeDiskBytes();
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const now = plane.storeDiskBytes();
      if (now === after && i >= 4) break;
      after = now;
    }
    figure('store size before compaction', `${mib(before).toFixed(1)} MiB`);
    figure(`store size after compaction (${compacted})`, `${mib(after).toFixed(1)} MiB`);

    out('\ncomponents at the end');
    componentFigures(plane);
    if (errors.length > 0) {
      failures++;
      out(`\ncalls that failed (first ${errors.length}):`);
      for (const e of errors) out(`  ${e}`);
    }
    out(`\ntotal ${s(Date.now() - startedAt)}; load average ${load()}; watch relists ${tracker.relists}`);
    if (values.report) {
      rec.sample();
      const path = writeReport(values.report, {
        title: `Density: ${nodes} nodes, ${totalPods} pods`,
        subtitle: `${process.argv.slice(2).join(' ') || '(defaults)'}; throttled p99 ${throttledP99.toFixed(0)} ms; load average at the end ${load()}`,
        rows,
        timeline: rec.timeline,
        startupTargetMs: TARGETS.startupP99Ms,
        data: { hostSpeedAtStartUsPerUnit: atStart.usPerUnit, cpuPerPod },
      });
      out(`report: ${path}`);
    }
    out(failures === 0 ? 'density: every pod accounted for' : `density: FAILED (${failures} checks)`);
    if (failures > 0) process.exitCode = 1;
  } catch (err) {
    out(
      `\n${err instanceof Error ? err.message : String(err)}; ${tracker.live.size} pods, ${tracker.running()} running`,
    );
    if (metricsAtStart) {
      const until = await plane.apiserverMetrics().catch(() => undefined);
      if (until) {
        out('API calls by count from the first create until it failed');
        callCounts(subtract(parseHistograms(until), metricsAtStart));
      }
    }
    out('components when it failed');
    componentFigures(plane);
    throw err;
  } finally {
    clearInterval(ticker);
    rec.stop();
    tracker.stop();
    await stopping();
  }
}

function mutatingP99(h: Histograms): { call: string; p99: number } {
  let worst = { call: '-', p99: 0 };
  for (const c of callLatencies(h)) if (isMutating(c.call) && c.p99 > worst.p99) worst = c;
  return worst;
}

/** Whether the pods the watch holds are those a list returned. */
function sameAsList(tracker: PodTracker, listed: number, want: number): string[] {
  const problems: string[] = [];
  if (tracker.live.size !== listed)
    problems.push(`the watch holds ${tracker.live.size} pods, a list returned ${listed}`);
  if (listed !== want) problems.push(`${listed} pods listed, want ${want}`);
  if (tracker.duplicateAdds > 0) problems.push(`the watch saw ${tracker.duplicateAdds} pods added twice`);
  return problems;
}

/** The calls made most often, with their share of all calls: what scales with nodes × time stands out. */
function callCounts(h: Histograms): void {
  const byCount = callLatencies(h).sort((a, b) => b.count - a.count);
  const calls = byCount.reduce((n, c) => n + c.count, 0);
  for (const c of byCount.slice(0, 12))
    figure(`${c.call} p99 ${fmtMs(c.p99 * 1000)}`, `×${c.count} (${((100 * c.count) / calls).toFixed(0)}%)`);
}

function componentFigures(plane: Plane): void {
  for (const p of plane.processes()) {
    const rss = mib(p.residentBytes());
    const apiserver = p.name === 'apiserver';
    figure(
      `${p.name}: RSS, CPU ${p.cpuSeconds().toFixed(1)} s${p.starts > 1 ? `, ${p.starts} starts` : ''}`,
      `${rss.toFixed(0)} MiB`,
      apiserver ? `≤ ${TARGETS.apiserverRssMiB} MiB` : '',
      apiserver ? rss <= TARGETS.apiserverRssMiB : undefined,
    );
  }
}

try {
  await main();
} catch (err) {
  out(`density: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  killEverything();
  process.exitCode = 1;
}

/** Calls the apiserver has answered by method (`grpc_server_handled_total`, every code). */
function callsByMethod(metrics: string): Map<string, number> {
  const calls = new Map<string, number>();
  for (const m of metrics.matchAll(/^grpc_server_handled_total\{([^}]*)\}\s+(\S+)/gm)) {
    const method = /(?:^|,)grpc_method="([^"]*)"/.exec(m[1] ?? '')?.[1];
    if (method) calls.set(method, (calls.get(method) ?? 0) + Number(m[2]));
  }
  return calls;
}

/** What the plane did over a window: seconds, the apiserver's calls by method, CPU seconds per process. */
interface Window {
  readonly seconds: number;
  readonly calls: readonly (readonly [string, number])[];
  readonly cpu: readonly number[];
  /** CPU seconds of this process (the workload and its watch) over the window. */
  readonly ownCpu: number;
}

/** Measures the plane from now until `done` resolves. */
async function measure(plane: Plane, done: () => Promise<void>): Promise<Window> {
  const processes = plane.processes();
  const cpu0 = processes.map((p) => p.cpuSeconds());
  const own0 = process.cpuUsage();
  const calls0 = callsByMethod(await plane.apiserverMetrics());
  const t0 = Date.now();
  const since = async () => {
    const now = callsByMethod(await plane.apiserverMetrics());
    return new Map([...now].map(([method, n]) => [method, n - (calls0.get(method) ?? 0)]));
  };
  await done();
  const calls = [...(await since())].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  return {
    seconds: (Date.now() - t0) / 1000,
    calls,
    cpu: processes.map((p, i) => p.cpuSeconds() - (cpu0[i] ?? 0)),
    ownCpu: ((u) => (u.user + u.system) / 1e6)(process.cpuUsage(own0)),
  };
}

/** CPU per pod of one window, raw and in host-speed reference units, for the report's data. */
interface CpuPerPod {
  readonly pods: number;
  /** The reference at the window's start and end, µs per unit: fastest repetition, median. */
  readonly referenceUsPerUnit: readonly [number, number];
  readonly referenceMedianUsPerUnit: readonly [number, number];
  /** The reference sampled through the window (median of its bursts), µs per unit. */
  readonly sampledUsPerUnit: number;
  /** CPU ms per pod by process, `plane` their sum, `benchmark` this process. */
  readonly msPerPod: Record<string, number>;
  /** The same divided by the reference: how many reference units of CPU a pod cost. */
  readonly unitsPerPod: Record<string, number>;
  /** The same divided by the reference sampled through the window. */
  readonly sampledUnitsPerPod: Record<string, number>;
}

/**
 * What each pod of a window cost: CPU ms per pod of every process (from /proc at the
 * window's edges, so time spent waiting for a core is not counted) and the apiserver's
 * calls per pod by method — the figures that say where a pods/s ceiling comes from.
 * Beside them, the host-speed reference measured at the window's edges and the CPU per
 * pod divided by it (their mean): the figure to compare across runs, as the machine's
 * speed moves between them and the reference moves with it.
 */
function perPod(
  plane: Plane,
  w: Window,
  pods: number,
  reference: readonly [HostSpeed, HostSpeed],
  sampled: SampledHostSpeed,
): CpuPerPod {
  const processes = plane.processes();
  const per = (cpu: number) => (1000 * cpu) / Math.max(1, pods);
  const total = w.cpu.reduce((a, b) => a + b, 0);
  const msPerPod: Record<string, number> = { plane: per(total) };
  processes.forEach((p, i) => {
    msPerPod[p.name] = per(w.cpu[i] ?? 0);
  });
  // Less the sampler's bursts, which ran in this process during the window.
  msPerPod.benchmark = per(w.ownCpu - sampled.costMs / 1000);
  const [r0, r1] = reference;
  const usPerUnit = (r0.usPerUnit + r1.usPerUnit) / 2;
  // ms per pod over µs per unit: units per pod, once ms are counted in µs.
  const inUnits = (us: number) =>
    Object.fromEntries(Object.entries(msPerPod).map(([name, ms]) => [name, (1000 * ms) / us]));
  const unitsPerPod = inUnits(usPerUnit);
  const sampledUnitsPerPod = inUnits(sampled.usPerUnit);
  const byProcess = (figures: Record<string, number>, digits: number) =>
    `${figures.plane?.toFixed(digits)}; ${processes.map((p) => `${p.name} ${figures[p.name]?.toFixed(digits)}`).join(', ')}; ` +
    `(the benchmark itself ${figures.benchmark?.toFixed(digits)})`;
  figure('CPU ms per pod (whole plane; by process)', byProcess(msPerPod, 2));
  figure(
    '  host-speed reference µs/unit (start → end; medians)',
    `${r0.usPerUnit.toFixed(1)} → ${r1.usPerUnit.toFixed(1)}; ${r0.medianUsPerUnit.toFixed(1)} → ${r1.medianUsPerUnit.toFixed(1)}`,
  );
  figure('  CPU per pod in reference units (plane; by process)', byProcess(unitsPerPod, 0));
  figure(
    `  reference sampled through the window µs/unit (${sampled.bursts} bursts)`,
    sampled.usPerUnit.toFixed(1),
  );
  figure('  CPU per pod in sampled units (plane; by process)', byProcess(sampledUnitsPerPod, 0));
  figure(
    '  cores busy over the window (plane; with the benchmark)',
    `${(total / Math.max(w.seconds, 1e-3)).toFixed(2)}; ${((total + w.ownCpu) / Math.max(w.seconds, 1e-3)).toFixed(2)}`,
  );
  const calls = w.calls.reduce((a, [, n]) => a + n, 0);
  figure(
    `  apiserver calls per pod (${(calls / Math.max(1, pods)).toFixed(2)} in all)`,
    w.calls
      .slice(0, 8)
      .map(([method, n]) => `${method} ${(n / Math.max(1, pods)).toFixed(2)}`)
      .join(', ') || '-',
  );
  return {
    pods,
    referenceUsPerUnit: [r0.usPerUnit, r1.usPerUnit],
    referenceMedianUsPerUnit: [r0.medianUsPerUnit, r1.medianUsPerUnit],
    sampledUsPerUnit: sampled.usPerUnit,
    msPerPod,
    unitsPerPod,
    sampledUnitsPerPod,
  };
}

function callsPerSecond(w: Window): string {
  return (
    w.calls
      .slice(0, 6)
      .map(([method, n]) => `${method} ${(n / w.seconds).toFixed(1)}`)
      .join(', ') || '-'
  );
}

/**
 * The plane with nodes and no pods: each component's CPU per second and per Lease
 * renewal, and the apiserver's calls by method (what the heartbeats are made of). The
 * first lease round (every node's Lease created, within one renewal interval of
 * registration) is measured apart: it costs a create per node, not a renewal, and
 * counted against renewals it made the heartbeats look several times dearer than they
 * are. Then `ms` of steady renewals.
 */
async function idleCost(plane: Plane, ms: number): Promise<void> {
  out(`\nheartbeats alone (no pods; load average ${load()})`);
  const processes = plane.processes();
  const firstRound = await measure(plane, async () => {
    // Until every node's Lease exists (Leases created since the apiserver started: the
    // nodes' and a few of leader election), or a minute.
    const until = Date.now() + 60_000;
    while (
      Date.now() < until &&
      (callsByMethod(await plane.apiserverMetrics()).get('CreateLease') ?? 0) < nodes
    )
      await new Promise((resolve) => setTimeout(resolve, 500));
  });
  const sum = (cpu: readonly number[]) => cpu.reduce((a, b) => a + b, 0);
  figure(
    'first lease round: s, whole plane % of a core',
    `${firstRound.seconds.toFixed(1)} s, ${((100 * sum(firstRound.cpu)) / firstRound.seconds).toFixed(1)} %`,
  );
  figure('  apiserver calls/s by method', callsPerSecond(firstRound));

  const steady = await measure(plane, () => new Promise((resolve) => setTimeout(resolve, ms)));
  const updates = steady.calls.find(([method]) => method === 'UpdateLease')?.[1] ?? 0;
  const all = steady.calls.reduce((total, [, n]) => total + n, 0);
  figure(`steady: Lease renewals/s over ${s(ms)}`, (updates / steady.seconds).toFixed(1));
  figure('  apiserver calls/s by method', callsPerSecond(steady));
  processes.forEach((p, i) => {
    const cpu = steady.cpu[i] ?? 0;
    figure(
      `  ${p.name}: % of a core, CPU ms per renewal`,
      `${((100 * cpu) / steady.seconds).toFixed(1)} %, ${((1000 * cpu) / Math.max(1, updates)).toFixed(2)} ms` +
        (p.name === 'apiserver' ? `, ${((1000 * cpu) / Math.max(1, all)).toFixed(2)} ms per call` : ''),
    );
  });
  figure('  whole plane: % of a core', `${((100 * sum(steady.cpu)) / steady.seconds).toFixed(1)} %`);
  out(`  load average ${load()}`);
}
