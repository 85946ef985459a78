/**
 * For integration tests and the benchmark: `wheelhouse scheduler` as a real process
 * against a test cluster, with its own system:kube-scheduler client config, and the
 * Node and Pod objects a test creates as the admin.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOOPBACK, nodeArgs, schedulerComponent } from '../../cli/up/components.js';
import { writeClientConfig } from '../../sdk/client-config.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Cluster } from '../../test/cluster.js';
import { freePort } from '../../test/free-port.js';

const entry = new URL('../../bin/wheelhouse.js', import.meta.url).pathname;

export interface SchedulerProcess {
  readonly pid: number;
  /** Its health and metrics endpoint, `https://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** Everything it wrote to stderr (its logs). */
  output(): string;
  /** SIGTERM (or `signal`), then waits for it to exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<number | null>;
}

let seq = 0;

/**
 * Starts a scheduler as system:kube-scheduler. Leader election is on with short
 * timings (lease 4 s) unless `leaderElect` is false; `config` is a
 * KubeSchedulerConfiguration's YAML text.
 */
export async function startScheduler(
  cluster: Cluster,
  opts: { config?: string; leaderElect?: boolean; extraArgs?: string[]; logLevel?: string } = {},
): Promise<SchedulerProcess> {
  const n = seq++;
  const kubeconfig = join(cluster.dir, `scheduler-${n}.yaml`);
  writeClientConfig(kubeconfig, {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cluster.pki.scheduler.certFile,
    clientKey: cluster.pki.scheduler.keyFile,
  });
  let configPath: string | undefined;
  if (opts.config !== undefined) {
    configPath = join(cluster.dir, `scheduler-config-${n}.yaml`);
    writeFileSync(configPath, opts.config);
  }
  const layout = {
    dataDir: cluster.dir,
    pki: cluster.pki,
    host: LOOPBACK,
    storePort: cluster.storePort,
    apiserverPort: Number(cluster.apiserver.split(':')[1]),
    storeMetricsPort: 0,
  };
  const spec = schedulerComponent(layout, {
    kubeconfig,
    schedulerPort: await freePort(),
    ...(configPath === undefined ? {} : { config: configPath }),
  });
  const leader =
    opts.leaderElect === false
      ? ['--leader-elect', 'false']
      : [
          '--leader-elect-lease-duration',
          '4s',
          '--leader-elect-renew-deadline',
          '3s',
          '--leader-elect-retry-period',
          '500ms',
        ];
  const child: ChildProcess = spawn(
    process.execPath,
    nodeArgs(spec, entry, [...leader, ...(opts.extraArgs ?? [])]),
    {
      env: {
        ...process.env,
        WHEELHOUSE_LOG_LEVEL: opts.logLevel ?? process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (err.length > 200_000) err = err.slice(-100_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`scheduler did not start:\n${err.slice(-3000)}`)),
      30_000,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /health and metrics on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`scheduler exited with ${code}:\n${err.slice(-3000)}`));
    });
  });
  let endpoint: string;
  try {
    endpoint = await started;
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    pid: child.pid ?? 0,
    endpoint,
    output: () => err,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      // A profiled process (bench --profile-dir) writes its CPU profile as it exits: give it time.
      const t = setTimeout(() => child.kill('SIGKILL'), process.env.BENCH_PROFILE_DIR ? 60_000 : 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** A Ready node with this allocatable (cpu, memory, pods), labels and taints. */
export function readyNode(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: string;
    labels?: Record<string, string>;
    taints?: { key: string; value?: string; effect: string }[];
    unschedulable?: boolean;
  } = {},
): Node {
  const allocatable = { cpu: opts.cpu ?? '4', memory: opts.memory ?? '8Gi', pods: opts.pods ?? '110' };
  return Node.fromPartial({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...opts.labels } },
    spec: { taints: opts.taints ?? [], unschedulable: opts.unschedulable ?? false },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }],
    },
  });
}

/** A pod without a node asking for `cpu` and `memory`. */
export function pendingPod(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    schedulerName?: string;
    namespace?: string;
    labels?: Record<string, string>;
    priority?: number;
  } = {},
): Pod {
  const requests: Record<string, string> = {};
  if (opts.cpu !== undefined) requests.cpu = opts.cpu;
  if (opts.memory !== undefined) requests.memory = opts.memory;
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', labels: opts.labels ?? { app: name } },
    spec: {
      ...(opts.schedulerName === undefined ? {} : { schedulerName: opts.schedulerName }),
      containers: [{ name: 'c', image: 'nginx:1.27', resources: { requests } }],
    },
  });
}

/** Polls `fn` until it returns a value other than undefined, or fails with `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
