/**
 * A steady churn across kinds, for the soak and chaos runs: Deployments created, scaled,
 * rolled out and deleted; ConfigMaps created, changed and deleted; Jobs whose simulated
 * pods complete and that the TTL controller removes; simulated nodes that join (a new
 * simulator host) and leave (the host stops and its Nodes are deleted, so that the pod GC
 * and the ReplicaSets move its pods). Operations start at a fixed rate, one at a time per
 * object, a bounded number in flight.
 *
 * Every acknowledged write is remembered (`expected`): what each Deployment and ConfigMap
 * must be when the cluster has converged. A write that failed without an answer (the
 * apiserver or store away) may or may not have happened: the object is marked uncertain
 * until a later write to it is acknowledged, and the checks leave it aside.
 */
import { status } from '@grpc/grpc-js';
import { isApiError } from '../sdk/errors.js';
import type { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Job } from '../sdk/gen/wheelhouse/batch/v1/job.js';
import { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import type { Plane } from './plane.js';
import { benchDeployment, listAll } from './workload.js';

export interface ExpectedDeployment {
  readonly replicas: number;
  readonly image: string;
}

export interface ChurnStats {
  /** Operations by name, acknowledged. */
  readonly done: Map<string, number>;
  /** Conflicts (another writer won; expected under churn). */
  conflicts: number;
  /** Writes without an answer (the plane was away; expected only under chaos). */
  unavailable: number;
  /** Anything else: the soak fails on these. */
  readonly errors: string[];
  errorCount: number;
}

export interface Churn {
  readonly stats: ChurnStats;
  /** Deployments by `namespace/name` as the acknowledged writes left them. */
  readonly deployments: ReadonlyMap<string, ExpectedDeployment>;
  /** ConfigMaps by `namespace/name`: their `value` as last acknowledged. */
  readonly configMaps: ReadonlyMap<string, string>;
  /** Objects whose last write went unanswered. */
  readonly uncertain: ReadonlySet<string>;
  /** Stops starting operations and waits for those in flight. */
  stop(): Promise<void>;
  /** Stops starting operations until resume(), and waits for those in flight. */
  pause(): Promise<void>;
  resume(): void;
}

export interface ChurnOptions {
  /** Operations started per second. */
  readonly rate: number;
  readonly namespaces?: number;
  /** Deployments kept at most (default 40). */
  readonly maxDeployments?: number;
  /** Replicas of a Deployment at most (default 5). */
  readonly maxReplicas?: number;
  /** Node joins and leaves: one every this many operations (0: none; default 50). */
  readonly nodeChurnEvery?: number;
  /** Operations in flight at most (default 8). */
  readonly concurrency?: number;
  /** Random seed (default 1), so a run can be repeated. */
  readonly seed?: number;
}

/** A small deterministic generator (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const UNANSWERED = new Set<number>([
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
  status.CANCELLED,
  status.INTERNAL,
  status.UNKNOWN,
]);

/** Creates the namespaces and starts the churn. */
export async function startChurn(plane: Plane, opts: ChurnOptions): Promise<Churn> {
  const rand = random(opts.seed ?? 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const namespaces = Array.from({ length: opts.namespaces ?? 3 }, (_, i) => `churn-${i}`);
  const clients = plane.clients;
  for (const name of namespaces)
    await clients
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }))
      .catch((err) => {
        if (!isApiError(err, status.ALREADY_EXISTS)) throw err;
      });
  const maxDeployments = opts.maxDeployments ?? 40;
  const maxReplicas = opts.maxReplicas ?? 5;
  const nodeChurnEvery = opts.nodeChurnEvery ?? 50;
  const concurrency = opts.concurrency ?? 8;
  const deployments = new Map<string, ExpectedDeployment>();
  const configMaps = new Map<string, string>();
  const uncertain = new Set<string>();
  const busy = new Set<string>();
  const joined: string[] = [];
  const stats: ChurnStats = { done: new Map(), conflicts: 0, unavailable: 0, errors: [], errorCount: 0 };
  let seq = 0;
  let stopped = false;
  const inFlight = new Set<Promise<void>>();

  const split = (key: string) => key.split('/') as [string, string];
  const dc = clients.kind<Deployment>('Deployment');
  const cc = clients.kind<ConfigMap>('ConfigMap');

  /** Runs a write to `key`; what its outcome means for the expectations is applied by `acknowledged`. */
  const write = async (op: string, key: string, run: () => Promise<void>) => {
    busy.add(key);
    try {
      await run();
      uncertain.delete(key);
      stats.done.set(op, (stats.done.get(op) ?? 0) + 1);
    } catch (err) {
      if (isApiError(err, status.ABORTED)) stats.conflicts++;
      else if (uncertain.has(key) && isApiError(err, status.NOT_FOUND)) {
        // A create or delete that went unanswered: now known not to be there.
        deployments.delete(key);
        configMaps.delete(key);
        uncertain.delete(key);
      } else if (uncertain.has(key) && isApiError(err, status.ALREADY_EXISTS)) stats.conflicts++;
      else if (isApiError(err) && UNANSWERED.has(err.code)) {
        stats.unavailable++;
        uncertain.add(key);
      } else {
        stats.errorCount++;
        if (stats.errors.length < 20)
          stats.errors.push(`${op} ${key}: ${err instanceof Error ? err.message : String(err)}`);
      }
    } finally {
      busy.delete(key);
    }
  };
  const free = <T>(keys: Iterable<T & string>) => [...keys].filter((k) => !busy.has(k));

  const ops: Record<string, () => Promise<void> | undefined> = {
    createDeployment() {
      if (deployments.size >= maxDeployments) return undefined;
      const key = `${pick(namespaces)}/dep-${seq++}`;
      const [ns, name] = split(key);
      const replicas = 1 + Math.floor(rand() * maxReplicas);
      return write('create deployment', key, async () => {
        // Expected before the call: an unanswered create leaves it uncertain, resolved by a later operation.
        deployments.set(key, { replicas, image: 'app:v0' });
        await dc.create(benchDeployment(ns, name, replicas, 'app:v0'));
      });
    },
    scaleDeployment() {
      const key = pick(free(deployments.keys()));
      if (!key) return undefined;
      const [ns, name] = split(key);
      return write('scale deployment', key, async () => {
        const d = await dc.get(ns, name);
        const replicas = Math.floor(rand() * (maxReplicas + 1));
        if (d.spec) d.spec.replicas = replicas;
        await dc.update(d);
        deployments.set(key, { replicas, image: d.spec?.template?.spec?.containers[0]?.image ?? '' });
      });
    },
    rolloutDeployment() {
      const key = pick(free(deployments.keys()));
      if (!key) return undefined;
      const [ns, name] = split(key);
      return write('roll out deployment', key, async () => {
        const d = await dc.get(ns, name);
        const image = `app:v${seq++}`;
        const c = d.spec?.template?.spec?.containers[0];
        if (c) c.image = image;
        await dc.update(d);
        deployments.set(key, { replicas: d.spec?.replicas ?? 1, image });
      });
    },
    deleteDeployment() {
      const key = pick(free(deployments.keys()));
      if (!key || deployments.size < maxDeployments / 4) return undefined;
      const [ns, name] = split(key);
      return write('delete deployment', key, async () => {
        await dc.delete(ns, name, { propagationPolicy: 'Background' });
        deployments.delete(key);
      });
    },
    createConfigMap() {
      if (configMaps.size >= 40) return undefined;
      const key = `${pick(namespaces)}/cm-${seq++}`;
      const [ns, name] = split(key);
      return write('create configmap', key, async () => {
        const value = String(seq);
        configMaps.set(key, value);
        await cc.create(
          ConfigMap.fromPartial({
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name, namespace: ns },
            data: { value },
          }),
        );
      });
    },
    updateConfigMap() {
      const key = pick(free(configMaps.keys()));
      if (!key) return undefined;
      const [ns, name] = split(key);
      return write('update configmap', key, async () => {
        const cm = await cc.get(ns, name);
        const value = String(seq++);
        cm.data = { ...cm.data, value };
        await cc.update(cm);
        configMaps.set(key, value);
      });
    },
    deleteConfigMap() {
      const key = pick(free(configMaps.keys()));
      if (!key || configMaps.size < 10) return undefined;
      const [ns, name] = split(key);
      return write('delete configmap', key, async () => {
        await cc.delete(ns, name);
        configMaps.delete(key);
      });
    },
    createJob() {
      const key = `${pick(namespaces)}/job-${seq++}`;
      const [ns, name] = split(key);
      return write('create job', key, async () => {
        await clients.kind<Job>('Job').create(
          Job.fromPartial({
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: { name, namespace: ns },
            spec: {
              completions: 1,
              parallelism: 1,
              backoffLimit: 2,
              ttlSecondsAfterFinished: 5,
              template: {
                metadata: { annotations: { 'simulated.wheelhouse.dev/complete-after': '1s' } },
                spec: {
                  restartPolicy: 'Never',
                  terminationGracePeriodSeconds: '0',
                  containers: [{ name: 'main', image: 'job:v1' }],
                },
              },
            },
          }),
        );
      });
    },
  };
  const weights: [string, number][] = [
    ['createDeployment', 4],
    ['scaleDeployment', 4],
    ['rolloutDeployment', 3],
    ['deleteDeployment', 2],
    ['createConfigMap', 2],
    ['updateConfigMap', 3],
    ['deleteConfigMap', 1],
    ['createJob', 1],
  ];
  const totalWeight = weights.reduce((a, [, w]) => a + w, 0);
  const nextOp = () => {
    let r = rand() * totalWeight;
    for (const [name, w] of weights) {
      r -= w;
      if (r < 0) return name;
    }
    return 'createDeployment';
  };

  let nodeSeq = 0;
  const nodeChurn = async () => {
    // Join while few have joined, else leave; a leave deletes the Nodes as an operator would.
    if (joined.length < 2 || rand() < 0.4) {
      const prefix = `joined-${nodeSeq++}`;
      joined.push(prefix);
      await write('node join', `node/${prefix}`, async () => {
        await plane.addSimulator(prefix, 2);
      });
      return;
    }
    const prefix = joined.shift() as string;
    await write('node leave', `node/${prefix}`, async () => {
      await plane.removeSimulator(prefix);
      const nodes = await listAll<Node>(clients, 'Node');
      for (const n of nodes)
        if (n.metadata?.name.startsWith(`${prefix}-`))
          await clients.kind<Node>('Node').delete('', n.metadata.name);
    });
  };

  let count = 0;
  let paused: Promise<void> | undefined;
  let unpause: () => void = () => undefined;
  let start = performance.now();
  let startCount = 0;
  const loop = (async () => {
    while (!stopped) {
      if (paused) {
        await paused;
        start = performance.now();
        startCount = count;
        continue;
      }
      const due = start + ((count - startCount) * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      if (stopped || paused) continue;
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
      count++;
      const run = nodeChurnEvery > 0 && count % nodeChurnEvery === 0 ? nodeChurn() : ops[nextOp()]?.();
      if (!run) continue;
      const p: Promise<void> = run.finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  })();

  return {
    stats,
    deployments,
    configMaps,
    uncertain,
    async stop() {
      stopped = true;
      unpause();
      await loop;
      await Promise.all(inFlight);
    },
    async pause() {
      paused ??= new Promise<void>((resolve) => {
        unpause = resolve;
      });
      await Promise.all(inFlight);
    },
    resume() {
      paused = undefined;
      unpause();
    },
  };
}
