/**
 * A real kubelet process on the process runtime, for a `startCluster()` cluster: it
 * serves on free ports, acts as `system:node:<name>` with the cluster PKI's client
 * certificate, and is ready for a test once its Node is Ready.
 *
 * Why stopping it needs more than a signal: the process runtime detaches every pod
 * sandbox and container from the kubelet (its own process group and session), so that a
 * restarted kubelet adopts them. A test that only signals the kubelet leaves its pods
 * running for the rest of the suite — a busy-looping one spins a core. So every process
 * the kubelet started is recorded by pid and start time while it is still the kubelet's
 * descendant (once orphaned, nothing ties it to the test), and `stop()` ends the kubelet
 * and all of them, including the process groups they lead (what a container's wrapper
 * forks after the last look is still in its group).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descendants } from '../bench/descendants.js';
import { kubeletComponent, LOOPBACK, nodeArgs } from '../cli/up/components.js';
import { isSameProcess, processStartTime } from '../kubelet/runtime/process/proc.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { writeClientConfig } from '../sdk/client-config.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import type { Cluster } from './cluster.js';

const entry = join(new URL('..', import.meta.url).pathname, 'bin/wheelhouse.js');

export interface ProcessKubeletOptions {
  /** The node's name; the cluster PKI must have certificates for it (startCluster's has `node-1`). */
  readonly name?: string;
  /** Flags appended to the command line `wheelhouse up` gives a kubelet (e.g. `--housekeeping-interval 1s`). */
  readonly args?: readonly string[];
  /** Static pod manifests to watch. */
  readonly podManifestPath?: string;
  /** How long the Node may take to turn Ready (default 30 s). */
  readonly readyTimeoutMs?: number;
  /**
   * What startProcessKubelet waits for: its Node Ready (the default), or only registered —
   * for a runtime whose network the node does not report ready (containerd without CNI).
   */
  readonly waitFor?: 'ready' | 'registered';
}

export interface ProcessKubelet {
  readonly name: string;
  /** The running kubelet's process id (a new one after restart()). */
  readonly pid: number;
  /** Everything the kubelet processes wrote, stdout and stderr interleaved, across restarts. */
  output(): string;
  /**
   * Kills the kubelet alone (SIGKILL, or `signal`) and waits for it to exit; its containers
   * run on, recorded, to be adopted by restart() and ended by stop().
   */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the kubelet again on the same root directory (after kill()) and waits for it to register. */
  restart(): Promise<void>;
  /**
   * Ends the kubelet and every process it started (containers, sandboxes, exec sessions),
   * by pid; rejects, naming them, if any is still alive after SIGKILL. Safe to call twice.
   */
  stop(): Promise<void>;
}

/** A process as recorded: its pid and its start time, so that a reused pid is never killed. */
interface Recorded {
  readonly pid: number;
  readonly startTime: string;
}

/** Waits for `check` to hold, polling; fails with `what` and the last error after `ms`. */
async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** The process group `pid` belongs to (Linux), or undefined once it is gone. */
function groupOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid pgrp ..."; comm may hold spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  } catch {
    return undefined;
  }
}

/** Starts a kubelet for `cluster` and waits for its Node to be Ready. */
export async function startProcessKubelet(
  cluster: Cluster,
  opts: ProcessKubeletOptions = {},
): Promise<ProcessKubelet> {
  const name = opts.name ?? 'node-1';
  const cert = cluster.pki.kubelets[name]?.client;
  if (!cert) {
    throw new Error(
      `the cluster PKI has no certificates for node "${name}": add it to ensureClusterPki's nodes`,
    );
  }
  const kubeconfig = join(cluster.dir, `kubelet-${name}.yaml`);
  writeClientConfig(kubeconfig, {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cert.certFile,
    clientKey: cert.keyFile,
  });
  const spec = kubeletComponent(
    {
      dataDir: cluster.dir,
      pki: cluster.pki,
      host: LOOPBACK,
      storePort: 0,
      apiserverPort: 0,
      storeMetricsPort: 0,
    },
    {
      name,
      kubeconfig,
      kubeletPort: 0,
      healthPort: 0,
      ...(opts.podManifestPath ? { podManifestPath: opts.podManifestPath } : {}),
    },
  );
  let output = '';
  let child: ChildProcess | undefined;
  const recorded = new Map<number, Recorded>();
  // Whatever the kubelet started so far, while it is still its parent.
  const record = () => {
    if (!child?.pid) return;
    for (const pid of descendants(child.pid)) {
      const startTime = processStartTime(pid);
      if (!recorded.has(pid) || recorded.get(pid)?.startTime !== startTime)
        recorded.set(pid, { pid, startTime });
    }
  };
  // Kubelets' children come and go (exec sessions, restarted containers): look often, so
  // that even one started and orphaned between two looks is rarely missed.
  const watcher = setInterval(record, 500);
  watcher.unref();

  const start = async () => {
    const seen = output.length;
    const c = spawn(process.execPath, nodeArgs(spec, entry, opts.args ?? []), {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, WHEELHOUSE_LOG_LEVEL: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' },
    });
    c.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    c.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child = c;
    await until(
      async () => {
        if (c.exitCode !== null || c.signalCode !== null)
          throw new Error(`the kubelet exited (${c.exitCode ?? c.signalCode})`);
        return output.slice(seen).includes('registered');
      },
      `kubelet ${name} to register:\n${output.slice(-4000)}`,
      opts.readyTimeoutMs ?? 30_000,
    );
  };

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    const c = child;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    // Stopped, it starts nothing more between the last look and its end.
    c.kill('SIGSTOP');
    record();
    const exited = exitOf(c);
    c.kill(signal);
    if (signal !== 'SIGKILL' && signal !== 'SIGSTOP') c.kill('SIGCONT');
    const timer = setTimeout(() => c.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };

  const stop = async () => {
    clearInterval(watcher);
    await kill('SIGKILL');
    const ours = [...recorded.values()].filter((p) => isSameProcess(p.pid, p.startTime));
    // A container's wrapper leads its group: killing the group also ends what it forked since.
    const groups = new Set<number>();
    for (const p of ours) if (groupOf(p.pid) === p.pid) groups.add(p.pid);
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    for (const p of ours) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    recorded.clear();
    const deadline = Date.now() + 10_000;
    for (;;) {
      const alive = ours.filter((p) => isSameProcess(p.pid, p.startTime)).map((p) => p.pid);
      if (alive.length === 0) return;
      if (Date.now() > deadline)
        throw new Error(`processes of kubelet ${name} outlived SIGKILL: ${alive.join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const handle: ProcessKubelet = {
    name,
    get pid() {
      return child?.pid ?? 0;
    },
    output: () => output,
    kill,
    async restart() {
      await kill('SIGKILL');
      await start();
    },
    stop,
  };

  try {
    await start();
    if (opts.waitFor === 'registered') return handle;
    const clients = createClientset(cluster.admin, { component: 'process-kubelet' });
    try {
      await until(
        async () =>
          (await clients.kind<Node>('Node').get('', name)).status?.conditions.some(
            (c) => c.type === 'Ready' && c.status === 'True',
          ),
        `node ${name} to be Ready:\n${output.slice(-4000)}`,
        opts.readyTimeoutMs ?? 30_000,
      );
    } finally {
      clients.close();
    }
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  return handle;
}
