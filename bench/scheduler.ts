/**
 * `npm run bench:scheduler`: scheduling throughput after kube's scheduler_perf — a
 * real store, apiserver and `wheelhouse scheduler`, Node objects only (no kubelets),
 * pods created at full speed, throughput from the first create to the last bind seen
 * through a watch. Beside each workload, in the same cluster, the apiserver's bind
 * ceiling: the same number of pods bound by a trivial round-robin binder in this
 * process. Before either, unmeasured, up to `--warmup N` pods (2,000) are bound the
 * ceiling's way, so that the scheduler's run does not pay for compiling the apiserver's
 * code while the ceiling's, run second, would not; then, as scheduler_perf's `initPods`
 * (1,000 for SchedulingBasic at 5,000 nodes), the scheduler itself places up to
 * `--scheduler-warmup N` pods of the workload's shape (1,000), unmeasured, so that the
 * measured window does not pay for compiling its code either. Flags: `--quick` (a tenth
 * of the size), `--workloads A,B`, `--scale x`, `--warmup N`, `--scheduler-warmup N`,
 * `--profile-dir d` (a CPU profile of every process of the plane, written on exit).
 */
import { availableParallelism, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createBindStream } from '../scheduler/bind-stream.js';
import { pendingPod, readyNode, startScheduler } from '../scheduler/testing/scheduler-process.js';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import { apiEventSink, createEventRecorder, type EventRecorder } from '../sdk/events/index.js';
import { Binding } from '../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { PriorityClass } from '../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { cpuSecondsOf as cpuSeconds, mainThreadBusy } from '../store/bench/process-cpu.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { scrape } from '../test/scrape.js';
import { findChild, residentBytes } from './process-memory.js';

interface Workload {
  readonly name: string;
  readonly nodes: number;
  /** Pods placed before the measurement (Preemption's victims). */
  readonly initPods?: number;
  readonly pods: number;
  /** Kubernetes' CI floor in pods/s, where it publishes one. */
  readonly floor?: number;
  node(i: number): Node;
  initPod?(i: number): Pod;
  pod(i: number, ns: string): Pod;
}

const zones = 10;
const zoneOf = (i: number) => `zone-${i % zones}`;
const zonedNode = (i: number, cpu = '4') =>
  readyNode(`node-${i}`, { cpu, memory: '32Gi', labels: { 'topology.kubernetes.io/zone': zoneOf(i) } });
const small = (name: string, ns: string, labels: Record<string, string> = { app: 'bench' }) =>
  pendingPod(name, { cpu: '100m', memory: '100Mi', namespace: ns, labels });

function workloads(scale: number): Workload[] {
  const n = (x: number) => Math.max(10, Math.round(x * scale));
  return [
    {
      name: 'SchedulingBasic',
      nodes: n(5000),
      pods: n(10_000),
      floor: 680,
      node: (i) => zonedNode(i),
      pod: (i, ns) => small(`p-${i}`, ns),
    },
    {
      name: 'NodeAffinity',
      nodes: n(5000),
      pods: n(10_000),
      node: (i) => zonedNode(i),
      pod: (i, ns) => {
        const p = small(`p-${i}`, ns);
        if (p.spec)
          p.spec.affinity = {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [
                  {
                    matchExpressions: [
                      {
                        key: 'topology.kubernetes.io/zone',
                        operator: 'In',
                        values: ['zone-0', 'zone-1', 'zone-2', 'zone-3', 'zone-4'],
                      },
                    ],
                    matchFields: [],
                  },
                ],
              },
              preferredDuringSchedulingIgnoredDuringExecution: [],
            },
          };
        return p;
      },
    },
    {
      name: 'PodAntiAffinity',
      nodes: n(5000),
      pods: n(2000),
      floor: 60,
      node: (i) => zonedNode(i),
      pod: (i, ns) => {
        const p = small(`p-${i}`, ns, { color: 'green' });
        if (p.spec)
          p.spec.affinity = {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                {
                  labelSelector: { matchLabels: { color: 'green' }, matchExpressions: [] },
                  topologyKey: 'kubernetes.io/hostname',
                  namespaces: [],
                  matchLabelKeys: [],
                  mismatchLabelKeys: [],
                },
              ],
              preferredDuringSchedulingIgnoredDuringExecution: [],
            },
          };
        return p;
      },
    },
    {
      name: 'TopologySpreading',
      nodes: n(5000),
      pods: n(10_000),
      floor: 460,
      node: (i) => zonedNode(i),
      pod: (i, ns) => {
        const p = small(`p-${i}`, ns, { app: 'spread' });
        if (p.spec)
          p.spec.topologySpreadConstraints = [
            {
              maxSkew: 5,
              topologyKey: 'topology.kubernetes.io/zone',
              whenUnsatisfiable: 'DoNotSchedule',
              labelSelector: { matchLabels: { app: 'spread' }, matchExpressions: [] },
              matchLabelKeys: [],
              nodeAffinityPolicy: '',
              nodeTaintsPolicy: '',
            },
          ];
        return p;
      },
    },
    {
      name: 'Preemption',
      nodes: n(500),
      initPods: n(500),
      pods: n(500),
      node: (i) => zonedNode(i, '1'),
      initPod: (i) => {
        const p = pendingPod(`low-${i}`, { cpu: '900m', namespace: 'bench-init' });
        if (p.spec) p.spec.priorityClassName = 'bench-low';
        return p;
      },
      pod: (i, ns) => {
        const p = pendingPod(`high-${i}`, { cpu: '900m', namespace: ns });
        if (p.spec) p.spec.priorityClassName = 'bench-high';
        return p;
      },
    },
  ];
}

/** Runs `fn` over 0..count-1 with at most `width` calls in flight. */
async function pool(count: number, width: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await fn(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
}

/**
 * Creates `count` pods in `ns` at full speed and resolves with the seconds from the
 * first create to the last bind seen by a watch started before.
 */
async function timeBinds(
  clients: Clientset,
  ns: string,
  count: number,
  make: (i: number) => Pod,
  onPending?: (pod: Pod) => void,
  timeoutMs = 600_000,
): Promise<{ seconds: number; bound: number }> {
  const podsClient = clients.kind<Pod>('Pod');
  const start = await podsClient.list(ns, { limit: '1' });
  const abort = new AbortController();
  const bound = new Set<string>();
  let t0 = 0;
  let tLast = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((r) => {
    resolveDone = r;
  });
  const watching = (async () => {
    for await (const ev of podsClient.watch(ns, { resourceVersion: start.resourceVersion }, abort.signal)) {
      const p = ev.object;
      if (p === undefined) continue;
      const name = p.metadata?.name ?? '';
      if (p.spec?.nodeName) {
        if (!bound.has(name)) {
          bound.add(name);
          tLast = performance.now();
          if (bound.size >= count) resolveDone();
        }
      } else if (onPending) onPending(p);
    }
  })().catch(() => undefined);
  t0 = performance.now();
  const m0 = process.hrtime.bigint() / 1000n;
  await pool(count, 256, (i) => podsClient.create(make(i)));
  const timer = setTimeout(resolveDone, timeoutMs);
  await done;
  clearTimeout(timer);
  abort.abort();
  await watching;
  // The window on the monotonic clock that CPU profiles (--cpu-prof) use, to cut them to it.
  process.stderr.write(
    `  ${ns}: ${bound.size} pods bound in monotonic µs ${m0}..${process.hrtime.bigint() / 1000n}\n`,
  );
  return { seconds: (tLast - t0) / 1000, bound: bound.size };
}

/**
 * Resolves once a recorder has nothing left to write: `queued()` (Events waiting, from
 * its metrics) read 0 twice, 250 ms apart, so that the writes in flight at the first
 * reading are done too; or after `timeoutMs`. Waiting this way costs the apiserver
 * nothing: a watch of the Events would add an encoded message per Event to the run
 * measured, which the plain ceiling does not pay.
 */
async function recorderIdle(queued: () => Promise<number>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let idleReadings = 0;
  while (idleReadings < 2 && Date.now() < deadline) {
    idleReadings = (await queued()) === 0 ? idleReadings + 1 : 0;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The scheduler's recorder, from its metrics: Events waiting, and `reason count` of each drop. */
async function recorderMetrics(
  endpoint: string,
  cluster: Cluster,
): Promise<{ queued: number; dropped: string[] }> {
  const res = await scrape(`${endpoint}/metrics`, { ca: cluster.pki.caFile, cert: cluster.pki.admin });
  const dropped: string[] = [];
  let queued = Number.NaN;
  for (const line of res.body.split('\n')) {
    const m = /^wheelhouse_events_dropped_total\{.*reason="(\w+)".*\} (\S+)$/.exec(line);
    if (m) dropped.push(`${m[1]} ${m[2]}`);
    if (line.startsWith('wheelhouse_events_queued')) queued = Number(line.split(' ').pop());
  }
  return { queued, dropped };
}

/** Events waiting in the scheduler's recorder; NaN when its metrics cannot be read. */
async function schedulerQueued(endpoint: string, cluster: Cluster): Promise<number> {
  return recorderMetrics(endpoint, cluster).then(
    (m) => m.queued,
    () => Number.NaN,
  );
}

/**
 * The `Scheduled` Events in `ns`, counted by a paged list once the CPU is read; listed
 * again a second later while fewer than `expected` (the last writes may still be in flight).
 */
async function countScheduled(clients: Clientset, ns: string, expected: number): Promise<number> {
  const events = clients.kind<Event>('Event');
  let count = 0;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, 1_000));
    count = 0;
    let token = '';
    do {
      const page = await events.list(ns, { limit: '5000', continue: token });
      count += page.items.filter((e) => e.reason === 'Scheduled').length;
      token = page.continue;
    } while (token !== '');
    if (count >= expected) break;
  }
  return count;
}

/**
 * What the scheduler's event recorder did not write, from its metrics, when Events are
 * missing: `recorder dropped queue_full 0, rate_limited 0, write_failed 0, queued 0; `.
 */
async function recorderState(endpoint: string, cluster: Cluster): Promise<string> {
  try {
    const { queued, dropped } = await recorderMetrics(endpoint, cluster);
    return `recorder dropped ${dropped.join(', ')}, queued ${queued}; `;
  } catch (err) {
    return `recorder metrics unreadable (${(err as Error).message}); `;
  }
}

async function ensureNamespace(clients: Clientset, name: string): Promise<void> {
  await clients
    .kind<Namespace>('Namespace')
    .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
}

interface Row {
  workload: string;
  nodes: number;
  pods: number;
  podsPerSec: number;
  ceiling: number;
  /** The ceiling whose binder also records a `Scheduled` Event per pod, as the scheduler does (0: not run). */
  eventCeiling: number;
  eventCeilingTotalCpu: number;
  /**
   * The share of a core each main thread was busy while the pods were created and bound:
   * the apiserver's and the scheduler's in the scheduler's run, the apiserver's in each
   * ceiling. The process whose main thread is busy nearly all the time is what bounds the
   * run (the apiserver's JavaScript runs on that one thread).
   */
  busy: { apiserver: number; scheduler: number; ceilingApiserver: number; eventCeilingApiserver: number };
  floor?: number;
  rssMiB: number;
  /**
   * CPU milliseconds per pod: the scheduler's; the apiserver's, and the whole
   * plane's (store, apiserver, scheduler and this process's clients) while the
   * scheduler ran and while the ceiling's binder ran.
   */
  schedulerCpu: number;
  apiserverCpu: number;
  ceilingApiserverCpu: number;
  totalCpu: number;
  ceilingTotalCpu: number;
  /** `Scheduled` Events written (the recorder waited for up to a minute after the last bind; CPU figures include them). */
  scheduledEvents: number;
  note: string;
}

/**
 * `count` pods created in `namespace` and bound round-robin over `nodes` nodes by a
 * binder that only binds, over the BindPods stream the scheduler's DefaultBinder uses.
 */
async function bindRoundRobin(
  clients: Clientset,
  namespace: string,
  count: number,
  nodes: number,
  events?: EventRecorder,
): Promise<{ seconds: number; bound: number }> {
  let rr = 0;
  const binding = new Set<string>();
  const answered: Promise<unknown>[] = [];
  const binds = createBindStream(clients.api);
  try {
    const timed = await timeBinds(
      clients,
      namespace,
      count,
      (i) => {
        const p = small(`c-${i}`, namespace);
        if (p.spec) p.spec.schedulerName = 'round-robin';
        return p;
      },
      (p) => {
        const name = p.metadata?.name ?? '';
        if (binding.has(name)) return;
        binding.add(name);
        const node = `node-${rr++ % nodes}`;
        const bound = binds
          .bind(
            Binding.fromPartial({
              metadata: { name, namespace },
              target: { kind: 'Node', name: node },
            }),
          )
          .then(
            // As the scheduler's binding cycle does once its bind has succeeded.
            () =>
              events?.event(
                p,
                'Normal',
                'Scheduled',
                `Successfully assigned ${namespace}/${name} to ${node}`,
              ),
            () => undefined,
          );
        answered.push(bound);
      },
    );
    // A watch can see a bind before its answer arrives: the Events follow the answers.
    await Promise.all(answered);
    return timed;
  } finally {
    binds.close();
  }
}

async function runWorkload(w: Workload): Promise<Row> {
  const cluster: Cluster = await startCluster();
  const clients = createClientset(cluster.admin, { component: 'bench' });
  const recorder = createEventRecorder(apiEventSink(clients.api), { component: 'default-scheduler' });
  try {
    await pool(w.nodes, 64, (i) => clients.kind<Node>('Node').create(w.node(i)));
    for (const ns of [
      'bench',
      'ceiling',
      'ceiling-events',
      'bench-init',
      'bench-warmup',
      'bench-scheduler-warmup',
    ])
      await ensureNamespace(clients, ns);
    if (w.initPods) {
      for (const [name, value] of [
        ['bench-low', 0],
        ['bench-high', 1000],
      ] as const) {
        await clients.kind<PriorityClass>('PriorityClass').create(
          PriorityClass.fromPartial({
            apiVersion: 'scheduling.k8s.io/v1',
            kind: 'PriorityClass',
            metadata: { name },
            value,
          }),
        );
      }
    }
    // Unmeasured: the first phase would otherwise pay for compiling the apiserver's code
    // (and the ceiling with Events for compiling this process's recorder).
    if (warmup > 0)
      await bindRoundRobin(clients, 'bench-warmup', Math.min(warmup, w.pods), w.nodes, recorder);
    const scheduler = await startScheduler(cluster, { leaderElect: false });
    let rss = 0;
    const sampler = setInterval(() => {
      try {
        rss = Math.max(rss, residentBytes(scheduler.pid));
      } catch {
        // exited
      }
    }, 250);
    let note = '';
    let result: { seconds: number; bound: number };
    let schedulerCpu = Number.NaN;
    let apiserverCpu = Number.NaN;
    let totalCpu = Number.NaN;
    let scheduledEvents = 0;
    let busy = { apiserver: Number.NaN, scheduler: Number.NaN };
    const storePid = findChild(['store', '--data-dir', join(cluster.dir, 'store')]);
    const selfCpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const planeCpu = (schedulerPid: number) =>
      cpuSeconds(storePid) +
      cpuSeconds(cluster.apiserverPid) +
      (schedulerPid > 0 ? cpuSeconds(schedulerPid) : 0) +
      selfCpu();
    try {
      if (w.initPods && w.initPod) {
        const init = w.initPod;
        const r = await timeBinds(clients, 'bench-init', w.initPods, (i) => init(i));
        note = `${r.bound}/${w.initPods} victims placed first; `;
      } else if (schedulerWarmup > 0) {
        // Unmeasured, and its Events written before the measured window opens.
        const ns = 'bench-scheduler-warmup';
        const count = Math.min(schedulerWarmup, w.pods);
        const r = await timeBinds(clients, ns, count, (i) => w.pod(i, ns));
        await recorderIdle(() => schedulerQueued(scheduler.endpoint, cluster), 60_000);
        note = `${r.bound} pods placed by the scheduler first, unmeasured; `;
      }
      const s0 = cpuSeconds(scheduler.pid);
      const a0 = cpuSeconds(cluster.apiserverPid);
      const t0 = planeCpu(scheduler.pid);
      const apiserverBusy = mainThreadBusy(cluster.apiserverPid);
      const schedulerBusy = mainThreadBusy(scheduler.pid);
      result = await timeBinds(
        clients,
        'bench',
        w.pods,
        (i) => w.pod(i, 'bench'),
        undefined,
        w.initPods ? 120_000 : 600_000,
      );
      busy = { apiserver: apiserverBusy(), scheduler: schedulerBusy() };
      // The Scheduled Events are part of the work: wait for them (they trail the binds) before reading the CPU.
      const lastBind = performance.now();
      await recorderIdle(() => schedulerQueued(scheduler.endpoint, cluster), 60_000);
      const eventsDone = (performance.now() - lastBind) / 1000;
      schedulerCpu = (1000 * (cpuSeconds(scheduler.pid) - s0)) / Math.max(1, result.bound);
      apiserverCpu = (1000 * (cpuSeconds(cluster.apiserverPid) - a0)) / Math.max(1, result.bound);
      totalCpu = (1000 * (planeCpu(scheduler.pid) - t0)) / Math.max(1, result.bound);
      note += `Events done ${eventsDone.toFixed(1)} s after the last bind; `;
      note += await recorderState(scheduler.endpoint, cluster);
      scheduledEvents = await countScheduled(clients, 'bench', result.bound);
    } finally {
      clearInterval(sampler);
      await scheduler.stop();
    }
    if (result.bound < w.pods) note += `only ${result.bound}/${w.pods} bound; `;

    // The ceiling: the same pods, bound round-robin by a binder that only binds — over the
    // same BindPods stream the scheduler's DefaultBinder uses, so that the two differ by
    // scheduling alone.
    const c0 = cpuSeconds(cluster.apiserverPid);
    const ct0 = planeCpu(0);
    const ceilingBusy = mainThreadBusy(cluster.apiserverPid);
    const ceiling = await bindRoundRobin(clients, 'ceiling', w.pods, w.nodes);
    const ceilingApiserverBusy = ceilingBusy();
    const ceilingApiserverCpu = (1000 * (cpuSeconds(cluster.apiserverPid) - c0)) / Math.max(1, ceiling.bound);
    const ceilingTotalCpu = (1000 * (planeCpu(0) - ct0)) / Math.max(1, ceiling.bound);

    // The ceiling that also records what kube-scheduler records of each pod: the binder
    // writes a `Scheduled` Event after each bind, through the SDK's recorder over the
    // CreateEvents stream as the scheduler does, and its CPU includes them.
    let eventCeiling = { podsPerSec: 0, totalCpu: Number.NaN, apiserverBusy: Number.NaN };
    if (!w.initPods) {
      const e0 = planeCpu(0);
      const eventBusy = mainThreadBusy(cluster.apiserverPid);
      const r = await bindRoundRobin(clients, 'ceiling-events', w.pods, w.nodes, recorder);
      const apiserverBusy = eventBusy();
      await recorder.flush(60_000);
      eventCeiling = {
        podsPerSec: r.bound / r.seconds,
        totalCpu: (1000 * (planeCpu(0) - e0)) / Math.max(1, r.bound),
        apiserverBusy,
      };
      const written = await countScheduled(clients, 'ceiling-events', r.bound);
      if (written < r.bound) note += `the ceiling with Events wrote ${written} of ${r.bound}; `;
    }
    return {
      workload: w.name,
      nodes: w.nodes,
      pods: w.pods,
      podsPerSec: result.bound / result.seconds,
      schedulerCpu,
      apiserverCpu,
      ceilingApiserverCpu,
      totalCpu,
      ceilingTotalCpu,
      scheduledEvents,
      ceiling: ceiling.bound / ceiling.seconds,
      eventCeiling: eventCeiling.podsPerSec,
      eventCeilingTotalCpu: eventCeiling.totalCpu,
      busy: {
        ...busy,
        ceilingApiserver: ceilingApiserverBusy,
        eventCeilingApiserver: eventCeiling.apiserverBusy,
      },
      ...(w.floor === undefined ? {} : { floor: w.floor }),
      rssMiB: rss / 2 ** 20,
      note,
    };
  } finally {
    await recorder.close(1_000);
    clients.close();
    await cluster.stop();
  }
}

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    workloads: { type: 'string' },
    scale: { type: 'string' },
    'profile-dir': { type: 'string' },
    warmup: { type: 'string', default: '2000' },
    'scheduler-warmup': { type: 'string', default: '1000' },
  },
});
const warmup = Number(values.warmup);
const schedulerWarmup = Number(values['scheduler-warmup']);
if (values['profile-dir']) {
  // The children inherit the environment, and each writes its CPU profile when it exits
  // (--cpu-prof itself is not allowed in NODE_OPTIONS). Cut them to the windows printed
  // on stderr to separate the scheduler's run from the ceiling's.
  process.env.BENCH_PROFILE_DIR = resolve(values['profile-dir']);
  process.env.NODE_OPTIONS =
    `${process.env.NODE_OPTIONS ?? ''} --import ${join(new URL('.', import.meta.url).pathname, 'cpu-profile.mjs')}`.trim();
}
const scale = values.scale !== undefined ? Number(values.scale) : values.quick ? 0.1 : 1;
const wanted = values.workloads?.split(',');
const rows: Row[] = [];
for (const w of workloads(scale)) {
  if (wanted && !wanted.includes(w.name)) continue;
  process.stderr.write(`${w.name}: ${w.nodes} nodes, ${w.pods} pods...\n`);
  try {
    rows.push(await runWorkload(w));
  } catch (err) {
    rows.push({
      workload: w.name,
      nodes: w.nodes,
      pods: w.pods,
      podsPerSec: 0,
      ceiling: 0,
      eventCeiling: 0,
      eventCeilingTotalCpu: Number.NaN,
      busy: {
        apiserver: Number.NaN,
        scheduler: Number.NaN,
        ceilingApiserver: Number.NaN,
        eventCeilingApiserver: Number.NaN,
      },
      rssMiB: 0,
      schedulerCpu: Number.NaN,
      apiserverCpu: Number.NaN,
      ceilingApiserverCpu: Number.NaN,
      totalCpu: Number.NaN,
      ceilingTotalCpu: Number.NaN,
      scheduledEvents: 0,
      note: `failed: ${(err as Error).message.split('\n')[0]}`,
    });
  }
}
const fmt = (x: number) => (Number.isFinite(x) && x > 0 ? x.toFixed(0) : '-');
const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '-');
const share = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)}%` : '-');
const percent = (rate: number, ceiling: number) =>
  ceiling > 0 ? `${((100 * rate) / ceiling).toFixed(0)}%` : '-';
const lines = [
  '| workload | nodes | pods | scheduler pods/s | bind ceiling pods/s | % of ceiling | ceiling with Events pods/s | % of it | k8s CI floor | scheduler RSS MiB | CPU ms/pod: scheduler, apiserver (ceiling) | CPU ms/pod, whole plane (ceiling; with Events) | main thread busy: apiserver, scheduler (apiserver in the ceiling; with Events) | Scheduled Events | note |',
  '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows.map(
    (r) =>
      `| ${r.workload} | ${r.nodes} | ${r.pods} | ${fmt(r.podsPerSec)} | ${fmt(r.ceiling)} | ${percent(r.podsPerSec, r.ceiling)} | ${fmt(r.eventCeiling)} | ${percent(r.podsPerSec, r.eventCeiling)} | ${r.floor ?? '-'} | ${fmt(r.rssMiB)} | ${ms(r.schedulerCpu)}, ${ms(r.apiserverCpu)} (${ms(r.ceilingApiserverCpu)}) | ${ms(r.totalCpu)} (${ms(r.ceilingTotalCpu)}; ${ms(r.eventCeilingTotalCpu)}) | ${share(r.busy.apiserver)}, ${share(r.busy.scheduler)} (${share(r.busy.ceilingApiserver)}; ${share(r.busy.eventCeilingApiserver)}) | ${r.scheduledEvents} | ${r.note} |`,
  ),
  '',
  `load average at the end: ${loadavg()
    .map((x) => x.toFixed(2))
    .join(', ')} on ${availableParallelism()} CPUs`,
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
