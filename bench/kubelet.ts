/**
 * `npm run bench:kubelet`: pod startup latency through one kubelet, as Kubernetes' pod
 * startup SLI measures it — each pod timed from its create to the first watch event
 * that shows it Running with every container started — for 100 pods created at 10
 * pods/s, p50 and p99. Beside it, in the same run, the runtime's own time to start the
 * same containers without the kubelet (sandbox + create + start, called directly), and
 * the kubelet's resident memory and CPU time once the pods run.
 *
 * Runtimes: the process runtime always; containerd when it can run here (see
 * test/containerd.ts). `--runtime process|containerd` picks one; `PODS` and `RATE`
 * change the load; `CPU_PROF=<dir>` writes a CPU profile of the kubelet; `TRACE=1` prints
 * every status each pod goes through; `RESULTS=<file>` appends each run's raw durations.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { kubeletComponent, LOOPBACK, nodeArgs } from '../cli/up/components.js';
import { createCriRuntime } from '../kubelet/runtime/cri/cri-runtime.js';
import { createProcessRuntime } from '../kubelet/runtime/process/process-runtime.js';
import type { ContainerRuntime } from '../kubelet/runtime/runtime.js';
import { containerConfig, sandboxConfig } from '../kubelet/runtime/runtime-conformance.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { writeClientConfig } from '../sdk/client-config.js';
import { PullImageRequest } from '../sdk/gen/runtime/v1/api.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { startCluster } from '../test/cluster.js';
import { type Containerd, containerdUnavailable, startContainerd } from '../test/containerd.js';

const { values } = parseArgs({ options: { runtime: { type: 'string' } } });
const count = Number(process.env.PODS ?? '100');
const rate = Number(process.env.RATE ?? '10');
const entry = join(new URL('..', import.meta.url).pathname, 'bin/wheelhouse.js');

interface Result {
  runtime: string;
  direct: number[];
  kubelet: number[];
  running: number;
  rssMiB: number;
  cpuSeconds: number;
}

const quantile = (sorted: number[], f: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))] ?? Number.NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Calls `start(i)` `count` times at `rate` per second and collects each one's duration. */
async function paced(start: (i: number) => Promise<void>): Promise<number[]> {
  const durations: number[] = [];
  const runs: Promise<void>[] = [];
  const t0 = Date.now();
  for (let i = 0; i < count; i++) {
    await sleep(Math.max(0, t0 + (i * 1000) / rate - Date.now()));
    const begin = Date.now();
    runs.push(start(i).then(() => void durations.push(Date.now() - begin)));
  }
  await Promise.all(runs);
  return durations.sort((a, b) => a - b);
}

/** The runtime alone: one sandbox and one container per pod, started as the kubelet would. */
async function direct(rt: ContainerRuntime, image: string, logDir: string): Promise<number[]> {
  const sandboxes: string[] = [];
  try {
    return await paced(async (i) => {
      const config = sandboxConfig(`direct-${i}`, join(logDir, String(i)));
      const { podSandboxId } = await rt.runPodSandbox({ config, runtimeHandler: '' });
      sandboxes.push(podSandboxId);
      const { containerId } = await rt.createContainer({
        podSandboxId,
        config: containerConfig('c', image, 'exec sleep 600'),
        sandboxConfig: config,
      });
      await rt.startContainer({ containerId });
    });
  } finally {
    for (const id of sandboxes) {
      await rt.stopPodSandbox({ podSandboxId: id }).catch(() => undefined);
      await rt.removePodSandbox({ podSandboxId: id }).catch(() => undefined);
    }
  }
}

function usage(pid: number): { rssMiB: number; cpuSeconds: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const rssKb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return {
    rssMiB: Math.round(Number(rssKb) / 1024),
    cpuSeconds: (Number(stat[11]) + Number(stat[12])) / 100,
  };
}

/** The kubelet as a process, pods created through the apiserver and watched until Running. */
async function throughKubelet(
  name: string,
  image: string,
  extraArgs: string[],
): Promise<Omit<Result, 'runtime' | 'direct'>> {
  const cluster = await startCluster();
  let kubelet: ChildProcess | undefined;
  const clients = createClientset(cluster.admin, { component: 'bench' });
  const pods = clients.kind<Pod>('Pod');
  const watching = new AbortController();
  try {
    const kubeconfig = join(cluster.dir, 'kubelet-node-1.yaml');
    const cert = cluster.pki.kubelets['node-1']?.client;
    if (!cert) throw new Error('no kubelet certificate');
    writeClientConfig(kubeconfig, {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: cert.certFile,
      clientKey: cert.keyFile,
    });
    const layout = {
      dataDir: cluster.dir,
      pki: cluster.pki,
      host: LOOPBACK,
      storePort: 0,
      apiserverPort: 0,
      storeMetricsPort: 0,
    };
    const spec = kubeletComponent(layout, { name: 'node-1', kubeconfig, kubeletPort: 0, healthPort: 0 });
    const profile = process.env.CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.CPU_PROF}`] : [];
    // As a node shutting down: whatever pod is still there when the bench ends is stopped,
    // so no container of this run outlives it.
    const args = [...extraArgs, '--stop-pods-on-exit'];
    const child = spawn(process.execPath, [...profile, ...nodeArgs(spec, entry, args)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' },
    });
    kubelet = child;
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the kubelet exited (${code}) before registering`)));
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('registered') && resolve());
    });

    const created = new Map<string, number>();
    const latencies: number[] = [];
    let allRunning: () => void = () => undefined;
    const done = new Promise<void>((resolve) => {
      allRunning = resolve;
    });
    const { resourceVersion } = await pods.list('default');
    void (async () => {
      for await (const event of pods.watch('default', { resourceVersion }, watching.signal)) {
        const p = event.object;
        const podName = p?.metadata?.name ?? '';
        const at = created.get(podName);
        // TRACE=1: every status a pod goes through, to see where its startup waits.
        if (process.env.TRACE && at !== undefined) {
          const states = p?.status?.containerStatuses.map((c) => (c.state?.running ? 'running' : 'waiting'));
          process.stderr.write(
            `${podName} +${Date.now() - at} ms ${p?.status?.phase} ${states?.join(',')}\n`,
          );
        }
        if (at === undefined || p?.status?.phase !== 'Running') continue;
        if (!p.status.containerStatuses.every((c) => c.started === true)) continue;
        created.delete(podName);
        latencies.push(Date.now() - at);
        if (latencies.length === count) allRunning();
      }
    })().catch(() => undefined);

    await paced(async (i) => {
      const podName = `bench-${i}`;
      created.set(podName, Date.now());
      await pods.create(
        Pod.fromPartial({
          metadata: { name: podName, namespace: 'default' },
          spec: {
            nodeName: 'node-1',
            hostNetwork: true,
            containers: [{ name: 'c', image, imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'] }],
          },
        }),
      );
    });
    await Promise.race([done, sleep(120_000)]);
    const { rssMiB, cpuSeconds } = usage(child.pid ?? 0);
    for (let i = 0; i < count; i++)
      await pods.delete('default', `bench-${i}`, { gracePeriodSeconds: '0' }).catch(() => undefined);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await pods.list('default')).items.length > 0) await sleep(200);
    return { kubelet: latencies.sort((a, b) => a - b), running: latencies.length, rssMiB, cpuSeconds };
  } finally {
    watching.abort();
    if (kubelet && kubelet.exitCode === null) {
      const exited = new Promise((r) => kubelet?.once('exit', r));
      kubelet.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    clients.close();
    await cluster.stop();
    void name;
  }
}

const results: Result[] = [];
const wanted = values.runtime;

if (!wanted || wanted === 'process') {
  const root = mkdtempSync(join(tmpdir(), 'wh-bench-rt-'));
  try {
    const rt = createProcessRuntime({ root: join(root, 'runtime') });
    const directTimes = await direct(rt, 'sh', join(root, 'logs'));
    results.push({ runtime: 'process', direct: directTimes, ...(await throughKubelet('process', 'sh', [])) });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (!wanted || wanted === 'containerd') {
  const reason = containerdUnavailable();
  if (reason) {
    process.stdout.write(`containerd: skipped (${reason})\n`);
  } else {
    let containerd: Containerd | undefined;
    const logs = mkdtempSync(join(tmpdir(), 'wh-bench-cri-'));
    try {
      containerd = await startContainerd();
      const rt = createCriRuntime({ endpoint: containerd.endpoint });
      await rt.pullImage(PullImageRequest.fromPartial({ image: { image: containerd.busybox } }));
      const directTimes = await direct(rt, containerd.busybox, logs);
      await rt.close();
      results.push({
        runtime: 'containerd',
        direct: directTimes,
        ...(await throughKubelet('containerd', containerd.busybox, [
          '--container-runtime-endpoint',
          containerd.endpoint,
        ])),
      });
    } finally {
      await containerd?.stop();
      rmSync(logs, { recursive: true, force: true });
    }
  }
}

const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
// RESULTS=<file>: each run's raw durations appended as a JSON line, to pool several runs.
if (process.env.RESULTS) appendFileSync(process.env.RESULTS, `${JSON.stringify({ load, results })}\n`);
process.stdout.write(
  `\npod startup, ${count} pods at ${rate}/s on one node (load average ${load})\n` +
    'runtime     running  kubelet p50/p99 ms   runtime alone p50/p99 ms   kubelet RSS  kubelet CPU\n',
);
for (const r of results) {
  process.stdout.write(
    `${r.runtime.padEnd(11)} ${`${r.running}/${count}`.padEnd(8)} ` +
      `${`${quantile(r.kubelet, 0.5)} / ${quantile(r.kubelet, 0.99)}`.padEnd(20)} ` +
      `${`${quantile(r.direct, 0.5)} / ${quantile(r.direct, 0.99)}`.padEnd(26)} ` +
      `${`${r.rssMiB} MiB`.padEnd(12)} ${r.cpuSeconds.toFixed(1)} s\n`,
  );
}
process.stdout.write('targets: kubelet p99 ≤ 1000 ms (process), ≤ 2000 ms (containerd)\n');
