/**
 * One HPA sync against fakes of the scale subresource, the metrics and the status write:
 * which path it takes (target unknown, scaled to zero, out of bounds, metrics), the
 * conditions, Events and status each path leaves, in Kubernetes' words.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { Scale } from '../../sdk/gen/wheelhouse/apps/v1/scale.js';
import {
  HorizontalPodAutoscaler,
  type HorizontalPodAutoscalerSpec,
  type MetricSpec,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { matches } from '../../sdk/labels/index.js';
import { AutoscalerHistory } from './autoscaler-history.js';
import { type ResourceMetricsClient, resourceMetricsOf } from './pod-metrics.js';
import { type AutoscalerDeps, reconcileAutoscaler } from './reconcile-autoscaler.js';
import type { ScaleClient } from './scale-target.js';
import { SelectorTracker } from './selector-tracker.js';

const NOW = new Date(Date.UTC(2026, 0, 1, 12, 0, 0));
const EARLIER = new Date(Date.UTC(2026, 0, 1, 11, 0, 0));
const ago = (s: number) => new Date(NOW.getTime() - s * 1000);

const cpu = (averageUtilization: number): MetricSpec => ({
  type: 'Resource',
  resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization, value: '', averageValue: '' } },
});

function hpa(spec: Partial<HorizontalPodAutoscalerSpec> = {}, name = 'web'): HorizontalPodAutoscaler {
  return HorizontalPodAutoscaler.fromPartial({
    metadata: { name, namespace: 'default', generation: '2', resourceVersion: '10' },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 10,
      metrics: [cpu(50)],
      ...spec,
    },
  });
}

/** A running, long-ready pod of the target with one container `main` requesting `request` cpu. */
function pod(name: string, request = '20m'): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [{ name: 'main', ...(request ? { resources: { requests: { cpu: request } } } : {}) }],
    },
    status: {
      phase: 'Running',
      startTime: ago(3600),
      conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(3500) }],
    },
  });
}

interface World {
  replicas: number;
  selector: string;
  pods: Pod[];
  /** Millicores by pod, or a failure of the metrics API. */
  usage: Record<string, number> | Error;
  /** Failures of the next scale updates, in order. */
  updateFailures: Error[];
}

function setup(world: Partial<World> = {}) {
  const w: World = {
    replicas: 1,
    selector: 'app=web',
    pods: [pod('web-1')],
    usage: { 'web-1': 10 },
    updateFailures: [],
    ...world,
  };
  const events: string[] = [];
  const updates: number[] = [];
  const statuses: HorizontalPodAutoscaler[] = [];
  let metricReads = 0;
  const scales: ScaleClient = {
    get: async (_info, namespace, name) =>
      Scale.fromPartial({
        metadata: { name, namespace, resourceVersion: '7' },
        spec: { replicas: w.replicas },
        status: { replicas: w.replicas, selector: w.selector },
      }),
    async update(_info, scale) {
      const failure = w.updateFailures.shift();
      if (failure) throw failure;
      w.replicas = scale.spec?.replicas ?? 0;
      updates.push(w.replicas);
      return scale;
    },
  };
  // What ListPodMetrics would answer, through the client's own conversion.
  const metrics: ResourceMetricsClient = async (resource, _ns, _selector, container) => {
    metricReads++;
    if (w.usage instanceof Error) throw w.usage;
    const items = Object.entries(w.usage).map(([name, milli]) => ({
      metadata: ObjectMeta.fromPartial({ name, namespace: 'default' }),
      timestamp: ago(5),
      window: { seconds: '15', nanos: 0 },
      containers: [{ name: 'main', usage: { cpu: `${milli}m`, memory: '10Mi' } }],
    }));
    return resourceMetricsOf(items, resource, container);
  };
  const deps: AutoscalerDeps = {
    scales,
    metrics,
    podsMatching: (_ns, selector) => w.pods.filter((p) => matches(selector, p.metadata?.labels)),
    events: {
      event: (_obj: KindObject, type: string, reason: string, message: string) => {
        events.push(`${type} ${reason} ${message}`);
      },
    },
    history: new AutoscalerHistory(),
    selectors: new SelectorTracker(),
    options: {
      tolerance: 0.1,
      cpuInitializationPeriodMs: 300_000,
      delayOfInitialReadinessStatusMs: 30_000,
      downscaleStabilizationWindowMs: 300_000,
    },
    now: () => NOW,
    updateStatus: async (h) => {
      statuses.push(h);
      return h;
    },
  };
  return {
    w,
    deps,
    events,
    updates,
    statuses,
    get metricReads() {
      return metricReads;
    },
    /** The status written last. */
    last(): NonNullable<HorizontalPodAutoscaler['status']> {
      const status = statuses.at(-1)?.status;
      assert.ok(status, 'a status was written');
      return status;
    },
    conditions(): string[] {
      return this.last().conditions.map((c) => `${c.type} ${c.status} ${c.reason}: ${c.message}`);
    },
  };
}

describe('bounds, without metrics', () => {
  test('above maxReplicas: scaled down to it', async () => {
    const s = setup({ replicas: 5 });
    const result = await reconcileAutoscaler(s.deps, hpa({ maxReplicas: 3 }), 'default/web');
    assert.deepEqual(result, {});
    assert.deepEqual(s.updates, [3]);
    assert.equal(s.metricReads, 0);
    assert.deepEqual(s.events, [
      'Normal SuccessfulRescale New size: 3; reason: Current number of replicas above Spec.MaxReplicas',
    ]);
    assert.deepEqual(s.conditions(), [
      'AbleToScale True SucceededRescale: the HPA controller was able to update the target scale to 3',
    ]);
    const status = s.last();
    assert.deepEqual(
      [status.currentReplicas, status.desiredReplicas, status.lastScaleTime, status.observedGeneration],
      [5, 3, NOW, '2'],
    );
  });

  test('below minReplicas: scaled up to it', async () => {
    const s = setup({ replicas: 1 });
    await reconcileAutoscaler(s.deps, hpa({ minReplicas: 2 }), 'default/web');
    assert.deepEqual(s.updates, [2]);
    assert.deepEqual(s.events, [
      'Normal SuccessfulRescale New size: 2; reason: Current number of replicas below Spec.MinReplicas',
    ]);
  });

  test('a target scaled to zero: autoscaling is disabled', async () => {
    const s = setup({ replicas: 0 });
    await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.deepEqual(s.updates, []);
    assert.deepEqual(s.events, []);
    assert.deepEqual(s.conditions(), [
      "AbleToScale True SucceededGetScale: the HPA controller was able to get the target's current scale",
      'ScalingActive False ScalingDisabled: scaling is disabled since the replica count of the target is zero',
    ]);
    assert.deepEqual(
      [s.last().currentReplicas, s.last().desiredReplicas, s.last().lastScaleTime],
      [0, 0, undefined],
    );
  });
});

describe('the scale target', () => {
  const cases = [
    {
      ref: { kind: 'ReplicationController', name: 'web', apiVersion: 'v1' },
      message: 'no matches for kind "ReplicationController" in group ""',
    },
    {
      ref: { kind: 'DaemonSet', name: 'web', apiVersion: 'apps/v1' },
      message: 'the server could not find the requested resource: daemonsets.apps has no scale subresource',
    },
    {
      ref: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1/x' },
      message: 'unexpected GroupVersion string: apps/v1/x',
    },
  ];
  for (const c of cases) {
    test(`${c.ref.kind} ${c.ref.apiVersion}: FailedGetScale`, async () => {
      const s = setup();
      const result = await reconcileAutoscaler(s.deps, hpa({ scaleTargetRef: c.ref }), 'default/web');
      assert.equal(
        result.error,
        `failed to query scale subresource for ${c.ref.kind}/default/web: ${c.message}`,
      );
      assert.deepEqual(s.events, [`Warning FailedGetScale ${c.message}`]);
      assert.deepEqual(s.conditions(), [
        `AbleToScale False FailedGetScale: the HPA controller was unable to get the target's current scale: ${c.message}`,
      ]);
    });
  }
});

describe('from the metrics', () => {
  test('cpu above target: scaled up, limited by the scale-up rate', async () => {
    // 100m of 20m: 500 % against 50 % → 10 → ceil(10 × 1) = 10, at most max(2 × 1, 4) = 4.
    const s = setup({ usage: { 'web-1': 100 } });
    await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.deepEqual(s.updates, [4]);
    assert.deepEqual(s.events, [
      'Normal SuccessfulRescale New size: 4; reason: cpu resource utilization (percentage of request) above target',
    ]);
    assert.deepEqual(s.conditions(), [
      'AbleToScale True SucceededRescale: the HPA controller was able to update the target scale to 4',
      'ScalingActive True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited True ScaleUpLimit: the desired replica count is increasing faster than the maximum scale rate',
    ]);
    assert.deepEqual(HorizontalPodAutoscaler.toJSON({ ...hpa(), status: s.last() }), {
      ...(HorizontalPodAutoscaler.toJSON(hpa()) as object),
      status: {
        observedGeneration: '2',
        lastScaleTime: NOW.toISOString(),
        currentReplicas: 1,
        desiredReplicas: 4,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageValue: '100m', averageUtilization: 500 } },
          },
        ],
        conditions: s.last().conditions.map((c) => ({ ...c, lastTransitionTime: NOW.toISOString() })),
      },
    });
  });

  test('on target: left alone, and a second sync writes nothing', async () => {
    // 10m of 20m: 50 %.
    const s = setup({ usage: { 'web-1': 10 } });
    const before = hpa();
    await reconcileAutoscaler(s.deps, before, 'default/web');
    assert.deepEqual(s.updates, []);
    assert.deepEqual(s.conditions(), [
      'AbleToScale True ReadyForNewScale: recommended size matches current size',
      'ScalingActive True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      'ScalingLimited False DesiredWithinRange: the desired count is within the acceptable range',
    ]);
    assert.deepEqual([s.last().currentReplicas, s.last().desiredReplicas], [1, 1]);
    await reconcileAutoscaler(s.deps, { ...before, status: s.last() }, 'default/web');
    assert.equal(s.statuses.length, 1, 'the same status is not written again');
  });

  test('a condition keeps its transition time while its status stays', async () => {
    const s = setup({ usage: { 'web-1': 10 } });
    const written = HorizontalPodAutoscaler.fromPartial({
      ...hpa(),
      status: {
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededRescale',
            message: 'old',
            lastTransitionTime: EARLIER,
          },
          {
            type: 'ScalingActive',
            status: 'False',
            reason: 'FailedGetResourceMetric',
            message: 'old',
            lastTransitionTime: EARLIER,
          },
        ],
      },
    });
    await reconcileAutoscaler(s.deps, written, 'default/web');
    const times = Object.fromEntries(s.last().conditions.map((c) => [c.type, c.lastTransitionTime]));
    assert.deepEqual(times, { AbleToScale: EARLIER, ScalingActive: NOW, ScalingLimited: NOW });
  });

  test('a pod without a cpu request: FailedGetResourceMetric', async () => {
    const s = setup({ pods: [pod('web-1', '')] });
    const result = await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    const cause = 'failed to get cpu utilization: missing request for cpu in container main of Pod web-1';
    const overall = `invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource metric value: ${cause}`;
    assert.deepEqual(s.events, [
      `Warning FailedGetResourceMetric ${cause}`,
      `Warning FailedComputeMetricsReplicas ${overall}`,
    ]);
    assert.equal(
      result.error,
      `failed to compute desired number of replicas based on listed metrics for Deployment/default/web: ${overall}`,
    );
    assert.deepEqual(s.conditions(), [
      "AbleToScale True SucceededGetScale: the HPA controller was able to get the target's current scale",
      `ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: ${cause}`,
    ]);
    assert.deepEqual(s.updates, []);
    // The failed metric keeps its place in currentMetrics, empty.
    assert.deepEqual(
      s.last().currentMetrics.map((m) => m.type),
      [''],
    );
  });

  test('no samples from the metrics API', async () => {
    const s = setup({ usage: {} });
    await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.match(
      s.conditions()[1] ?? '',
      /^ScalingActive False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu: no metrics returned from resource metrics API$/,
    );
  });

  const unavailable: { name: string; spec: MetricSpec; reason: string; message: string }[] = [
    {
      name: 'Pods',
      spec: {
        type: 'Pods',
        pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10', value: '' } },
      },
      reason: 'FailedGetPodsMetric',
      message:
        'unable to get metric qps: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
    },
    {
      name: 'Object',
      spec: {
        type: 'Object',
        object: {
          metric: { name: 'hits' },
          describedObject: { kind: 'Service', name: 'front', apiVersion: 'v1' },
          target: { type: 'Value', value: '100', averageValue: '' },
        },
      },
      reason: 'FailedGetObjectMetric',
      message:
        'unable to get metric hits on Service default/front: unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered',
    },
    {
      name: 'External',
      spec: {
        type: 'External',
        external: {
          metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' }, matchExpressions: [] } },
          target: { type: 'AverageValue', averageValue: '30', value: '' },
        },
      },
      reason: 'FailedGetExternalMetric',
      message:
        'failed to get queue external metric: unable to get external metric default/queue/q=jobs: unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered',
    },
  ];
  for (const c of unavailable) {
    test(`a ${c.name} metric: ${c.reason}, as without a custom metrics API`, async () => {
      const s = setup();
      await reconcileAutoscaler(s.deps, hpa({ metrics: [c.spec] }), 'default/web');
      assert.equal(s.events[0], `Warning ${c.reason} ${c.message}`);
      assert.match(
        s.events[1] ?? '',
        /^Warning FailedComputeMetricsReplicas invalid metrics \(1 invalid out of 1\)/,
      );
      assert.equal(
        s.conditions()[1],
        `ScalingActive False ${c.reason}: the HPA was unable to compute the replica count: ${c.message}`,
      );
    });
  }

  test('one metric failing: the others still scale up, not down', async () => {
    const pods: MetricSpec = {
      type: 'Pods',
      pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1', value: '' } },
    };
    const s = setup({ usage: { 'web-1': 30 } });
    // 30m of 20m: 150 % against 50 % → 3.
    const result = await reconcileAutoscaler(s.deps, hpa({ metrics: [pods, cpu(50)] }), 'default/web');
    assert.deepEqual(s.updates, [3]);
    assert.match(
      result.error ?? '',
      /^invalid metrics \(1 invalid out of 2\), first error is: failed to get pods metric value/,
    );
    assert.equal(
      s.conditions()[1],
      'ScalingActive True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
    );
    assert.deepEqual(
      s.last().currentMetrics.map((m) => m.type),
      ['', 'Resource'],
    );

    // At 2 replicas and 5m of 20m each, cpu alone would scale down: the failing metric holds it.
    const down = setup({
      replicas: 2,
      pods: [pod('web-1'), pod('web-2')],
      usage: { 'web-1': 5, 'web-2': 5 },
    });
    await reconcileAutoscaler(down.deps, hpa({ metrics: [pods, cpu(50)] }), 'default/web');
    assert.deepEqual(down.updates, []);
    assert.match(down.conditions()[1] ?? '', /^ScalingActive False FailedGetPodsMetric/);
  });

  test('the largest proposal of several metrics wins', async () => {
    // 20m of 20m: 100 % → against 50 %: 2; against 25 %: 4.
    const s = setup({ usage: { 'web-1': 20 } });
    await reconcileAutoscaler(s.deps, hpa({ metrics: [cpu(50), cpu(25)] }), 'default/web');
    assert.deepEqual(s.updates, [4]);
    assert.deepEqual(
      s.last().currentMetrics.map((m) => m.resource?.current?.averageUtilization),
      [100, 100],
    );
  });

  test('a target without a selector: InvalidSelector', async () => {
    const s = setup({ selector: '' });
    await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.deepEqual(s.events, [
      'Warning SelectorRequired selector is required',
      'Warning FailedComputeMetricsReplicas selector is required',
    ]);
    assert.equal(
      s.conditions()[1],
      "ScalingActive False InvalidSelector: the HPA target's scale is missing a selector",
    );
  });

  test('two HPAs over the same pods: AmbiguousSelector', async () => {
    const s = setup();
    await reconcileAutoscaler(s.deps, hpa({}, 'a'), 'default/a');
    assert.equal(s.updates.length + s.events.length, 0);
    await reconcileAutoscaler(s.deps, hpa({}, 'b'), 'default/b');
    assert.deepEqual(s.events, [
      'Warning AmbiguousSelector pods by selector app=web are controlled by more than one HPA (e.g. [default/a default/b])',
      'Warning FailedComputeMetricsReplicas pods by selector app=web are controlled by more than one HPA (e.g. [default/a default/b])',
    ]);
  });
});

describe('writing the scale', () => {
  test('refused: FailedRescale, AbleToScale False', async () => {
    const s = setup({
      usage: { 'web-1': 100 },
      updateFailures: [new ApiError(Code.PERMISSION_DENIED, 'forbidden')],
    });
    const result = await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.equal(result.error, 'failed to rescale Deployment/default/web: forbidden');
    assert.deepEqual(s.events, [
      'Warning FailedRescale New size: 4; reason: cpu resource utilization (percentage of request) above target; error: forbidden',
    ]);
    assert.equal(
      s.conditions()[0],
      'AbleToScale False FailedUpdateScale: the HPA controller was unable to update the target scale: forbidden',
    );
    assert.deepEqual([s.last().desiredReplicas, s.last().lastScaleTime], [0, undefined]);
  });

  test('a conflict: read again and written', async () => {
    const s = setup({ usage: { 'web-1': 100 }, updateFailures: [new ApiError(Code.ABORTED, 'conflict')] });
    await reconcileAutoscaler(s.deps, hpa(), 'default/web');
    assert.deepEqual(s.updates, [4]);
  });
});

describe('with spec.behavior', () => {
  test('the policies limit the scale-up and the events count against the next one', async () => {
    const behavior = {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
      },
    };
    const s = setup({ usage: { 'web-1': 100 } });
    await reconcileAutoscaler(s.deps, hpa({ behavior }), 'default/web');
    assert.deepEqual(s.updates, [2]);
    assert.deepEqual(
      s.deps.history.scaleUpEventsOf('default/web').map((e) => e.replicaChange),
      [1],
    );
    // Still far above target, but one pod per minute has been added already.
    s.w.pods = [pod('web-1'), pod('web-2')];
    s.w.usage = { 'web-1': 100, 'web-2': 100 };
    await reconcileAutoscaler(s.deps, { ...hpa({ behavior }), status: s.last() }, 'default/web');
    assert.deepEqual(s.updates, [2]);
    assert.equal(
      s.conditions()[2],
      'ScalingLimited True ScaleUpLimit: the desired replica count is increasing faster than the maximum scale rate',
    );
  });
});
