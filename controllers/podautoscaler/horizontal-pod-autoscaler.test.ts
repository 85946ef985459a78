/**
 * The HPA controller end to end: a real store, apiserver and controller manager (each
 * controller under its own ServiceAccount, syncing HPAs every second), and a real kubelet
 * on the process runtime sampling its pods every second, whose CPU the apiserver's
 * ListPodMetrics reports. A target scaled to zero is left alone, one above maxReplicas is
 * brought down without metrics, one whose pods request no CPU cannot be measured, and a
 * busy-looping pod far above its small CPU request makes its Deployment scale up.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { HorizontalPodAutoscaler } from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { type ProcessKubelet, startProcessKubelet } from '../../test/process-kubelet.js';
import { eventsAbout, useCluster, waitFor } from '../shared/testing.js';

/** A Deployment of `replicas` whose pods run `command`, on the kubelet's node when `onNode`. */
function workload(
  name: string,
  replicas: number,
  opts: { command?: string[]; cpu?: string; onNode?: boolean } = {},
): Deployment {
  return Deployment.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          ...(opts.onNode ? { nodeName: 'node-1' } : {}),
          terminationGracePeriodSeconds: '0',
          containers: [
            {
              name: 'main',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command: opts.command ?? ['sleep', '600'],
              ...(opts.cpu ? { resources: { requests: { cpu: opts.cpu } } } : {}),
            },
          ],
        },
      },
    },
  });
}

/** An HPA of the Deployment `name` on 50 % of its pods' CPU requests. */
function autoscaler(name: string, minReplicas: number, maxReplicas: number): HorizontalPodAutoscaler {
  return HorizontalPodAutoscaler.fromPartial({
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
      minReplicas,
      maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
    },
  });
}

const conditionsOf = (hpa: HorizontalPodAutoscaler) =>
  Object.fromEntries(
    (hpa.status?.conditions ?? []).map((c) => [c.type, `${c.status} ${c.reason}: ${c.message}`]),
  );

describe('horizontal pod autoscaler in the controller manager', { timeout: 120_000 }, () => {
  let kubelet: ProcessKubelet | undefined;
  const suite = useCluster({
    prepare: async ({ cluster }) => {
      // Samples every second, as top.test.ts's kubelet, so that metrics show within seconds.
      kubelet = await startProcessKubelet(cluster, { args: ['--housekeeping-interval', '1s'] });
    },
    controllerManager: [
      '--controllers',
      'horizontalpodautoscaling,deployment,replicaset,garbage-collector',
      '--horizontal-pod-autoscaler-sync-period',
      '1s',
    ],
  });
  // Ends the busy loop with the kubelet's other processes, by pid.
  after(() => kubelet?.stop());

  const deployments = () => suite.admin.kind<Deployment>('Deployment');
  const hpas = () => suite.admin.kind<HorizontalPodAutoscaler>('HorizontalPodAutoscaler');
  /** The state to print when a wait fails: the HPA, and what the manager wrote. */
  const describeState = (name: string) => async () =>
    `${JSON.stringify(HorizontalPodAutoscaler.toJSON(await hpas().get('default', name)), null, 1)}\n${suite.cm.output().slice(-3000)}`;
  const waitForHpa = (
    name: string,
    what: string,
    check: (hpa: HorizontalPodAutoscaler) => boolean,
    timeoutMs = 30_000,
  ) =>
    waitFor(
      `${name}: ${what}`,
      async () => {
        const hpa = await hpas().get('default', name);
        return check(hpa) ? hpa : undefined;
      },
      { timeoutMs, describe: describeState(name) },
    );

  test('a target scaled to zero: autoscaling is disabled and it stays at zero', async () => {
    await deployments().create(workload('idle', 0));
    await hpas().create(autoscaler('idle', 1, 3));
    const hpa = await waitForHpa(
      'idle',
      'ScalingDisabled',
      (h) => conditionsOf(h).ScalingActive !== undefined,
    );
    assert.equal(
      conditionsOf(hpa).ScalingActive,
      'False ScalingDisabled: scaling is disabled since the replica count of the target is zero',
    );
    assert.deepEqual([hpa.status?.currentReplicas, hpa.status?.desiredReplicas], [0, 0]);
    assert.equal(hpa.status?.observedGeneration, hpa.metadata?.generation);
    assert.equal((await deployments().get('default', 'idle')).spec?.replicas, 0);
  });

  test('above maxReplicas: scaled down to it, without metrics', async () => {
    await deployments().create(workload('many', 5));
    await hpas().create(autoscaler('many', 1, 2));
    await waitFor('many scaled to 2', async () =>
      (await deployments().get('default', 'many')).spec?.replicas === 2 ? true : undefined,
    );
    const hpa = await waitForHpa(
      'many',
      'the rescale in its status',
      (h) => h.status?.lastScaleTime !== undefined,
    );
    assert.equal(hpa.status?.desiredReplicas, 2);
    const events = await eventsAbout(suite.admin, 'HorizontalPodAutoscaler', 'many');
    const rescale = events.find((e) => e.reason === 'SuccessfulRescale');
    assert.equal(rescale?.message, 'New size: 2; reason: Current number of replicas above Spec.MaxReplicas');
    assert.equal(rescale?.type, 'Normal');
    assert.equal(rescale?.source?.component, 'horizontal-pod-autoscaler');
  });

  test('pods without cpu requests: the utilization cannot be computed', async () => {
    await deployments().create(workload('norequest', 1, { onNode: true }));
    await hpas().create(autoscaler('norequest', 1, 3));
    const hpa = await waitForHpa('norequest', 'FailedGetResourceMetric for the missing request', (h) =>
      /missing request for cpu in container main of Pod norequest-/.test(conditionsOf(h).ScalingActive ?? ''),
    );
    assert.match(
      conditionsOf(hpa).ScalingActive ?? '',
      /^False FailedGetResourceMetric: the HPA was unable to compute the replica count: failed to get cpu utilization: missing request for cpu in container main of Pod norequest-\S+$/,
    );
    const events = await eventsAbout(suite.admin, 'HorizontalPodAutoscaler', 'norequest');
    assert.ok(
      events.some(
        (e) =>
          e.type === 'Warning' && e.reason === 'FailedGetResourceMetric' && /missing request/.test(e.message),
      ),
    );
    assert.ok(
      events.some(
        (e) =>
          e.type === 'Warning' &&
          e.reason === 'FailedComputeMetricsReplicas' &&
          /^invalid metrics/.test(e.message),
      ),
    );
    assert.equal((await deployments().get('default', 'norequest')).spec?.replicas, 1);
  });

  test('a busy pod far above its cpu request: the Deployment is scaled up to maxReplicas', async () => {
    await deployments().create(
      workload('busy', 1, { onNode: true, cpu: '20m', command: ['sh', '-c', 'while :; do :; done'] }),
    );
    await hpas().create(autoscaler('busy', 1, 3));
    try {
      await waitFor(
        'busy scaled to 3',
        async () => ((await deployments().get('default', 'busy')).spec?.replicas === 3 ? true : undefined),
        { timeoutMs: 60_000, describe: describeState('busy') },
      );
      // The sync that rescaled says why; the next ones, at 3, that the metrics still ask for more.
      const hpa = await waitForHpa(
        'busy',
        'desired 3 with a valid metric',
        (h) => h.status?.desiredReplicas === 3,
      );
      const conditions = conditionsOf(hpa);
      assert.equal(
        conditions.ScalingActive,
        'True ValidMetricFound: the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
      );
      assert.equal(
        conditions.ScalingLimited,
        'True TooManyReplicas: the desired replica count is more than the maximum replica count',
      );
      assert.match(conditions.AbleToScale ?? '', /^True (SucceededRescale|ReadyForNewScale): /);
      assert.ok(hpa.status?.lastScaleTime);
      const current = hpa.status?.currentMetrics[0]?.resource?.current;
      assert.ok(
        (current?.averageUtilization ?? 0) > 50,
        `utilization ${current?.averageUtilization} above target`,
      );
      assert.match(current?.averageValue ?? '', /^\d+m?$/);
      const events = await eventsAbout(suite.admin, 'HorizontalPodAutoscaler', 'busy');
      assert.ok(
        events.some(
          (e) =>
            e.reason === 'SuccessfulRescale' &&
            e.message ===
              'New size: 3; reason: cpu resource utilization (percentage of request) above target',
        ),
        `a SuccessfulRescale Event: ${events.map((e) => `${e.reason} ${e.message}`).join('; ')}`,
      );
    } finally {
      // Stop the loops now rather than at the end: the autoscaler first, or it would scale back.
      await hpas().delete('default', 'busy');
      await deployments().delete('default', 'busy');
    }
  });
});
