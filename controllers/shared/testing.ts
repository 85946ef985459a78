/**
 * For the controllers' integration tests: the controller manager as a real process with
 * its own identity (system:kube-controller-manager) against a test cluster, pods marked
 * Running and Ready the way a kubelet would report them, and waiting for conditions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { controllerManagerComponent, LOOPBACK, nodeArgs } from '../../cli/up/components.js';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { updatePodStatusesStream } from '../../sdk/client/update-pod-statuses-stream.js';
import { writeClientConfig } from '../../sdk/client-config.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory, keyOf } from '../../sdk/informers/index.js';
import type { Cluster } from '../../test/cluster.js';
import { freePort } from '../../test/free-port.js';
import { isPodReady } from './pod-state.js';

const entry = new URL('../../bin/wheelhouse.js', import.meta.url).pathname;

export interface ControllerManagerProcess {
  readonly pid: number;
  /** Everything it wrote, for failure messages. */
  output(): string;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `wheelhouse controller-manager` and resolves once its health endpoint is up. */
export async function startControllerManager(
  cluster: Cluster,
  extraArgs: readonly string[] = [],
): Promise<ControllerManagerProcess> {
  const kubeconfig = join(cluster.dir, 'controller-manager.yaml');
  writeClientConfig(kubeconfig, {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cluster.pki.controllerManager.certFile,
    clientKey: cluster.pki.controllerManager.keyFile,
  });
  const layout = {
    dataDir: cluster.dir,
    pki: cluster.pki,
    host: LOOPBACK,
    storePort: cluster.storePort,
    apiserverPort: Number(cluster.apiserver.split(':')[1]),
    storeMetricsPort: 0,
  };
  const spec = controllerManagerComponent(layout, { kubeconfig, controllerManagerPort: await freePort() });
  const child: ChildProcess = spawn(
    process.execPath,
    nodeArgs(spec, entry, [
      '--leader-elect-lease-duration',
      '3s',
      '--leader-elect-renew-deadline',
      '2s',
      '--leader-elect-retry-period',
      '500ms',
      ...extraArgs,
    ]),
    {
      env: { ...process.env, WHEELHOUSE_LOG_LEVEL: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`controller manager did not start:\n${out.slice(-4000)}`)),
      30_000,
    );
    const onData = () => {
      if (/health and metrics on/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`controller manager exited with ${code}:\n${out.slice(-4000)}`));
    });
  });
  return {
    pid: child.pid ?? 0,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** The admin's typed clients on the cluster (closed by the caller). */
export function adminClients(cluster: Cluster): Clientset {
  return createClientset({ ...cluster.admin, server: cluster.apiserver }, { component: 'controllers-test' });
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs` with `what` and the last state. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs?: number; intervalMs?: number; describe?: () => Promise<string> | string } = {},
): Promise<T> {
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const state = opts.describe ? await opts.describe() : '';
      throw new Error(
        `timed out waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}${state ? `\n${state}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 100));
  }
}

/** `pod` with the status its kubelet reports once it runs and is Ready (as of `readyAt`). */
function reportedReady(pod: Pod, readyAt: Date): Pod {
  const condition = (type: string) => ({
    type,
    status: 'True',
    lastTransitionTime: readyAt,
    reason: '',
    message: '',
    observedGeneration: '0',
  });
  const status = {
    ...pod.status,
    phase: 'Running',
    conditions: [condition('Ready'), condition('ContainersReady')],
  };
  return { ...pod, status: status as Pod['status'] };
}

/**
 * Reports a pod Running and Ready (as of `readyAt`), as its kubelet would, in one unary
 * call: a single write, for which opening a stream would cost more than it saves.
 */
export async function markPodReady(clients: Clientset, pod: Pod, readyAt = new Date()): Promise<Pod> {
  return clients.kind<Pod>('Pod').updateStatus(reportedReady(pod, readyAt));
}

/** Lists the pods of a namespace matching a label selector. */
export async function listPods(clients: Clientset, namespace: string, labelSelector = ''): Promise<Pod[]> {
  return (await clients.kind<Pod>('Pod').list(namespace, { labelSelector })).items;
}

/**
 * Plays the kubelets' part where there are none: every pod of `namespace` that appears
 * (and passes `filter`) is reported Running and Ready, at most `concurrency` writes at once.
 * The writes go over one pipelined `UpdatePodStatuses` stream, as real kubelets send them
 * (unary against an apiserver without it), so that a benchmark's apiserver pays for these
 * writes what it pays for a kubelet's. A write that fails (the pod gone or changed
 * meanwhile, the apiserver away) is retried from the informer's latest state.
 * Resolves once its informer has synced; stops, closing the stream, when `signal` aborts.
 */
export async function startPodReadier(
  clients: Clientset,
  namespace: string,
  signal: AbortSignal,
  opts: { concurrency?: number; filter?: (pod: Pod) => boolean } = {},
): Promise<{ readonly marked: number }> {
  const factory = new InformerFactory(clients.api);
  const informer = factory.informerFor<Pod>('Pod', { namespace });
  const statuses = updatePodStatusesStream(clients.api);
  // Writes still pending then fail, and are not retried: the signal has aborted.
  if (signal.aborted) statuses.close();
  else signal.addEventListener('abort', () => statuses.close(), { once: true });
  const waiting: Pod[] = [];
  const queued = new Set<string>();
  let running = 0;
  let marked = 0;
  const limit = opts.concurrency ?? 32;
  const pump = () => {
    while (running < limit && waiting.length > 0 && !signal.aborted) {
      const pod = waiting.shift() as Pod;
      running++;
      const uid = pod.metadata?.uid ?? '';
      statuses
        .updateStatus(reportedReady(pod, new Date()))
        .then(() => {
          marked++;
        })
        .catch(() => {
          // Gone, changed meanwhile, or the apiserver was away: try its latest state again
          // shortly, since a pod that does not change again brings no new event.
          setTimeout(() => {
            queued.delete(uid);
            const latest = informer.indexer.get(keyOf(pod));
            if (latest && !signal.aborted) consider(latest);
          }, 250);
        })
        .finally(() => {
          running--;
          pump();
        });
    }
  };
  const consider = (pod: Pod) => {
    const uid = pod.metadata?.uid ?? '';
    if (isPodReady(pod) || pod.metadata?.deletionTimestamp !== undefined || queued.has(uid)) return;
    if (opts.filter && !opts.filter(pod)) return;
    queued.add(uid);
    waiting.push(pod);
    pump();
  };
  informer.addEventHandler({ onAdd: consider, onUpdate: (_o, p) => consider(p) });
  factory.start(signal);
  await informer.waitForSync(signal);
  return {
    get marked() {
      return marked;
    },
  };
}
