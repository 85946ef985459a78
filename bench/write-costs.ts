/**
 * `npm run bench:write-costs`: what one write of each kind the plane makes per pod costs
 * the apiserver and the store, in CPU milliseconds, measured one kind at a time in the
 * same cluster: a pod create (the CreatePods stream, as the ReplicaSet controller), a
 * bind (BindPods, as the scheduler), a status write (UpdatePodStatuses, as a kubelet),
 * an Event create (CreateEvents, as every component's recorder). `--watchers N` keeps N
 * watches of all pods open throughout (each decoding what it is sent), as components do.
 *
 * Each phase writes `--count` items with `--in-flight` pending at once and reads the two
 * processes' CPU from /proc before and after; phases alternate over `--rounds` rounds
 * so that a drift of the host's speed lands on every kind alike.
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBindStream } from '../scheduler/bind-stream.js';
import { readyNode } from '../scheduler/testing/scheduler-process.js';
import { createPodsStream } from '../sdk/client/create-pods-stream.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { updatePodStatusesStream } from '../sdk/client/update-pod-statuses-stream.js';
import { createEventsStream } from '../sdk/events/create-events-stream.js';
import { Binding } from '../sdk/gen/wheelhouse/core/v1/binding.js';
import { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Node } from '../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { cpuSecondsOf as cpuSeconds } from '../store/bench/process-cpu.js';
import { startCluster } from '../test/cluster.js';
import { findChild } from './process-memory.js';
import { forEachLimited } from './workload.js';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    'in-flight': { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
    watchers: { type: 'string', default: '1' },
  },
});
const COUNT = Number(args.count);
const IN_FLIGHT = Number(args['in-flight']);
const ROUNDS = Number(args.rounds);
const WATCHERS = Number(args.watchers);

/** Runs `fn` over 0..count-1 with at most `width` in flight; the first failure fails the bench. */
const pool = (count: number, width: number, fn: (i: number) => Promise<unknown>) =>
  forEachLimited(count, width, fn, (err) => {
    throw err;
  });

function benchPod(ns: string, name: string): Pod {
  return Pod.fromPartial({
    metadata: { namespace: ns, name, labels: { app: 'bench', 'pod-template-hash': '5d4f8c7b9' } },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'registry.local/app:1.0',
          resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
        },
      ],
    },
  });
}

function runningStatus(pod: Pod, rv: string): Pod {
  const now = new Date();
  return Pod.fromPartial({
    ...pod,
    metadata: { ...pod.metadata, resourceVersion: rv },
    spec: { ...pod.spec, nodeName: 'node-0' },
    status: {
      phase: 'Running',
      podIp: '10.0.0.1',
      hostIp: '192.168.0.1',
      startTime: now,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
        { type: 'Initialized', status: 'True', lastTransitionTime: now },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
        { type: 'Ready', status: 'True', lastTransitionTime: now },
      ],
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          started: true,
          image: 'registry.local/app:1.0',
          imageId: 'sha256:0',
          containerId: 'containerd://0',
          state: { running: { startedAt: now } },
        },
      ],
    },
  });
}

function scheduledEvent(ns: string, name: string, i: number): Event {
  const now = new Date();
  return Event.fromPartial({
    metadata: { namespace: ns, name: `${name}.${i.toString(16)}` },
    involvedObject: { kind: 'Pod', namespace: ns, name, apiVersion: 'v1', uid: `uid-${i}` },
    reason: 'Scheduled',
    message: `Successfully assigned ${ns}/${name} to node-0`,
    type: 'Normal',
    source: { component: 'default-scheduler' },
    reportingComponent: 'default-scheduler',
    reportingInstance: 'default-scheduler-bench',
    action: 'Binding',
    firstTimestamp: now,
    lastTimestamp: now,
    eventTime: now,
    count: 1,
  });
}

async function main(): Promise<void> {
  const cluster = await startCluster();
  const abort = new AbortController();
  try {
    const storePid = findChild(['store', '--data-dir', join(cluster.dir, 'store')]);
    const clients = createClientset(cluster.admin, { component: 'bench' });
    await clients.kind<Node>('Node').create(readyNode('node-0'));
    const watching = Array.from({ length: WATCHERS }, () =>
      (async () => {
        for await (const _ of clients.kind<Pod>('Pod').watch('', {}, abort.signal));
      })().catch(() => undefined),
    );
    void watching;
    const creates = createPodsStream(clients.api);
    const binds = createBindStream(clients.api);
    const statuses = updatePodStatusesStream(clients.api);
    const events = createEventsStream(clients.api);
    const sums = new Map<string, { api: number; store: number; seconds: number; n: number }>();
    const measure = async (kind: string, run: () => Promise<void>) => {
      const a0 = cpuSeconds(cluster.apiserverPid);
      const s0 = cpuSeconds(storePid);
      const t0 = performance.now();
      const m0 = process.hrtime.bigint() / 1000n;
      await run();
      const seconds = (performance.now() - t0) / 1000;
      // The window on the monotonic clock that CPU profiles use, to cut them to it.
      process.stderr.write(`  ${kind}: monotonic µs ${m0}..${process.hrtime.bigint() / 1000n}\n`);
      const sum = sums.get(kind) ?? { api: 0, store: 0, seconds: 0, n: 0 };
      sum.api += cpuSeconds(cluster.apiserverPid) - a0;
      sum.store += cpuSeconds(storePid) - s0;
      sum.seconds += seconds;
      sum.n += COUNT;
      sums.set(kind, sum);
    };
    for (let round = -1; round < ROUNDS; round++) {
      // Round -1 warms every path up, unmeasured.
      const ns = `bench-${round + 1}`;
      await clients.kind<Namespace>('Namespace').create(Namespace.fromPartial({ metadata: { name: ns } }));
      const rvs: string[] = [];
      const phase = round < 0 ? async (_k: string, run: () => Promise<void>) => run() : measure;
      await phase('pod create', () =>
        pool(COUNT, IN_FLIGHT, async (i) => {
          rvs[i] = (await creates.create(benchPod(ns, `p-${i}`))).resourceVersion;
        }),
      );
      await phase('bind', () =>
        pool(COUNT, IN_FLIGHT, async (i) => {
          rvs[i] = await binds.bind(
            Binding.fromPartial({
              metadata: { namespace: ns, name: `p-${i}` },
              target: { kind: 'Node', name: 'node-0' },
            }),
          );
        }),
      );
      await phase('status write', () =>
        pool(COUNT, IN_FLIGHT, async (i) => {
          await statuses.updateStatus(runningStatus(benchPod(ns, `p-${i}`), rvs[i] ?? ''));
        }),
      );
      await phase('Event create', () =>
        pool(COUNT, IN_FLIGHT, async (i) => {
          await events.create(scheduledEvent(ns, `p-${i}`, i));
        }),
      );
      process.stderr.write(`round ${round + 1} of ${ROUNDS} done (warm-up first)\n`);
    }
    creates.close();
    binds.close();
    statuses.close();
    events.close();
    console.log(
      `${COUNT} items a phase, ${IN_FLIGHT} in flight, ${WATCHERS} pod watch(es), ${ROUNDS} rounds`,
    );
    // The reference: each write beside a pod create, measured in the same rounds.
    const ref = sums.get('pod create');
    const refCpu = ref ? (ref.api + ref.store) / ref.n : Number.NaN;
    console.log('| write | items/s | apiserver CPU ms/item | store CPU ms/item | both, × a pod create |');
    console.log('|---|---|---|---|---|');
    for (const [kind, s] of sums)
      console.log(
        `| ${kind} | ${Math.round(s.n / s.seconds)} | ${((1000 * s.api) / s.n).toFixed(3)} | ${((1000 * s.store) / s.n).toFixed(3)} | ${((s.api + s.store) / s.n / refCpu).toFixed(2)} |`,
      );
    console.log(
      `load average at the end: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}`,
    );
  } finally {
    abort.abort();
    await cluster.stop();
  }
}

await main();
