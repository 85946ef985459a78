/**
 * For integration tests and the benchmark: `wheelhouse kubelet --simulate` as a real
 * process against a test cluster, with its own system:kubelet-simulator client config.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { LOOPBACK, nodeArgs, simulatedKubeletComponent } from '../../cli/up/components.js';
import { writeClientConfig } from '../../sdk/client-config.js';
import type { Cluster } from '../../test/cluster.js';

const entry = new URL('../../bin/wheelhouse.js', import.meta.url).pathname;

export interface SimulatorProcess {
  readonly pid: number;
  /** What it wrote (stdout and stderr), the last 200 kB. */
  output(): string;
  /** SIGTERM (or `signal`), then waits for it to exit (SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  readonly exited: Promise<number | null>;
}

/** Starts a simulator of `nodes` nodes and resolves once every node is registered. */
export async function startSimulator(
  cluster: Cluster,
  opts: {
    nodes: number;
    prefix?: string;
    extraArgs?: string[];
    logLevel?: string;
    /** Node flags (e.g. `--max-old-space-size`). */
    nodeFlags?: string[];
    registerTimeoutMs?: number;
  },
): Promise<SimulatorProcess> {
  const kubeconfig = join(cluster.dir, 'kubelet-simulator.yaml');
  writeClientConfig(kubeconfig, {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cluster.pki.kubeletSimulator.certFile,
    clientKey: cluster.pki.kubeletSimulator.keyFile,
  });
  const spec = simulatedKubeletComponent(
    {
      dataDir: cluster.dir,
      pki: cluster.pki,
      host: LOOPBACK,
      storePort: cluster.storePort,
      apiserverPort: Number(cluster.apiserver.split(':')[1]),
      storeMetricsPort: 0,
    },
    { nodes: opts.nodes, kubeconfig, healthPort: 0, ...(opts.prefix ? { prefix: opts.prefix } : {}) },
  );
  const child: ChildProcess = spawn(
    process.execPath,
    [...(opts.nodeFlags ?? []), ...nodeArgs(spec, entry, opts.extraArgs ?? [])],
    {
      env: {
        ...process.env,
        WHEELHOUSE_LOG_LEVEL: opts.logLevel ?? process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const append = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(t);
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the simulator did not register its nodes in time:\n${out.slice(-3000)}`)),
        opts.registerTimeoutMs ?? 60_000,
      );
      const check = () => {
        if (/kubelet-simulator registered \d+ nodes/.test(out)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', check);
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`the simulator exited with ${code}:\n${out.slice(-3000)}`));
      });
    });
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { pid: child.pid ?? 0, output: () => out, exited, stop };
}
