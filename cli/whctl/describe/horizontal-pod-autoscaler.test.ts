/**
 * `describe hpa` as text: kubectl's autoscaling/v2 describer line for line — every metric
 * type, readings matched to metrics by index, the behaviour, the conditions, and the
 * columns kubectl's tabwriter shares between neighbouring lines.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HorizontalPodAutoscaler } from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { Description } from './description.js';
import { describeEvents } from './events.js';
import { describeHorizontalPodAutoscaler } from './horizontal-pod-autoscaler.js';

const created = new Date('2026-01-02T03:04:05Z');

const render = (hpa: HorizontalPodAutoscaler, opts: { events?: boolean } = {}) => {
  const d = new Description();
  describeHorizontalPodAutoscaler(d, hpa);
  if (opts.events) describeEvents(d, [], created);
  return d.render();
};

describe('describe hpa', () => {
  it('prints a CPU target with its reading, the replicas and the conditions; Events share their column', () => {
    const hpa = HorizontalPodAutoscaler.fromPartial({
      metadata: {
        name: 'web',
        namespace: 'shop',
        labels: { tier: 'front', app: 'web' },
        annotations: { team: 'checkout' },
        creationTimestamp: created,
      },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
          },
        ],
      },
      status: {
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '6m' } },
          },
          { type: 'Resource', resource: { name: 'memory', current: { averageValue: '100Mi' } } },
        ],
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededRescale',
            message: 'the HPA controller was able to update the target scale to 3',
          },
          {
            type: 'ScalingActive',
            status: 'True',
            reason: 'ValidMetricFound',
            message:
              'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
          },
          {
            type: 'ScalingLimited',
            status: 'False',
            reason: 'DesiredWithinRange',
            message: 'the desired count is within the acceptable range',
          },
        ],
      },
    });
    assert.equal(
      render(hpa, { events: true }),
      `Name:                                                  web
Namespace:                                             shop
Labels:                                                app=web
                                                       tier=front
Annotations:                                           team: checkout
CreationTimestamp:                                     Fri, 02 Jan 2026 03:04:05 +0000
Reference:                                             Deployment/web
Metrics:                                               ( current / target )
  resource cpu on pods  (as a percentage of request):  12% (6m) / 50%
  resource memory on pods:                             100Mi / 200Mi
Min replicas:                                          1
Max replicas:                                          5
Deployment pods:                                       2 current / 3 desired
Conditions:
  Type            Status  Reason              Message
  ----            ------  ------              -------
  AbleToScale     True    SucceededRescale    the HPA controller was able to update the target scale to 3
  ScalingActive   True    ValidMetricFound    the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)
  ScalingLimited  False   DesiredWithinRange  the desired count is within the acceptable range
Events:           <none>
`,
    );
  });

  it('prints every metric type, <unknown> without a reading, the behaviour, and <unset> without a minimum', () => {
    const hpa = HorizontalPodAutoscaler.fromPartial({
      metadata: { name: 'worker', namespace: 'default', creationTimestamp: created },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'worker' },
        maxReplicas: 10,
        metrics: [
          {
            type: 'Pods',
            pods: {
              metric: { name: 'packets-per-second' },
              target: { type: 'AverageValue', averageValue: '1000m' },
            },
          },
          {
            type: 'Object',
            object: {
              metric: { name: 'requests-per-second' },
              describedObject: { apiVersion: 'v1', kind: 'Service', name: 'front' },
              target: { type: 'Value', value: '10k' },
            },
          },
          {
            type: 'External',
            external: {
              metric: { name: 'queue_ready' },
              target: { type: 'AverageValue', averageValue: '30' },
            },
          },
          {
            type: 'ContainerResource',
            containerResource: { name: 'cpu', container: 'app', target: { type: 'Utilization' } },
          },
          { type: 'Custom' },
        ],
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            policies: [
              { type: 'Pods', value: 4, periodSeconds: 15 },
              { type: 'Percent', value: 100, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 300,
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }],
          },
        },
      },
      status: {
        // Only the first metric has been read.
        currentMetrics: [
          {
            type: 'Pods',
            pods: { metric: { name: 'packets-per-second' }, current: { averageValue: '500m' } },
          },
        ],
      },
    });
    // The policies of the last direction and the replicas share a column, as in kubectl.
    assert.equal(
      render(hpa),
      `Name:                                                                     worker
Namespace:                                                                default
Labels:                                                                   <none>
Annotations:                                                              <none>
CreationTimestamp:                                                        Fri, 02 Jan 2026 03:04:05 +0000
Reference:                                                                StatefulSet/worker
Metrics:                                                                  ( current / target )
  "packets-per-second" on pods:                                           500m / 1
  "requests-per-second" on Service/front (target value):                  <unknown> / 10k
  "queue_ready" (target average value):                                   <unknown> / 30
  resource cpu of container "app" on pods  (as a percentage of request):  <unknown> / <auto>
  <unknown metric type "Custom">
Min replicas:  <unset>
Max replicas:  10
Behavior:
  Scale Up:
    Stabilization Window: 0 seconds
    Select Policy: Max
    Policies:
      - Type: Pods     Value: 4    Period: 15 seconds
      - Type: Percent  Value: 100  Period: 15 seconds
  Scale Down:
    Stabilization Window: 300 seconds
    Select Policy: Min
    Policies:
      - Type: Percent  Value: 10  Period: 60 seconds
StatefulSet pods:      0 current / 0 desired
`,
    );
  });

  it("prints a reading without its value as Go's <nil>, and a direction without policies by its window alone", () => {
    const hpa = HorizontalPodAutoscaler.fromPartial({
      metadata: { name: 'web', namespace: 'default', creationTimestamp: created },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 4,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
          },
          {
            type: 'External',
            external: { metric: { name: 'lag' }, target: { type: 'Value', value: '100' } },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 60, policies: [] } },
      },
      status: {
        currentReplicas: 2,
        desiredReplicas: 2,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 0 } } },
          { type: 'External', external: { metric: { name: 'lag' }, current: {} } },
        ],
      },
    });
    const text = render(hpa);
    assert.match(text, /^ {2}resource cpu on pods {2}\(as a percentage of request\): +0% \(<nil>\) \/ 80%$/m);
    assert.match(text, /^ {2}"lag" \(target value\): +<nil> \/ 100$/m);
    assert.match(
      text,
      /\nBehavior:\n {2}Scale Down:\n {4}Stabilization Window: 60 seconds\nDeployment pods: {2}2 current \/ 2 desired\n$/,
    );
  });
});

describe('describe text', () => {
  it('lines up a table with the pairs right after it, as one tabwriter block', () => {
    const d = new Description();
    d.item(0, 'Name', 'x');
    d.heading(0, 'Conditions');
    d.table(1, [
      ['Type', 'Status'],
      ['Progressing', 'True'],
    ]);
    d.item(0, 'OldReplicaSets', '');
    d.item(0, 'NewReplicaSet', 'web-1');
    assert.equal(
      d.render(),
      `Name:  x
Conditions:
  Type           Status
  Progressing    True
OldReplicaSets:  <none>
NewReplicaSet:   web-1
`,
    );
  });
});
