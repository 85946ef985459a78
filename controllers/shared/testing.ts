/**
 * For the controllers' integration tests: a suite's cluster and what runs against it,
 * set up once before its first test and stopped after its last; controllers run in the
 * test's process or as the real controller manager process, both with its identity
 * (system:kube-controller-manager); pods marked Running and Ready the way a kubelet
 * would report them; and waiting for conditions.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Registry } from 'prom-client';
import { controllerManagerComponent, LOOPBACK, nodeArgs } from '../../cli/up/components.js';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { type Clientset, createClientset, typedClient } from '../../sdk/client/typed-client.js';
import { updatePodStatusesStream } from '../../sdk/client/update-pod-statuses-stream.js';
import { type ClientConfig, writeClientConfig } from '../../sdk/client-config.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { apiEventSink, createEventRecorder, type EventRecorder } from '../../sdk/events/index.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory, keyOf } from '../../sdk/informers/index.js';
import { createLogger, type Logger } from '../../sdk/logger.js';
import { type Cluster, type ClusterOptions, startCluster } from '../../test/cluster.js';
import { freePort } from '../../test/free-port.js';
import { type ControllerDescriptor, controllerContext } from '../controller-descriptor.js';
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
  writeClientConfig(kubeconfig, controllerManagerConfig(cluster));
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

/** The controller manager's client config, from the cluster's PKI. */
export function controllerManagerConfig(cluster: Cluster): ClientConfig {
  return {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cluster.pki.controllerManager.certFile,
    clientKey: cluster.pki.controllerManager.keyFile,
  };
}

/** The controller manager's typed clients on the cluster (closed by the caller). */
export function controllerManagerClients(cluster: Cluster): Clientset {
  return createClientset(controllerManagerConfig(cluster), { component: 'controller-manager' });
}

/** The admin's typed clients on the cluster (closed by the caller). */
export function adminClients(cluster: Cluster): Clientset {
  return createClientset({ ...cluster.admin, server: cluster.apiserver }, { component: 'controllers-test' });
}

/**
 * Polls `check` until it returns a value other than undefined (a check that throws counts
 * as not yet); fails after `timeoutMs` with `what`, the last error and `describe`'s state.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
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

/** Whether a get rejects with NOT_FOUND (true), or resolves (false); any other failure is thrown. */
export async function isGone(get: Promise<unknown>): Promise<boolean> {
  try {
    await get;
    return false;
  } catch (err) {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return true;
    throw err;
  }
}

/** Events about the object `name` of `kind` in `namespace` ('' for every namespace), as listed. */
export async function eventsAbout(
  clients: Clientset,
  kind: string,
  name: string,
  namespace = 'default',
): Promise<Event[]> {
  return (await clients.kind<Event>('Event').list(namespace)).items.filter(
    (e) => e.involvedObject?.kind === kind && e.involvedObject.name === name,
  );
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

/** What a controller run in the test's process is given, as the controller manager gives it. */
export interface InProcessContext {
  /** The controller manager's clients, through the test's `wrap` when it gave one. */
  readonly clients: Clientset;
  /** Clients authenticating with a token instead (not wrapped): see ComponentContext. */
  clientsWithToken(token: () => string): Clientset;
  /** Shared by the controllers, over the same (wrapped) API client; started already. */
  readonly informers: InformerFactory;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Aborts when the test stops the controllers. */
  readonly signal: AbortSignal;
}

/** Controllers running in the test's process. */
export interface InProcessControllers {
  readonly clients: Clientset;
  readonly informers: InformerFactory;
  /** Their metrics. */
  readonly registry: Registry;
  /** The sum of the values of a counter of their metrics (`controller_runtime_reconcile_errors_total`). */
  counter(name: string): Promise<number>;
  /** Aborts them, waits for them to return and their events to be sent; throws what one failed with. */
  stop(): Promise<void>;
}

/**
 * Runs `run` (one controller's loop, or several) in this process with the controller
 * manager's identity; every call of theirs goes through `wrap`'s API client when given, so
 * that a test can step between the controllers and the apiserver.
 */
export function runControllerInProcess(
  cluster: Cluster,
  run: (ctx: InProcessContext) => Promise<void>,
  opts: { wrap?: (api: ApiClient) => ApiClient } = {},
): InProcessControllers {
  const logger = createLogger('controller-manager', { level: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' });
  // No default labels or process metrics: a test reads the controllers' own series as they are.
  const registry = new Registry();
  const base = controllerManagerClients(cluster);
  const api = opts.wrap ? opts.wrap(base.api) : base.api;
  const clients: Clientset = opts.wrap
    ? { api, kind: (kind) => typedClient(api, kind), close: () => base.close() }
    : base;
  const events = createEventRecorder(apiEventSink(base.api), { component: 'controller-manager', logger });
  const lifetime = new AbortController();
  const informers = new InformerFactory(api, { logger, registry });
  informers.start(lifetime.signal);
  // A failure before the test stops the controllers is the test's failure, thrown by stop().
  const clientsWithToken = (token: () => string) =>
    createClientset(controllerManagerConfig(cluster), { component: 'controller-manager', token });
  const outcome = run({
    clients,
    clientsWithToken,
    informers,
    events,
    logger,
    registry,
    signal: lifetime.signal,
  }).then(
    () => ({ failed: false, reason: undefined as unknown }),
    (reason: unknown) => ({ failed: true, reason }),
  );
  return {
    clients,
    informers,
    registry,
    async counter(name) {
      return (await registry.getSingleMetric(name)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;
    },
    async stop() {
      lifetime.abort();
      const { failed, reason } = await outcome;
      await events.flush();
      clients.close();
      if (failed) throw reason;
    },
  };
}

/**
 * Runs controller descriptors in this process as the controller manager would run them:
 * one shared InformerFactory and event recorder, each descriptor's flag defaults
 * overridden by `flags`.
 */
export function runInProcess(
  cluster: Cluster,
  descriptors: readonly ControllerDescriptor[],
  flags: Readonly<Record<string, string | boolean>> = {},
): InProcessControllers {
  const values: Record<string, string | boolean | undefined> = {};
  for (const d of descriptors)
    for (const [name, spec] of Object.entries(d.flags ?? {})) values[name] = spec.default;
  Object.assign(values, flags);
  return runControllerInProcess(cluster, async (ctx) => {
    // Every one returns before stop() goes on, failed or not; the first failure is thrown.
    const results = await Promise.allSettled(
      descriptors.map(async (d) =>
        d.run(
          await controllerContext(
            d,
            { ...ctx, flags: values, addReadyCheck: () => undefined },
            { serviceAccountCredentials: values['use-service-account-credentials'] === true },
          ),
        ),
      ),
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  });
}

/** What a suite's tests work with: set before its first test, stopped after its last. */
export interface ClusterSuite {
  readonly cluster: Cluster;
  /** The admin's typed clients. */
  readonly admin: Clientset;
  /** Aborts first thing in the tear-down: stops what the suite started itself (readiers, informers). */
  readonly signal: AbortSignal;
  /** The controller manager process running now, when the suite has one. */
  readonly cm: ControllerManagerProcess;
  /** The controllers in the test's process, when the suite has them. */
  readonly controllers: InProcessControllers;
  /** Stops the controller manager with `signal` and starts a successor with the same arguments. */
  restartControllerManager(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * Registers a suite's set-up and tear-down: a cluster and the admin's clients; then
 * `prepare` (what the controllers must find when they start: nodes, namespaces, a
 * readier); then the controllers, as a controller manager process with the arguments
 * `controllerManager` and/or in this process (`inProcess`). Call it inside `describe`, or
 * at the top of a file for a cluster the whole file shares.
 */
export function useCluster(
  opts: {
    /** How the store and apiserver start (their extra flags: an audit log, ...). */
    cluster?: ClusterOptions;
    prepare?: (suite: Pick<ClusterSuite, 'cluster' | 'admin' | 'signal'>) => Promise<unknown>;
    controllerManager?: readonly string[];
    inProcess?: {
      controllers: readonly ControllerDescriptor[];
      flags?: Readonly<Record<string, string | boolean>>;
    };
  } = {},
): ClusterSuite {
  const stop = new AbortController();
  let cluster: Cluster | undefined;
  let admin: Clientset | undefined;
  let cm: ControllerManagerProcess | undefined;
  let controllers: InProcessControllers | undefined;
  const started = <T>(v: T | undefined, what: string): T => {
    if (v === undefined)
      throw new Error(
        `${what} is not there: it is set up before the suite's first test, when the suite asks for it`,
      );
    return v;
  };
  const suite: ClusterSuite = {
    get cluster() {
      return started(cluster, 'the cluster');
    },
    get admin() {
      return started(admin, "the admin's clients");
    },
    signal: stop.signal,
    get cm() {
      return started(cm, 'the controller manager');
    },
    get controllers() {
      return started(controllers, 'the in-process controllers');
    },
    async restartControllerManager(signal) {
      await started(cm, 'the controller manager').stop(signal);
      cm = undefined;
      cm = await startControllerManager(started(cluster, 'the cluster'), opts.controllerManager ?? []);
    },
  };
  before(async () => {
    cluster = await startCluster(opts.cluster);
    admin = adminClients(cluster);
    await opts.prepare?.(suite);
    if (opts.inProcess) controllers = runInProcess(cluster, opts.inProcess.controllers, opts.inProcess.flags);
    if (opts.controllerManager) cm = await startControllerManager(cluster, opts.controllerManager);
  });
  after(async () => {
    stop.abort();
    try {
      await controllers?.stop();
    } finally {
      await cm?.stop();
      admin?.close();
      await cluster?.stop();
    }
  });
  return suite;
}
