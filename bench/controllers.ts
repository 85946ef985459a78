/**
 * `npm run bench:controllers`: the controller manager (a real process, its own identity)
 * against a real store and apiserver (test/cluster.ts), with pods reported Running and
 * Ready by this process as they appear (no kubelets):
 *
 * - warm-up: N pods created directly and marked ready, unmeasured: the phase measured
 *   first would otherwise run on an apiserver whose code is not compiled yet (the
 *   scale-up then cost it up to half again as much CPU per pod as the same writes later);
 * - scale-up: a Deployment scaled from 0 to N replicas (default 5,000): the time until
 *   every pod is created and until every pod is available, and pod creates/s. This
 *   process, standing in for the kubelets, marks the pods ready once every one exists, so
 *   that the window of the creates holds the controllers' writes only (kubelets report a
 *   pod seconds after its create, on machines of their own); `--ready-while-creating`
 *   marks each as it appears instead, and the window then also holds N readiness writes
 *   of this process that the plain ceiling does not;
 * - rollout: a new image for the same Deployment (maxSurge 25%, maxUnavailable 25%): the
 *   time until the rollout is complete;
 * - ceiling: the same number of pods created directly by this process, with as many calls
 *   in flight as the ReplicaSet controller keeps at most (256) — the apiserver's create
 *   rate in this run; the controller's share of it is the figure (target >= 70%);
 * - with --ready-while-creating, the same direct creates with this process also marking
 *   each pod ready as it appears, timed until every pod is both created and marked ready:
 *   the ceiling like for like with that scale-up;
 * - CPU milliseconds per pod created of the controller manager, the apiserver and the
 *   store in each phase (utime + stime from /proc; steadier than rates on a shared
 *   machine), the share of a core each one's main thread was busy (which process bounds
 *   the phase), the readiness writes made during the scale-up, and the load average;
 * - the controller manager's resident memory, at its largest;
 * - with --deployments N: N more Deployments of --deployment-replicas pods each (default
 *   10), created 20 at a time, timed until every one is complete: the Deployment
 *   controller's share, which one big Deployment hardly shows (each of its ReplicaSet's
 *   status changes queues a sync of its Deployment), and its CPU milliseconds per pod.
 *
 * Progress goes to stderr, the table to stdout.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { edit, setImage, waitComplete, webDeployment } from '../controllers/deployment/testing.js';
import {
  adminClients,
  startControllerManager,
  startPodReadier,
  waitFor,
} from '../controllers/shared/testing.js';
import type { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { cpuSecondsOf, mainThreadCpuSecondsOf } from '../store/bench/process-cpu.js';
import { startCluster } from '../test/cluster.js';
import { freePort } from '../test/free-port.js';
import { pod } from '../test/objects.js';
import { closedLoop } from './load.js';
import { findChild, residentBytes } from './process-memory.js';

const usage = `Usage: npm run bench:controllers -- [--replicas N] [--warmup N] [--concurrency N] [--no-rollout]
       [--deployments N] [--deployment-replicas N] [--ready-while-creating]

  --replicas N     replicas of the Deployment, and pods of the ceiling run (default 5000)
  --warmup N       pods created directly and marked ready before anything is measured,
                   so that every phase finds the apiserver's code compiled (default: replicas)
  --concurrency N  creates in flight in the ceiling run (default 256)
  --no-rollout     skip the rolling update (shorter A/B runs of the scale-up)
  --deployments N  then N Deployments at once, until all are complete (default 0: none)
  --deployment-replicas N
                   replicas of each of those Deployments (default 10)
  --ready-while-creating
                   mark the scale-up's pods ready as they appear, not once all exist, and
                   measure the ceiling with the same readiness writes too
`;

const progress = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Calls the apiserver handled, summed by method, from its plaintext /metrics: unary and
 * stream calls from grpc_server_handled_total, and each item sent on a pipelined stream
 * (`CreatePods`, `CreateEvents`, …) as its unary equivalent, `CreatePod (stream)`.
 */
async function handledByMethod(metricsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  const counts = new Map<string, number>();
  const add = (method: string, line: string) =>
    counts.set(method, (counts.get(method) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  for (const line of text.split('\n')) {
    const method = /grpc_method="([^"]+)"/.exec(line)?.[1] ?? '?';
    if (line.startsWith('grpc_server_handled_total{')) add(method, line);
    else if (
      line.startsWith('grpc_server_handling_seconds_count{') &&
      line.includes('grpc_type="stream_item"')
    )
      add(`${method} (stream)`, line);
  }
  return counts;
}

/** Calls (those that write, or all) by method, between two scrapes: `CreatePod 5000, UpdatePodStatus 5000, ...`. */
function callsBetween(before: Map<string, number>, after: Map<string, number>, writes = true): string {
  const isRead = /^(Get|List|Watch)|^Check$|^Create(Token|SubjectAccessReview|SelfSubjectAccessReview)$/;
  return [...after]
    .map(([m, n]) => [m, n - (before.get(m) ?? 0)] as const)
    .filter(([m, n]) => n > 0 && (!writes || !isRead.test(m)))
    .sort((a, b) => b[1] - a[1])
    .map(([m, n]) => `${m} ${n}`)
    .join(', ');
}

const load = () => loadavg()[0]?.toFixed(1) ?? '?';

/**
 * CPU used by each process between `start()` and `stop()`, the share of a core each one's
 * main thread was busy (the process whose main thread is busy nearly all the time bounds
 * the phase; below that, the processes share the machine's cores), and the load average
 * at both ends. With $BENCH_PROFILE_SIGNAL set (bench/cpu-profile.mjs), each start and
 * stop also sends it that signal, so that their profiles cover the measured phases only.
 */
function cpuMeter(pids: Record<string, number>) {
  const read = (cpu: (pid: number) => number) =>
    Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpu(pid)]));
  const profileSignal = process.env.BENCH_PROFILE_SIGNAL as NodeJS.Signals | undefined;
  const markProfiles = () => {
    if (profileSignal) for (const pid of Object.values(pids)) process.kill(pid, profileSignal);
  };
  let before = read(cpuSecondsOf);
  let mainBefore = read(mainThreadCpuSecondsOf);
  let t0 = performance.now();
  let loadBefore = load();
  return {
    start() {
      markProfiles();
      before = read(cpuSecondsOf);
      mainBefore = read(mainThreadCpuSecondsOf);
      t0 = performance.now();
      loadBefore = load();
    },
    /** CPU ms per operation of each process, as `name a.b` pairs, their main threads' busy share, and the load. */
    stop(ops: number): string {
      markProfiles();
      const after = read(cpuSecondsOf);
      const mainAfter = read(mainThreadCpuSecondsOf);
      const seconds = Math.max(1e-3, (performance.now() - t0) / 1000);
      const perOp = Object.keys(pids)
        .map((k) => `${k} ${((1000 * ((after[k] ?? 0) - (before[k] ?? 0))) / ops).toFixed(2)}`)
        .join(', ');
      const busy = Object.keys(pids)
        .map((k) => `${k} ${((100 * ((mainAfter[k] ?? 0) - (mainBefore[k] ?? 0))) / seconds).toFixed(0)}%`)
        .join(', ');
      return `${perOp}; main threads busy ${busy} (load ${loadBefore} → ${load()})`;
    },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      replicas: { type: 'string' },
      warmup: { type: 'string' },
      concurrency: { type: 'string' },
      'no-rollout': { type: 'boolean' },
      deployments: { type: 'string' },
      'deployment-replicas': { type: 'string' },
      'ready-while-creating': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const replicas = Number(values.replicas ?? 5000);
  const warmup = Number(values.warmup ?? replicas);
  const concurrency = Number(values.concurrency ?? 256);
  const manyDeployments = Number(values.deployments ?? 0);
  const manyReplicas = Number(values['deployment-replicas'] ?? 10);
  const readyWhileCreating = values['ready-while-creating'] ?? false;
  const metricsPort = await freePort();
  const cluster = await startCluster({
    apiserverArgs: ['--metrics-bind-address', `127.0.0.1:${metricsPort}`, '--metrics-insecure-loopback'],
  });
  // kube-controller-manager's own leader election timings, not the tests' short ones: on a
  // loaded machine a 2 s renew deadline loses the Lease mid-burst.
  const cm = await startControllerManager(cluster, [
    '--controllers',
    'deployment,replicaset',
    '--leader-elect-lease-duration',
    '15s',
    '--leader-elect-renew-deadline',
    '10s',
    '--leader-elect-retry-period',
    '2s',
  ]);
  const clients = adminClients(cluster);
  const stop = new AbortController();
  let peakRss = residentBytes(cm.pid);
  let ticker: NodeJS.Timeout | undefined;
  const sampler = setInterval(() => {
    try {
      peakRss = Math.max(peakRss, residentBytes(cm.pid));
    } catch {
      // It stopped.
    }
  }, 250);
  const meter = cpuMeter({
    'controller-manager': cm.pid,
    apiserver: cluster.apiserverPid,
    store: findChild(['store', '--port-file', join(cluster.dir, 'store.port')]),
  });
  try {
    if (warmup > 0) {
      await clients
        .kind<Namespace>('Namespace')
        .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'warmup' } }));
      const warmReadier = await startPodReadier(clients, 'warmup', stop.signal, { concurrency: 64 });
      const podClient = clients.kind<Pod>('Pod');
      const done = await closedLoop({ concurrency: 256, durationMs: 30 * 60_000, maxOps: warmup }, (i) =>
        podClient.create(pod(`warmup-${i}`, { namespace: 'warmup', labels: { app: 'warmup' } })),
      );
      await waitFor('warm-up pods ready', async () => (warmReadier.marked >= done.ok ? true : undefined), {
        timeoutMs: 600_000,
      });
      progress(`warm-up: ${done.ok} pods created directly and marked ready`);
    }
    const startReadier = () => startPodReadier(clients, 'default', stop.signal, { concurrency: 64 });
    let readier = readyWhileCreating ? await startReadier() : undefined;
    const deployments = clients.kind<Deployment>('Deployment');
    await deployments.create(webDeployment('bench', 0, { maxSurge: '25%', maxUnavailable: '25%' }));
    await waitFor('the empty Deployment', async () => {
      const d = await deployments.get('default', 'bench');
      return d.status?.observedGeneration === d.metadata?.generation ? d : undefined;
    });

    progress(`scaling to ${replicas} replicas`);
    const markedBefore = readier?.marked ?? 0;
    const handledBefore = await handledByMethod(metricsPort);
    meter.start();
    const t0 = performance.now();
    await edit(clients, 'bench', (d) => {
      if (d.spec) d.spec.replicas = replicas;
    });
    let createdAt = 0;
    // A stall shows as a flat line here, and its cause in the controller manager's last words.
    const timeout = {
      timeoutMs: 30 * 60_000,
      intervalMs: 250,
      describe: () => `controller manager output:\n${cm.output().slice(-8000)}`,
    };
    let lastReplicas = -1;
    ticker = setInterval(() => {
      deployments
        .get('default', 'bench')
        .then((d) => {
          const s = d.status;
          const line = `  ${((performance.now() - t0) / 1000).toFixed(0)} s: replicas ${s?.replicas ?? 0}, updated ${s?.updatedReplicas ?? 0}, available ${s?.availableReplicas ?? 0}`;
          if (s?.replicas !== lastReplicas || s?.availableReplicas !== replicas) progress(line);
          lastReplicas = s?.replicas ?? 0;
        })
        .catch(() => {});
    }, 5_000);
    await waitFor(
      'every pod created',
      async () => {
        const d = await deployments.get('default', 'bench');
        return (d.status?.replicas ?? 0) >= replicas ? true : undefined;
      },
      timeout,
    );
    createdAt = performance.now() - t0;
    const scaleCpu = meter.stop(replicas);
    const readinessWrites = (readier?.marked ?? 0) - markedBefore;
    const handledAfter = await handledByMethod(metricsPort);
    const scaleWrites = callsBetween(handledBefore, handledAfter);
    progress(`  apiserver calls: ${callsBetween(handledBefore, handledAfter, false)}`);
    progress(`  created in ${(createdAt / 1000).toFixed(1)} s`);
    readier ??= await startReadier();
    await waitComplete(clients, 'bench', timeout.timeoutMs);
    const availableAt = performance.now() - t0;
    progress(`  available in ${(availableAt / 1000).toFixed(1)} s`);

    let rolloutAt = Number.NaN;
    if (!values['no-rollout']) {
      progress('rolling update');
      const t1 = performance.now();
      await edit(clients, 'bench', setImage('nginx:1.28'));
      await waitFor(
        'rollout complete',
        async () => {
          const d = await deployments.get('default', 'bench');
          const s = d.status;
          return s?.observedGeneration === d.metadata?.generation &&
            s?.updatedReplicas === replicas &&
            s.replicas === replicas &&
            s.availableReplicas === replicas
            ? true
            : undefined;
        },
        timeout,
      );
      rolloutAt = performance.now() - t1;
      progress(`  rolled out in ${(rolloutAt / 1000).toFixed(1)} s`);
    }

    let manyAt = Number.NaN;
    let manyCpu = '';
    if (manyDeployments > 0) {
      progress(`${manyDeployments} Deployments of ${manyReplicas} replicas`);
      meter.start();
      const t3 = performance.now();
      const names = Array.from({ length: manyDeployments }, (_, i) => `many-${i}`);
      for (let i = 0; i < names.length; i += 20)
        await Promise.all(
          names.slice(i, i + 20).map((name) => deployments.create(webDeployment(name, manyReplicas))),
        );
      const wanted = new Set(names);
      await waitFor(
        'every Deployment complete',
        async () => {
          const done = (await deployments.list('default')).items.filter(
            (d) =>
              wanted.has(d.metadata?.name ?? '') &&
              d.status?.observedGeneration === d.metadata?.generation &&
              d.status?.availableReplicas === manyReplicas &&
              d.status.conditions.some(
                (c) => c.type === 'Progressing' && c.reason === 'NewReplicaSetAvailable',
              ),
          );
          return done.length === names.length ? true : undefined;
        },
        { ...timeout, intervalMs: 1000 },
      );
      manyAt = performance.now() - t3;
      manyCpu = meter.stop(manyDeployments * manyReplicas);
      progress(`  complete in ${(manyAt / 1000).toFixed(1)} s`);
    }

    progress(`ceiling: ${replicas} pods created directly, ${concurrency} in flight`);
    await clients
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ceiling' } }));
    const podClient = clients.kind<Pod>('Pod');
    meter.start();
    const ceiling = await closedLoop({ concurrency, durationMs: 30 * 60_000, maxOps: replicas }, (i) =>
      podClient.create(pod(`ceiling-${i}`, { namespace: 'ceiling', labels: { app: 'ceiling' } })),
    );
    const ceilingCpu = meter.stop(Math.max(1, ceiling.ok));
    const ceilingRate = ceiling.ok / ceiling.seconds;

    // Like for like with a scale-up whose pods were marked ready as they appeared: this
    // window lasts until every pod it created is marked ready too.
    const likeForLike = async () => {
      progress(`ceiling with readiness writes: ${replicas} pods created directly and marked ready`);
      await clients
        .kind<Namespace>('Namespace')
        .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ready' } }));
      const readyReadier = await startPodReadier(clients, 'ready', stop.signal, { concurrency: 64 });
      meter.start();
      const t2 = performance.now();
      const run = await closedLoop({ concurrency, durationMs: 30 * 60_000, maxOps: replicas }, (i) =>
        podClient.create(pod(`ready-${i}`, { namespace: 'ready', labels: { app: 'ready' } })),
      );
      const markedAtLastCreate = readyReadier.marked;
      await waitFor(
        'every direct pod marked ready',
        async () => (readyReadier.marked >= run.ok ? true : undefined),
        { timeoutMs: timeout.timeoutMs, intervalMs: 20 },
      );
      const cpu = meter.stop(Math.max(1, run.ok));
      const rate = run.ok / ((performance.now() - t2) / 1000);
      if (run.errors > 0) progress(`ceiling run with readiness: ${run.errors} errors (${run.firstError})`);
      return { rate, cpu, markedAtLastCreate };
    };
    const withReady = readyWhileCreating ? await likeForLike() : undefined;
    const controllerRate = replicas / (createdAt / 1000);
    const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
    const rows = [
      ['replicas', String(replicas)],
      ['scale 0 → N: all pods created', `${(createdAt / 1000).toFixed(1)} s`],
      ['scale 0 → N: all pods available', `${(availableAt / 1000).toFixed(1)} s`],
      ['rolling update complete', `${(rolloutAt / 1000).toFixed(1)} s`],
      ['pod creates/s by the controllers', controllerRate.toFixed(0)],
      [`pod creates/s direct (${concurrency} in flight)`, ceilingRate.toFixed(0)],
      ['controllers / direct', `${((100 * controllerRate) / ceilingRate).toFixed(0)}% (target >= 70%)`],
      ['apiserver calls that write, scale 0 → N', scaleWrites],
      [`readiness writes during scale 0 → N`, `${readinessWrites} (the direct run makes none)`],
      ...(withReady
        ? [
            [
              `pod creates/s direct + readiness writes`,
              `${withReady.rate.toFixed(0)} (until all are marked ready; ${withReady.markedAtLastCreate} were when the last create returned)`,
            ],
            [
              'controllers / direct + readiness writes',
              `${((100 * controllerRate) / withReady.rate).toFixed(0)}%`,
            ],
          ]
        : []),
      ['CPU ms per pod, scale 0 → N', scaleCpu],
      ['CPU ms per pod, direct', ceilingCpu],
      ...(withReady ? [['CPU ms per pod, direct + readiness writes', withReady.cpu]] : []),
      ['controller-manager peak RSS', `${mib(peakRss)} MiB`],
      ...(manyDeployments > 0
        ? [
            [
              `${manyDeployments} Deployments x ${manyReplicas}: all complete`,
              `${(manyAt / 1000).toFixed(1)} s`,
            ],
            [`CPU ms per pod, ${manyDeployments} Deployments x ${manyReplicas}`, manyCpu],
          ]
        : []),
    ];
    const width = Math.max(...rows.map(([k]) => (k ?? '').length));
    process.stdout.write(`${rows.map(([k, v]) => `${(k ?? '').padEnd(width)}  ${v}`).join('\n')}\n`);
    if (ceiling.errors > 0) progress(`ceiling run: ${ceiling.errors} errors (${ceiling.firstError})`);
  } finally {
    clearInterval(sampler);
    clearInterval(ticker);
    stop.abort();
    clients.close();
    await cm.stop();
    await cluster.stop();
  }
}

await main();
