/**
 * A host-speed reference: how many µs of this process's CPU one unit of a fixed,
 * deterministic workload takes right now. A benchmark measures it in the same run as its
 * own figures (at a window's edges) and divides its CPU figures by it, so that runs on a
 * machine whose speed moves from one run to the next (shared cores, frequency, a busy
 * sibling hyperthread) can be compared by that ratio rather than by raw milliseconds.
 *
 * One unit is the kind of work the plane does for each pod, many times over: decode a
 * running Pod from Protobuf (as every watcher does), change its resource version and
 * status (as a write does), encode it again (as the apiserver and store do), and keep it
 * in a Map keyed by namespace/name, replacing and deleting entries as an informer's
 * cache does. The workload never changes and depends on no input, so any difference
 * between two measurements is the host's.
 *
 * It is timed in CPU time of the process (`process.cpuUsage`), not wall time, so time
 * spent waiting for a core is not counted, only how fast the core runs once it has one;
 * the fastest of many short repetitions is taken, which drops a repetition that a
 * collection of the caller's heap, a preemption (a cold cache after it) or a migration to
 * another core landed in; the median is kept beside it.
 */
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';

export interface HostSpeed {
  /** µs of CPU per unit, the fastest repetition. */
  readonly usPerUnit: number;
  /**
   * µs of CPU per unit, the median repetition: closer to the speed a long window sees on a
   * machine where others' processes come and go, but noisier.
   */
  readonly medianUsPerUnit: number;
  /** The slowest repetition over the fastest (1 when every repetition took the same). */
  readonly spread: number;
  /** CPU ms spent measuring, warm-up included. */
  readonly costMs: number;
}

export interface HostSpeedOptions {
  /** Units per repetition (default 500: ~10-15 ms on this project's development machines). */
  readonly units?: number;
  /** Timed repetitions after one warm-up (default 20). */
  readonly repetitions?: number;
}

const conditionFields = JSON.stringify({
  '.': {},
  'f:lastProbeTime': {},
  'f:lastTransitionTime': {},
  'f:status': {},
  'f:type': {},
});

/** A running pod of a Deployment as the plane holds it: scheduled, its status written by a kubelet. */
function referencePod(): Pod {
  const at = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'd-17-5c7f9d8b64-q7w2z',
      generateName: 'd-17-5c7f9d8b64-',
      namespace: 'density-0',
      uid: '0f3b6c2e-6a7d-4e51-b1f8-2c9d7a4e8b10',
      resourceVersion: '40917',
      creationTimestamp: at,
      labels: { app: 'd-17', bench: 'scale', 'pod-template-hash': '5c7f9d8b64' },
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'd-17-5c7f9d8b64',
          uid: '9e2d4c1a-3b5f-4a6e-8d7c-1f0e2b3a4c5d',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      managedFields: [
        {
          manager: 'controller-manager',
          operation: 'Update',
          apiVersion: 'v1',
          time: at,
          fieldsType: 'FieldsV1',
          fieldsV1: {
            raw: Buffer.from(
              JSON.stringify({
                'f:metadata': {
                  'f:generateName': {},
                  'f:labels': { '.': {}, 'f:app': {}, 'f:bench': {}, 'f:pod-template-hash': {} },
                  'f:ownerReferences': { '.': {}, 'k:{"uid":"9e2d4c1a-3b5f-4a6e-8d7c-1f0e2b3a4c5d"}': {} },
                },
                'f:spec': {
                  'f:containers': {
                    'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:resources': {} },
                  },
                  'f:terminationGracePeriodSeconds': {},
                },
              }),
            ),
          },
        },
        {
          manager: 'kubelet',
          operation: 'Update',
          apiVersion: 'v1',
          time: at,
          fieldsType: 'FieldsV1',
          subresource: 'status',
          fieldsV1: {
            raw: Buffer.from(
              `{"f:status":{"f:conditions":{"k:{\\"type\\":\\"Ready\\"}":${conditionFields},` +
                `"k:{\\"type\\":\\"PodScheduled\\"}":${conditionFields}},"f:phase":{},"f:podIP":{},"f:startTime":{}}}`,
            ),
          },
        },
      ],
    },
    spec: {
      nodeName: 'sim-node-0042',
      schedulerName: 'default-scheduler',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: '0',
      containers: [
        {
          name: 'main',
          image: 'registry.k8s.io/pause:3.9',
          resources: { requests: { cpu: '10m', memory: '16Mi' } },
        },
      ],
    },
    status: {
      phase: 'Running',
      hostIp: '10.0.0.42',
      podIp: '10.244.42.17',
      podIps: [{ ip: '10.244.42.17' }],
      startTime: at,
      conditions: [
        { type: 'PodScheduled', status: 'True', lastTransitionTime: at },
        { type: 'Ready', status: 'True', lastTransitionTime: at },
      ],
      containerStatuses: [
        {
          name: 'main',
          ready: true,
          image: 'registry.k8s.io/pause:3.9',
          state: { running: { startedAt: at } },
        },
      ],
    },
  });
}

const bytes = Pod.encode(referencePod()).finish();
/**
 * Entries the Map keeps. Small, so that what a repetition allocates dies young: with
 * hundreds of pods kept, survivors reached the old generation and the figure grew with
 * the caller's heap (a benchmark's heap grows over a run), not with the host's speed.
 */
const CACHE = 64;

/** Runs `units` units; returns a figure that depends on every one, so none can be optimized away. */
function work(units: number): number {
  const cache = new Map<string, Pod>();
  let sink = 0;
  for (let i = 0; i < units; i++) {
    const pod = Pod.decode(bytes);
    const meta = pod.metadata;
    if (!meta || !pod.status) throw new Error('the reference pod lost its metadata or status');
    meta.name = `${meta.generateName}${i % CACHE}`;
    meta.resourceVersion = String(40_917 + i);
    meta.labels = { ...meta.labels, 'pod-template-hash': `h${i & 7}` };
    pod.status.phase = i & 1 ? 'Running' : 'Pending';
    sink += Pod.encode(pod).finish().length;
    const key = `${meta.namespace}/${meta.name}`;
    cache.set(key, pod);
    if ((i & 3) === 0) cache.delete(`${meta.namespace}/${meta.generateName}${(i + CACHE / 2) % CACHE}`);
    sink += cache.size;
  }
  return sink;
}

/**
 * Whether this process has run the workload: the first measurement warms up longer, as
 * its CPU time includes compiling the workload's code (the compiler's threads are this
 * process's too), which a busy machine can delay by several repetitions.
 */
let warm = false;

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

/**
 * Measures the reference now. Synchronous: it holds the event loop for its duration
 * (~250-400 ms of CPU with the defaults, more wall time on a busy machine), so a caller
 * measures it outside the windows it times.
 */
export function hostSpeed(options: HostSpeedOptions = {}): HostSpeed {
  const units = options.units ?? 500;
  const repetitions = options.repetitions ?? 20;
  if (!(units > 0 && repetitions > 0)) throw new Error('units and repetitions must be positive');
  const start = process.cpuUsage();
  let sink = 0;
  for (let r = 0; r < (warm ? 1 : 4); r++) sink += work(units);
  warm = true;
  const times: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const t0 = process.cpuUsage();
    sink += work(units);
    times.push(cpuMicros(t0) / units);
  }
  if (sink <= 0) throw new Error('the reference workload did nothing');
  const fastest = Math.min(...times);
  const sorted = [...times].sort((a, b) => a - b);
  return {
    usPerUnit: fastest,
    medianUsPerUnit: sorted[Math.floor(sorted.length / 2)] ?? fastest,
    spread: Math.max(...times) / fastest,
    costMs: cpuMicros(start) / 1000,
  };
}

/** What a sampler saw over a window. */
export interface SampledHostSpeed {
  /** µs of CPU per unit, the median of the bursts. */
  readonly usPerUnit: number;
  readonly bursts: number;
  /** CPU ms the bursts cost (the caller subtracts it from its own CPU over the window). */
  readonly costMs: number;
}

export interface HostSpeedSampler {
  stop(): SampledHostSpeed;
}

/**
 * Samples the reference through a window rather than at its edges: a burst of `units`
 * units every `periodMs` (100 units every 250 ms: ~1 % of a core). The host's speed can
 * move by half within a window of tens of seconds, which two edge measurements miss;
 * the median of many bursts follows what the window's processes ran at. A burst holds
 * the event loop for a few ms.
 */
export function sampleHostSpeed(periodMs = 250, units = 100): HostSpeedSampler {
  if (!warm) hostSpeed({ units, repetitions: 1 });
  const bursts: number[] = [];
  let cost = 0;
  let sink = 0;
  const timer = setInterval(() => {
    const t0 = process.cpuUsage();
    sink += work(units);
    const used = cpuMicros(t0);
    cost += used;
    bursts.push(used / units);
  }, periodMs);
  return {
    stop: () => {
      clearInterval(timer);
      if (bursts.length > 0 && sink <= 0) throw new Error('the reference workload did nothing');
      const sorted = [...bursts].sort((a, b) => a - b);
      return {
        usPerUnit: sorted[Math.floor(sorted.length / 2)] ?? Number.NaN,
        bursts: bursts.length,
        costMs: cost / 1000,
      };
    },
  };
}
