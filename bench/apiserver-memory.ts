/**
 * `npm run bench:apiserver-memory`: what the apiserver's memory costs per pod. One store
 * and one apiserver (test/cluster.ts), no controllers and no kubelets: this process writes
 * each pod as the plane would (created as a ReplicaSet's, bound to one of a few Nodes, then
 * given a Running status), while one list+watch of every pod follows, as an informer does.
 * The apiserver runs with bench/memory-probe.mjs preloaded, which on a signal collects its
 * garbage and reports its heap: so each figure is read after a full collection, in the
 * same way each time, and the RSS V8 kept before that collection is reported beside it.
 *
 * Three readings: with the Nodes and no pod (the base), right after the load (the watch
 * cache's history then holds the last writes), and once the history has aged out (75 s):
 * the difference to the base, per pod, is what a pod costs held, with and without its
 * recent events. Progress goes to stderr, the table to stdout.
 */
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runningStatus } from '../kubelet/simulated/pod-status.js';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { BindPodRequest } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { resolveResource } from '../sdk/kinds.js';
import { startCluster } from '../test/cluster.js';
import { closedLoop } from './load.js';

const usage = `Usage: npm run bench:apiserver-memory -- [options]

  --pods N            pods written (default 30000)
  --nodes N           Node objects the pods are bound to (default 10)
  --namespaces N      namespaces the pods are spread over (default 10)
  --pods-per-owner N  pods per ReplicaSet (labels, owner) as a density run's (default 10)
  --concurrency N     writes in flight (default 64)
  --history-wait S    seconds to wait for the history to age out before the last reading
                      (default 80; 0 skips that reading)
  --no-watch          no list+watch of the pods during the load
  --snapshot          also write a heap snapshot at each reading (into --keep-dir): it
                      stops the apiserver for minutes on a large heap, use a small --pods
  --v8-flags=FLAGS    V8 flags the apiserver sets at start (v8.setFlagsFromString), to compare
  --apiserver-args A  extra apiserver flags, space-separated
  --keep-dir DIR      keep the probe reports (and snapshots) in DIR
`;

const progress = (line: string) => process.stderr.write(`${line}\n`);
const here = new URL('.', import.meta.url).pathname;
const KiB = 1024;
const MiB = 1024 * 1024;

interface Probe {
  readonly before: { rss: number; heapUsed: number; heapTotal: number; external: number };
  readonly after: {
    rss: number;
    heapUsed: number;
    heapTotal: number;
    external: number;
    arrayBuffers: number;
  };
  readonly gcMs: number;
  readonly spaces: { space_name: string; space_size: number; space_used_size: number }[];
}

function parseFlags() {
  const { values } = parseArgs({
    options: {
      pods: { type: 'string', default: '30000' },
      nodes: { type: 'string', default: '10' },
      namespaces: { type: 'string', default: '10' },
      'pods-per-owner': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '64' },
      'history-wait': { type: 'string', default: '80' },
      'no-watch': { type: 'boolean', default: false },
      snapshot: { type: 'boolean', default: false },
      'v8-flags': { type: 'string', default: '' },
      'apiserver-args': { type: 'string', default: '' },
      'keep-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const int = (name: keyof typeof values, min: number) => {
    const n = Number(values[name]);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  return {
    pods: int('pods', 1),
    nodes: int('nodes', 1),
    namespaces: int('namespaces', 1),
    podsPerOwner: int('pods-per-owner', 1),
    concurrency: int('concurrency', 1),
    historyWaitS: int('history-wait', 0),
    watch: !values['no-watch'],
    snapshot: values.snapshot,
    v8Flags: values['v8-flags'],
    apiserverArgs: values['apiserver-args'].split(' ').filter((a) => a !== ''),
    keepDir: values['keep-dir'],
  };
}

/** A pod as a ReplicaSet of a density run's Deployment creates it. */
function replicaSetPod(namespace: string, owner: number, i: number): Pod {
  const hash = (0x5f6d7c8b + owner * 7919).toString(16).slice(-10);
  const app = `density-${owner}`;
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `${app}-${hash}-${i.toString(36)}`,
      namespace,
      labels: { app, bench: 'scale', 'pod-template-hash': hash },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: `${app}-${hash}`,
          uid: `00000000-0000-4000-8000-${owner.toString(16).padStart(12, '0')}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      terminationGracePeriodSeconds: '0',
      containers: [
        {
          name: 'main',
          image: 'registry.k8s.io/pause:3.9',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
  });
}

const probeSeen = new Set<string>();

/** Signals the apiserver's probe and waits for its report (a new file in `dir`). */
async function probe(pid: number, dir: string, timeoutMs = 600_000): Promise<Probe> {
  process.kill(pid, 'SIGUSR2');
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    for (let n = 1; n < 100; n++) {
      const file = join(dir, `memory-${pid}-${n}.json`);
      if (probeSeen.has(file)) continue;
      try {
        statSync(file);
      } catch {
        break;
      }
      probeSeen.add(file);
      return JSON.parse(readFileSync(file, 'utf8')) as Probe;
    }
    if (performance.now() > deadline) throw new Error(`no memory report from ${pid} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function residentBytes(pid: number): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** CPU seconds of a process so far (utime + stime). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const mib = (b: number) => (b / MiB).toFixed(1);
const kib = (b: number) => (b / KiB).toFixed(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const opts = parseFlags();
  const dir = opts.keepDir ?? join(tmpdir(), `apiserver-memory-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  const loadStart = loadavg()[0] ?? 0;
  // Through NODE_OPTIONS, so both processes preload the probe; only the apiserver is signalled.
  const saved = { ...process.env };
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${join(here, 'memory-probe.mjs')}`;
  process.env.BENCH_MEMORY_DIR = dir;
  if (opts.snapshot) process.env.BENCH_MEMORY_SNAPSHOT = '1';
  if (opts.v8Flags) process.env.BENCH_V8_FLAGS = opts.v8Flags;
  progress('starting store and apiserver');
  const cluster = await startCluster({ apiserverArgs: opts.apiserverArgs, logLevel: 'error' });
  for (const k of ['NODE_OPTIONS', 'BENCH_MEMORY_DIR', 'BENCH_MEMORY_SNAPSHOT', 'BENCH_V8_FLAGS'])
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  const clientsets: Clientset[] = [];
  const clientsOf = (component: string) => {
    const c = createClientset(cluster.admin, { component });
    clientsets.push(c);
    return c;
  };
  const controller = clientsOf('kube-controller-manager');
  const scheduler = clientsOf('wheelhouse-scheduler');
  const kubelet = clientsOf('kubelet');
  const watchAbort = new AbortController();
  let watching: Promise<void> = Promise.resolve();
  try {
    const pid = cluster.apiserverPid;
    const namespaces = Array.from({ length: opts.namespaces }, (_, i) => `density-${i}`);
    for (const name of namespaces)
      await controller
        .kind<Namespace>('Namespace')
        .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    for (let n = 0; n < opts.nodes; n++) {
      await kubelet
        .kind<Node>('Node')
        .create(Node.fromPartial({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${n}` } }));
    }
    await sleep(2_000);
    progress('reading the base');
    const base = await probe(pid, dir);

    let watched = 0;
    if (opts.watch) {
      const info = resolveResource('pods')!;
      const list = await controller.kind<Pod>('Pod').list('', {});
      watching = (async () => {
        try {
          for await (const events of controller.api.watchMessages(
            info,
            '',
            { resourceVersion: list.resourceVersion, allowWatchBookmarks: true },
            watchAbort.signal,
          ))
            watched += events.length;
        } catch (err) {
          if (!watchAbort.signal.aborted) progress(`the watch ended: ${String(err)}`);
        }
      })();
    }

    const pods = controller.kind<Pod>('Pod');
    const podInfo = resolveResource('pods')!;
    progress(`writing ${opts.pods} pods (create, bind, status) with ${opts.concurrency} in flight`);
    const t0 = performance.now();
    const cpu0 = cpuSeconds(pid);
    // RSS as V8 lets it grow between collections, sampled while the load runs.
    const rssSamples: number[] = [];
    const sampler = setInterval(() => rssSamples.push(residentBytes(pid)), 2_000);
    sampler.unref();
    const now = new Date();
    const load = await closedLoop(
      { concurrency: opts.concurrency, durationMs: 3_600_000, maxOps: opts.pods },
      async (i) => {
        const owner = Math.floor(i / opts.podsPerOwner);
        const namespace = namespaces[owner % namespaces.length]!;
        const created = await pods.create(replicaSetPod(namespace, owner, i));
        const name = created.metadata!.name;
        const node = `node-${i % opts.nodes}`;
        const bound = (await scheduler.api.call(
          podInfo,
          'bindPod',
          BindPodRequest.fromPartial({
            binding: { metadata: { name, namespace }, target: { kind: 'Node', name: node } },
          }),
        )) as { pod?: Pod };
        const pod = bound.pod ?? created;
        const n = i % 60_000;
        await kubelet.kind<Pod>('Pod').updateStatus({
          ...pod,
          status: runningStatus(pod, {
            hostIP: `10.0.${(i % opts.nodes) >> 8}.${(i % opts.nodes) & 255}`,
            podIP: `10.${128 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`,
            now,
          }),
        });
        if ((i + 1) % 5000 === 0) progress(`  ${i + 1} pods written`);
      },
    );
    if (load.ok !== opts.pods) throw new Error(`wrote ${load.ok} pods: ${load.firstError}`);
    const loadS = (performance.now() - t0) / 1000;
    const loadCpuS = cpuSeconds(pid) - cpu0;
    clearInterval(sampler);
    const rssMean = rssSamples.reduce((a, b) => a + b, 0) / Math.max(1, rssSamples.length);
    const rssPeak = Math.max(0, ...rssSamples);
    progress(`wrote ${opts.pods} pods in ${loadS.toFixed(0)} s; the watch saw ${watched} events`);
    await sleep(3_000);
    progress('reading after the load');
    const loaded = await probe(pid, dir);
    let aged: Probe | undefined;
    if (opts.historyWaitS > 0) {
      progress(`waiting ${opts.historyWaitS} s for the history to age out`);
      await sleep(opts.historyWaitS * 1000);
      aged = await probe(pid, dir);
    }
    const loadEnd = loadavg()[0] ?? 0;

    const space = (p: Probe, name: string) => p.spaces.find((s) => s.space_name === name);
    const row = (label: string, p: Probe) =>
      `| ${label} | ${mib(p.before.rss)} | ${mib(p.after.rss)} | ${mib(p.after.heapUsed)} | ${mib(p.after.heapTotal)} | ${mib(space(p, 'old_space')?.space_used_size ?? 0)} | ${mib(p.after.external)} | ${mib(p.after.arrayBuffers)} | ${p.gcMs.toFixed(0)} |`;
    const perPod = (label: string, p: Probe) =>
      `| ${label} | ${kib((p.before.rss - base.before.rss) / opts.pods)} | ${kib((p.after.rss - base.after.rss) / opts.pods)} | ${kib((p.after.heapUsed - base.after.heapUsed) / opts.pods)} | ${kib((p.after.heapTotal - base.after.heapTotal) / opts.pods)} | ${kib((p.after.external - base.after.external) / opts.pods)} |`;
    const out = [
      `apiserver memory, ${opts.pods} pods on ${opts.nodes} nodes in ${opts.namespaces} namespaces${opts.watch ? ', one list+watch of all pods' : ''}${opts.v8Flags ? `, V8 flags ${opts.v8Flags}` : ''}${opts.apiserverArgs.length > 0 ? `, apiserver ${opts.apiserverArgs.join(' ')}` : ''}`,
      '',
      '| reading | RSS before GC, MiB | RSS after GC | heap used | heap total | old space used | external | array buffers | GC ms |',
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      row('base (nodes, no pod)', base),
      row('after the load', loaded),
      ...(aged ? [row(`after ${opts.historyWaitS} s idle`, aged)] : []),
      '',
      '| per pod, KiB (minus the base) | RSS before GC | RSS after GC | heap used | heap total | external |',
      '| --- | --- | --- | --- | --- | --- |',
      perPod('after the load', loaded),
      ...(aged ? [perPod(`after ${opts.historyWaitS} s idle`, aged)] : []),
      '',
      `Load: ${opts.pods * 3} writes in ${loadS.toFixed(0)} s (${((opts.pods * 3) / loadS).toFixed(0)}/s), apiserver CPU ${loadCpuS.toFixed(1)} s (${((loadCpuS * 1000) / (opts.pods * 3)).toFixed(2)} ms a write), apiserver RSS during the load mean ${mib(rssMean)} MiB, peak ${mib(rssPeak)} MiB (every 2 s); load average ${loadStart.toFixed(1)} at the start, ${loadEnd.toFixed(1)} at the end; Node ${process.version}.`,
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    watchAbort.abort();
    await watching;
    for (const c of clientsets) c.close();
    await cluster.stop();
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
