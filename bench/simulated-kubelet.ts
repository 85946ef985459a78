/**
 * The simulated kubelet at scale: a real store and apiserver, `wheelhouse kubelet
 * --simulate --nodes N`, then P pods created at full speed, each already bound to a
 * simulated node (round robin), so that what is measured is the simulator and the API,
 * not a scheduler. Prints the time to register the nodes, pod bound→Running latency
 * (creationTimestamp to the Running and Ready status seen through a watch) p50/p90/p99,
 * creation and Running rates, the Lease write rate seen through a watch once the pods
 * run, and the simulator's resident memory and CPU seconds, with the load average.
 *
 *   node --import tsx bench/simulated-kubelet.ts [--nodes 1000] [--pods 10000]
 *        [--concurrency 64] [--lease-window 20s] [--timeout 10m]
 */

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { startSimulator } from '../kubelet/simulated/simulator-process.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { parseDurationMs } from '../sdk/duration.js';
import type { Lease } from '../sdk/gen/wheelhouse/coordination/v1/lease.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { startCluster } from '../test/cluster.js';
import { residentBytes } from './process-memory.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    pods: { type: 'string', default: '10000' },
    concurrency: { type: 'string', default: '64' },
    'lease-window': { type: 'string', default: '20s' },
    timeout: { type: 'string', default: '10m' },
  },
});
const nodeCount = Number(values.nodes);
const podCount = Number(values.pods);
const concurrency = Number(values.concurrency);
const deadline = Date.now() + parseDurationMs(values.timeout);

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

function podOf(i: number): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `sim-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: {
      nodeName: `sim-node-${i % nodeCount}`,
      containers: [
        { name: 'c', image: 'nginx:1.27', resources: { requests: { cpu: '10m', memory: '16Mi' } } },
      ],
    },
  });
}

const cluster = await startCluster({ logLevel: 'error' });
const clients = createClientset(cluster.admin, { component: 'bench-simulated-kubelet' });
const watching = new AbortController();
let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
try {
  process.stdout.write(`simulated kubelet: ${nodeCount} nodes, ${podCount} pods (load average ${load()})\n`);
  const registerStart = Date.now();
  simulator = await startSimulator(cluster, {
    nodes: nodeCount,
    logLevel: 'error',
    registerTimeoutMs: Math.max(60_000, deadline - Date.now()),
  });
  const registerMs = Date.now() - registerStart;
  const pid = simulator.pid;
  process.stdout.write(
    `  ${nodeCount} nodes registered in ${(registerMs / 1000).toFixed(1)} s (process start included); simulator ${mib(residentBytes(pid))}, ${cpuSeconds(pid).toFixed(1)} CPU s\n`,
  );

  // Running times through a watch, from before the first create.
  const pods = clients.kind<Pod>('Pod');
  const runningAt = new Map<string, number>();
  const latencies: number[] = [];
  let allRunning: () => void = () => undefined;
  const everyPodRunning = new Promise<void>((resolve) => {
    allRunning = resolve;
  });
  const start = await pods.list('default', { limit: '1' });
  void (async () => {
    for await (const event of pods.watch(
      'default',
      { resourceVersion: start.resourceVersion },
      watching.signal,
    )) {
      const pod = event.object;
      const name = pod?.metadata?.name ?? '';
      if (!pod || runningAt.has(name)) continue;
      const ready = pod.status?.conditions.some((c) => c.type === 'Ready' && c.status === 'True');
      if (pod.status?.phase !== 'Running' || !ready) continue;
      const now = Date.now();
      runningAt.set(name, now);
      latencies.push(now - (pod.metadata?.creationTimestamp?.getTime() ?? now));
      if (runningAt.size === podCount) allRunning();
    }
  })().catch(() => undefined);

  const cpuBefore = cpuSeconds(pid);
  const createStart = Date.now();
  let next = 0;
  let created = 0;
  const progress = setInterval(() => {
    process.stdout.write(
      `  … ${created} created, ${runningAt.size} running, simulator ${mib(residentBytes(pid))}, load ${load()}\n`,
    );
  }, 10_000);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < podCount && Date.now() < deadline) {
        const i = next++;
        await pods.create(podOf(i));
        created++;
      }
    }),
  );
  const createMs = Date.now() - createStart;
  await Promise.race([
    everyPodRunning,
    new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now()))),
  ]);
  clearInterval(progress);
  const runMs = Date.now() - createStart;
  const cpuPods = cpuSeconds(pid) - cpuBefore;
  const rssPods = residentBytes(pid);
  latencies.sort((a, b) => a - b);
  process.stdout.write(
    `  created ${created} pods in ${(createMs / 1000).toFixed(1)} s (${((created * 1000) / createMs).toFixed(0)} pods/s); ${runningAt.size} Running and Ready after ${(runMs / 1000).toFixed(1)} s (${((runningAt.size * 1000) / runMs).toFixed(0)} pods/s)\n`,
  );
  process.stdout.write(
    `  bound→Running (creationTimestamp → Ready seen by a watch): p50 ${percentile(latencies, 50)} ms, p90 ${percentile(latencies, 90)} ms, p99 ${percentile(latencies, 99)} ms, max ${latencies.at(-1)} ms\n`,
  );
  process.stdout.write(
    `  simulator while pods started: ${cpuPods.toFixed(1)} CPU s, ${mib(rssPods)} resident\n`,
  );

  // Steady state: only heartbeats.
  const leases = clients.kind<Lease>('Lease');
  const windowMs = parseDurationMs(values['lease-window']);
  const leaseStart = await leases.list('kube-node-lease', { limit: '1' });
  let leaseWrites = 0;
  const leaseWatch = new AbortController();
  void (async () => {
    for await (const event of leases.watch(
      'kube-node-lease',
      { resourceVersion: leaseStart.resourceVersion },
      leaseWatch.signal,
    )) {
      if (event.object && event.type !== undefined) leaseWrites++;
    }
  })().catch(() => undefined);
  const cpuIdle = cpuSeconds(pid);
  await new Promise((r) => setTimeout(r, windowMs));
  leaseWatch.abort();
  const idleCpu = cpuSeconds(pid) - cpuIdle;
  process.stdout.write(
    `  steady state over ${windowMs / 1000} s: ${(leaseWrites / (windowMs / 1000)).toFixed(1)} lease writes/s (expected ${(nodeCount / 10).toFixed(0)}/s), simulator ${((idleCpu * 100) / (windowMs / 1000)).toFixed(1)}% of a core, ${mib(residentBytes(pid))} resident\n`,
  );
  process.stdout.write(`  load average at the end: ${load()}\n`);
  if (runningAt.size < podCount) {
    process.stdout.write(`  INCOMPLETE: ${podCount - runningAt.size} pods not Running before the timeout\n`);
    process.exitCode = 1;
  }
} finally {
  watching.abort();
  await simulator?.stop();
  clients.close();
  await cluster.stop();
}
