/**
 * The replica calculator, case by case with the arithmetic worked out by hand: tolerance,
 * each rebalancing of missing and unready pods, the CPU readiness rules, requests, and the
 * errors Kubernetes reports.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  groupPods,
  type PodMetricsInfo,
  plainMetricReplicas,
  podRequests,
  resourceReplicas,
  resourceUtilizationRatio,
} from './replica-calculator.js';

const NOW = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);
const opts = { tolerance: 0.1, cpuInitializationPeriodMs: 300_000, delayOfInitialReadinessStatusMs: 30_000 };

interface PodOptions {
  /** Each container's cpu request ('' for none); one container `main` by default. */
  readonly requests?: readonly string[];
  readonly phase?: string;
  /** Ready condition: True, False, or none. */
  readonly ready?: 'True' | 'False' | 'none';
  readonly startedAgoS?: number;
  /** When the Ready condition last changed. */
  readonly readySinceAgoS?: number;
  readonly deleting?: boolean;
}

function pod(name: string, o: PodOptions = {}): Pod {
  const requests = o.requests ?? ['1000m'];
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      ...(o.deleting ? { deletionTimestamp: ago(1) } : {}),
    },
    spec: {
      containers: requests.map((cpu, i) => ({
        name: i === 0 ? 'main' : `c${i}`,
        ...(cpu === '' ? {} : { resources: { requests: { cpu } } }),
      })),
    },
    status: {
      phase: o.phase ?? 'Running',
      startTime: ago(o.startedAgoS ?? 600),
      conditions:
        (o.ready ?? 'True') === 'none'
          ? []
          : [{ type: 'Ready', status: o.ready ?? 'True', lastTransitionTime: ago(o.readySinceAgoS ?? 590) }],
    },
  });
}

/** Samples in millicores, taken now over a 15 s window. */
function samples(values: Record<string, number>, takenAgoS = 0, windowS = 15): PodMetricsInfo {
  return new Map(
    Object.entries(values).map(([name, value]) => [
      name,
      { timestamp: ago(takenAgoS), windowMs: windowS * 1000, value },
    ]),
  );
}

describe('resource utilization (target 50 %, requests 1000m)', () => {
  const cases: {
    name: string;
    current: number;
    pods: Pod[];
    metrics: Record<string, number>;
    target?: number;
    replicas: number;
    utilization: number;
  }[] = [
    {
      // 1500m of 3000m: 50 % → ratio 1.0.
      name: 'on target: unchanged',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      metrics: { a: 500, b: 550, c: 450 },
      replicas: 3,
      utilization: 50,
    },
    {
      // 1620m of 3000m: 54 % → ratio 1.08, within 0.1 of 1.
      name: 'within tolerance: unchanged',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      metrics: { a: 540, b: 540, c: 540 },
      replicas: 3,
      utilization: 54,
    },
    {
      // 1680m of 3000m: 56 % → ratio 1.12, outside → ceil(1.12 × 3) = ceil(3.36) = 4.
      name: 'just beyond tolerance: scales',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      metrics: { a: 560, b: 560, c: 560 },
      replicas: 4,
      utilization: 56,
    },
    {
      // 2700m of 3000m: 90 % → 1.8 → ceil(5.4) = 6.
      name: 'scale up, every pod sampled',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      metrics: { a: 900, b: 900, c: 900 },
      replicas: 6,
      utilization: 90,
    },
    {
      // 400m of 4000m: 10 % → 0.2 → ceil(0.8) = 1.
      name: 'scale down, every pod sampled',
      current: 4,
      pods: [pod('a'), pod('b'), pod('c'), pod('d')],
      metrics: { a: 100, b: 100, c: 100, d: 100 },
      replicas: 1,
      utilization: 10,
    },
    {
      // Ready pods: 300m of 3000m = 10 % → 0.2 (down). The missing pod counts as 100 % of its
      // request: 1300m of 4000m = 32 % (32.5 truncated) → 0.64 → ceil(0.64 × 4) = ceil(2.56) = 3.
      name: 'scale down with a missing pod: it counts as using its whole request',
      current: 4,
      pods: [pod('a'), pod('b'), pod('c'), pod('d')],
      metrics: { a: 100, b: 100, c: 100 },
      replicas: 3,
      utilization: 10,
    },
    {
      // Ready pods: 2000m of 2000m = 100 % → 2.0 (up). The missing pod counts as 0:
      // 2000m of 3000m = 66 % → 1.32 → ceil(1.32 × 3) = ceil(3.96) = 4.
      name: 'scale up with a missing pod: it counts as using nothing',
      current: 3,
      pods: [pod('a'), pod('b'), pod('c')],
      metrics: { a: 1000, b: 1000 },
      replicas: 4,
      utilization: 100,
    },
    {
      // Ready: 400m of 1000m = 40 % → 0.8 (down). Three missing pods at 100 %: 3400m of
      // 4000m = 85 % → 1.7: the direction flips, so nothing changes.
      name: 'missing pods that flip a scale-down: unchanged',
      current: 4,
      pods: [pod('a'), pod('b'), pod('c'), pod('d')],
      metrics: { a: 400 },
      replicas: 4,
      utilization: 40,
    },
    {
      // Ready: 2000m of 2000m = 100 % → 2.0 (up). Two pending pods at 0: 2000m of 4000m = 50 %
      // → 1.0, within tolerance: nothing changes.
      name: 'unready pods that bring a scale-up within tolerance: unchanged',
      current: 4,
      pods: [pod('a'), pod('b'), pod('p1', { phase: 'Pending' }), pod('p2', { phase: 'Pending' })],
      metrics: { a: 1000, b: 1000 },
      replicas: 4,
      utilization: 100,
    },
    {
      // Ready: 3000m of 2000m = 150 % → 3.0. The pending pod at 0: 3000m of 3000m = 100 % →
      // 2.0 → ceil(2.0 × 3) = 6.
      name: 'scale up with an unready pod: it counts as using nothing',
      current: 3,
      pods: [pod('a'), pod('b'), pod('p', { phase: 'Pending' })],
      metrics: { a: 1500, b: 1500, p: 2000 },
      replicas: 6,
      utilization: 150,
    },
    {
      // Scaling down, unready pods are left out: 200m of 2000m = 10 % → 0.2 → ceil(0.4) = 1.
      name: 'scale down with an unready pod: it is left out',
      current: 3,
      pods: [pod('a'), pod('b'), pod('p', { phase: 'Pending' })],
      metrics: { a: 100, b: 100 },
      replicas: 1,
      utilization: 10,
    },
    {
      // The deleting and failed pods' samples are dropped: 2000m of 2000m = 100 % → 2.0 → 4.
      name: 'pods being deleted and failed pods are ignored',
      current: 2,
      pods: [pod('a'), pod('b'), pod('gone', { deleting: true }), pod('failed', { phase: 'Failed' })],
      metrics: { a: 1000, b: 1000, gone: 0, failed: 0 },
      replicas: 4,
      utilization: 100,
    },
    {
      // Target 100 %. Four pods of a surge for two replicas; one sampled at 100m of 1000m =
      // 10 % → 0.1 (down). Three missing at 100 %: 3100m of 4000m = 77 % → 0.77, still down,
      // but ceil(0.77 × 4) = 4 would grow past the current 2: nothing changes.
      name: 'a rebalanced count against its direction: unchanged',
      current: 2,
      target: 100,
      pods: [pod('a'), pod('b'), pod('c'), pod('d')],
      metrics: { a: 100 },
      replicas: 2,
      utilization: 10,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = resourceReplicas(
        {
          currentReplicas: c.current,
          targetUtilization: c.target ?? 50,
          resource: 'cpu',
          container: '',
          pods: c.pods,
          metrics: samples(c.metrics),
          now: NOW,
        },
        opts,
      );
      assert.equal(result.replicas, c.replicas);
      assert.equal(result.utilization, c.utilization);
    });
  }

  test('the average usage per sampled pod is reported with the utilization', () => {
    const result = resourceReplicas(
      {
        currentReplicas: 3,
        targetUtilization: 50,
        resource: 'cpu',
        container: '',
        pods: [pod('a'), pod('b'), pod('c')],
        metrics: samples({ a: 900, b: 900, c: 901 }),
        now: NOW,
      },
      opts,
    );
    // 2701m / 3 = 900m (truncated); 270100 / 3000 = 90 %.
    assert.deepEqual(result, { replicas: 6, utilization: 90, rawUtilization: 900 });
  });
});

describe('errors, in Kubernetes words', () => {
  const input = (pods: Pod[], metrics: Record<string, number>) => ({
    currentReplicas: 1,
    targetUtilization: 50,
    resource: 'cpu',
    container: '',
    pods,
    metrics: samples(metrics),
    now: NOW,
  });
  test('no pods', () => {
    assert.throws(() => resourceReplicas(input([], { a: 1 }), opts), {
      message: 'no pods returned by selector while calculating replica count',
    });
  });
  test('a container without a request', () => {
    assert.throws(
      () => resourceReplicas(input([pod('web-1', { requests: ['100m', ''] })], { 'web-1': 5 }), opts),
      {
        message: 'missing request for cpu in container c1 of Pod web-1',
      },
    );
  });
  test('only unready pods', () => {
    assert.throws(() => resourceReplicas(input([pod('a', { phase: 'Pending' })], { a: 5 }), opts), {
      message: 'did not receive metrics for targeted pods (pods might be unready)',
    });
  });
  test('samples of no known pod', () => {
    assert.throws(() => resourceUtilizationRatio(samples({ x: 5 }), new Map([['a', 100]]), 50), {
      message: 'no metrics returned matched known pods',
    });
  });
});

describe('requests', () => {
  test('a pod is the sum of its containers and sidecars; a container resource only its own', () => {
    const p = Pod.fromPartial({
      metadata: { name: 'p' },
      spec: {
        initContainers: [
          { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { cpu: '50m' } } },
          { name: 'init', resources: {} },
        ],
        containers: [
          { name: 'app', resources: { requests: { cpu: '0.2' } } },
          { name: 'log', resources: { requests: { cpu: '100m' } } },
        ],
      },
    });
    assert.deepEqual(podRequests([p], 'cpu'), new Map([['p', 350]]));
    assert.deepEqual(podRequests([p], 'cpu', 'log'), new Map([['p', 100]]));
    assert.throws(() => podRequests([p], 'cpu', 'nope'), { message: 'container nope not found in Pod p' });
    assert.throws(() => podRequests([p], 'memory'), {
      message: 'missing request for memory in container app of Pod p',
    });
  });
});

describe('CPU samples of pods starting up', () => {
  const group = (p: Pod, takenAgoS: number, windowS: number) =>
    groupPods([p], samples({ [p.metadata?.name ?? '']: 100 }, takenAgoS, windowS), 'cpu', opts, NOW);
  const cases: { name: string; pod: Pod; takenAgoS?: number; windowS?: number; unready: boolean }[] = [
    {
      // Ready 30 s ago; the sample was taken now over a 15 s window, which began after.
      name: 'within the initialization period, sampled a window after turning Ready: counted',
      pod: pod('p', { startedAgoS: 60, readySinceAgoS: 30 }),
      unready: false,
    },
    {
      // Ready 10 s ago; the 15 s window began 5 s before that.
      name: 'within the initialization period, window began before turning Ready: unready',
      pod: pod('p', { startedAgoS: 60, readySinceAgoS: 10 }),
      unready: true,
    },
    {
      name: 'within the initialization period, not Ready: unready',
      pod: pod('p', { startedAgoS: 60, ready: 'False', readySinceAgoS: 50 }),
      unready: true,
    },
    {
      name: 'no Ready condition: unready',
      pod: pod('p', { ready: 'none' }),
      unready: true,
    },
    {
      // Started 600 s ago, unready since 590 s ago: within the 30 s delay, so never was ready.
      name: 'after the initialization period, never Ready: unready',
      pod: pod('p', { ready: 'False', startedAgoS: 600, readySinceAgoS: 590 }),
      unready: true,
    },
    {
      // Unready since 100 s ago, long after its start: it was ready once, its samples count.
      name: 'after the initialization period, Ready once and no longer: counted',
      pod: pod('p', { ready: 'False', startedAgoS: 600, readySinceAgoS: 100 }),
      unready: false,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const groups = group(c.pod, c.takenAgoS ?? 0, c.windowS ?? 15);
      assert.equal(groups.unready.has('p'), c.unready);
      assert.equal(groups.readyPodCount, c.unready ? 0 : 1);
    });
  }

  test('the readiness rules are for CPU only', () => {
    const p = pod('p', { startedAgoS: 60, ready: 'False', readySinceAgoS: 50 });
    const groups = groupPods([p], samples({ p: 100 }), 'memory', opts, NOW);
    assert.equal(groups.readyPodCount, 1);
  });

  test('a pod without a sample is missing, a Pending one unready even with a sample', () => {
    const groups = groupPods([pod('a'), pod('b', { phase: 'Pending' })], samples({ b: 1 }), 'cpu', opts, NOW);
    assert.deepEqual([...groups.missing], ['a']);
    assert.deepEqual([...groups.unready], ['b']);
  });
});

describe('average value (target 500m per pod)', () => {
  const cases: {
    name: string;
    current: number;
    pods: Pod[];
    metrics: Record<string, number>;
    replicas: number;
    usage: number;
  }[] = [
    {
      // 1000m average → 2.0 → ceil(2.0 × 2) = 4.
      name: 'scale up',
      current: 2,
      pods: [pod('a'), pod('b')],
      metrics: { a: 1000, b: 1000 },
      replicas: 4,
      usage: 1000,
    },
    {
      // 525m average → 1.05: within tolerance.
      name: 'within tolerance',
      current: 2,
      pods: [pod('a'), pod('b')],
      metrics: { a: 500, b: 550 },
      replicas: 2,
      usage: 525,
    },
    {
      // 100m average → 0.2 (down). Missing pods count as the target: (100 + 100 + 500 + 500) / 4
      // = 300m → 0.6 → ceil(0.6 × 4) = ceil(2.4) = 3.
      name: 'scale down with missing pods: they count as using the target',
      current: 4,
      pods: [pod('a'), pod('b'), pod('c'), pod('d')],
      metrics: { a: 100, b: 100 },
      replicas: 3,
      usage: 100,
    },
    {
      // 1500m average → 3.0 (up). The pending pod at 0: 3000 / 3 = 1000m → 2.0 → 6.
      name: 'scale up with an unready pod',
      current: 3,
      pods: [pod('a'), pod('b'), pod('p', { phase: 'Pending' })],
      metrics: { a: 1500, b: 1500 },
      replicas: 6,
      usage: 1500,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const result = plainMetricReplicas(
        {
          currentReplicas: c.current,
          targetUsage: 500,
          resource: 'cpu',
          pods: c.pods,
          metrics: samples(c.metrics),
          now: NOW,
        },
        opts,
      );
      assert.deepEqual(result, { replicas: c.replicas, usage: c.usage });
    });
  }
});
