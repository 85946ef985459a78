import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HorizontalPodAutoscaler } from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { horizontalPodAutoscalerStrategy } from './strategy.js';

const strategy = horizontalPodAutoscalerStrategy();

function parse(yaml: string): HorizontalPodAutoscaler {
  return fromYaml<HorizontalPodAutoscaler>(
    `apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n${yaml}`,
  );
}

function created(yaml: string): HorizontalPodAutoscaler {
  const hpa = parse(yaml);
  strategy.applyDefaults(hpa);
  strategy.prepareForCreate(hpa, ctx);
  return hpa;
}

/** The errors of an autoscaler of `spec` (indented under `spec:`), defaulted as on create. */
function errorsOf(spec: string): string[] {
  return messages(strategy.validate(created(`metadata: {name: h, namespace: default}\nspec:\n${spec}`), ctx));
}

const target = `
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 5`;

describe('HorizontalPodAutoscaler defaults', () => {
  it('gives one without metrics a minimum of 1 and 80% of its CPU requests, and no behavior', () => {
    const hpa = created(`metadata: {name: web, namespace: default}\nspec:${target}`);
    assert.equal(hpa.spec?.minReplicas, 1);
    assert.deepEqual(hpa.spec?.metrics, [
      {
        type: 'Resource',
        resource: {
          name: 'cpu',
          target: { type: 'Utilization', value: '', averageValue: '', averageUtilization: 80 },
        },
      },
    ]);
    assert.equal(hpa.spec?.behavior, undefined);
    assert.equal(hpa.spec?.scaleTargetRef?.apiVersion, 'apps/v1');
    assert.deepEqual(messages(strategy.validate(hpa, ctx)), []);
  });

  it('keeps the metrics and minimum it is given, and leaves scaleTargetRef.apiVersion alone', () => {
    const hpa = created(`
metadata: {name: web, namespace: default}
spec:
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 100Mi}}
`);
    assert.equal(hpa.spec?.minReplicas, 2);
    assert.equal(hpa.spec?.metrics.length, 1);
    assert.equal(hpa.spec?.metrics[0]?.resource?.name, 'memory');
    assert.equal(hpa.spec?.scaleTargetRef?.apiVersion, '');
  });

  it('completes a behavior in both directions: scale up at once by 4 pods or 100%, scale down by 100% with no window', () => {
    const hpa = created(`
metadata: {name: web, namespace: default}
spec:${target}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 60}
`);
    assert.deepEqual(hpa.spec?.behavior, {
      scaleUp: {
        stabilizationWindowSeconds: 0,
        selectPolicy: 'Max',
        policies: [
          { type: 'Pods', value: 4, periodSeconds: 15 },
          { type: 'Percent', value: 100, periodSeconds: 15 },
        ],
      },
      scaleDown: {
        stabilizationWindowSeconds: 60,
        selectPolicy: 'Max',
        policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
      },
    });
  });

  it('fills only what a direction leaves unset', () => {
    const hpa = created(`
metadata: {name: web, namespace: default}
spec:${target}
  behavior:
    scaleUp:
      selectPolicy: Disabled
      policies: [{type: Pods, value: 1, periodSeconds: 60}]
    scaleDown: {}
`);
    assert.deepEqual(hpa.spec?.behavior?.scaleUp, {
      stabilizationWindowSeconds: 0,
      selectPolicy: 'Disabled',
      policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }],
    });
    assert.equal(hpa.spec?.behavior?.scaleDown?.stabilizationWindowSeconds, undefined);
    assert.equal(hpa.spec?.behavior?.scaleDown?.selectPolicy, 'Max');
  });
});

describe('HorizontalPodAutoscaler validation', () => {
  it('requires a spec', () => {
    const hpa = created('metadata: {name: h, namespace: default}');
    assert.deepEqual(messages(strategy.validate(hpa, ctx)), ['spec: Required value']);
  });

  it('refuses bounds below one and a maximum below the minimum', () => {
    assert.deepEqual(
      errorsOf(`
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 0
  maxReplicas: 0`),
      [
        'spec.minReplicas: Invalid value: 0: must be greater than or equal to 1',
        'spec.maxReplicas: Invalid value: 0: must be greater than 0',
      ],
    );
    assert.deepEqual(
      errorsOf(`
  scaleTargetRef: {kind: Deployment, name: web}
  minReplicas: 4
  maxReplicas: 3`),
      ['spec.maxReplicas: Invalid value: 3: must be greater than or equal to `minReplicas`'],
    );
  });

  it('requires the scale target by kind and name, each a path segment', () => {
    assert.deepEqual(errorsOf('  maxReplicas: 3'), [
      'spec.scaleTargetRef.kind: Required value',
      'spec.scaleTargetRef.name: Required value',
    ]);
    assert.deepEqual(
      errorsOf(`
  scaleTargetRef: {kind: Deploy/ment, name: ".."}
  maxReplicas: 3`),
      [
        `spec.scaleTargetRef.kind: Invalid value: "Deploy/ment": may not contain '/'`,
        `spec.scaleTargetRef.name: Invalid value: "..": may not be '..'`,
      ],
    );
  });

  it('requires each metric to have a known type and exactly the source it names', () => {
    assert.deepEqual(
      errorsOf(`${target}
  metrics:
  - type: ""
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
  - type: Cheese
  - type: Pods
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 50}}
    pods: {metric: {name: qps}, target: {type: AverageValue, averageValue: "1"}}`),
      [
        'spec.metrics[0].type: Required value: must specify a metric source type',
        'spec.metrics[0].type: Unsupported value: "": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
        'spec.metrics[1].type: Unsupported value: "Cheese": supported values: "ContainerResource", "External", "Object", "Pods", "Resource"',
        'spec.metrics[2].pods: Required value: must populate information for the given metric source',
        'spec.metrics[3].pods: Forbidden: must populate the given metric source only',
      ],
    );
  });

  it('checks a Resource or ContainerResource target: a utilization or an average value, one of them', () => {
    assert.deepEqual(
      errorsOf(`${target}
  metrics:
  - type: Resource
    resource: {target: {type: Utilization}}
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 0, averageValue: 100m}}
  - type: ContainerResource
    containerResource: {name: cpu, target: {type: Percent, averageValue: "-1"}}
  - type: ContainerResource
    containerResource: {name: gpu, container: App, target: {type: AverageValue, averageValue: 1x}}`),
      [
        'spec.metrics[0].resource.name: Required value: must specify a resource name',
        'spec.metrics[0].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
        'spec.metrics[1].resource.target.averageUtilization: Invalid value: 0: must be greater than 0',
        'spec.metrics[1].resource.target.averageValue: Forbidden: may not set both a target raw value and a target utilization',
        'spec.metrics[2].containerResource.container: Required value: must specify a container',
        'spec.metrics[2].containerResource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue',
        'spec.metrics[2].containerResource.target.averageValue: Invalid value: "-1": must be positive',
        'spec.metrics[3].containerResource.name: Invalid value: "gpu": must be a standard resource type (cpu, memory, ephemeral-storage, hugepages-<size>) or fully qualified (example.com/name)',
        `spec.metrics[3].containerResource.container: Invalid value: "App": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
        `spec.metrics[3].containerResource.target.averageValue: Invalid value: "1x": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': unknown suffix "x": use n, u, m, k, M, G, T, P, E, Ki, Mi, Gi, Ti, Pi, Ei or an exponent such as e3`,
      ],
    );
  });

  it('checks Pods, Object and External metrics: a metric name, and the values their targets need', () => {
    assert.deepEqual(
      errorsOf(`${target}
  metrics:
  - type: Pods
    pods: {metric: {name: ""}, target: {type: Utilization, averageUtilization: 50}}
  - type: Object
    object: {metric: {name: hits}, target: {type: Value, value: "0"}}
  - type: External
    external: {metric: {name: queue}, target: {type: Value, value: "1", averageValue: "2"}}
  - type: External
    external: {metric: {name: a/b}, target: {type: AverageValue}}`),
      [
        'spec.metrics[0].pods.metric.name: Required value: must specify a metric name',
        'spec.metrics[0].pods.target.averageValue: Required value: must specify a positive target averageValue',
        'spec.metrics[1].object.describedObject.kind: Required value',
        'spec.metrics[1].object.describedObject.name: Required value',
        'spec.metrics[1].object.target.value: Invalid value: "0": must be positive',
        'spec.metrics[2].external.target.value: Forbidden: may not set both a target value for metric and a per-pod target',
        `spec.metrics[3].external.metric.name: Invalid value: "a/b": may not contain '/'`,
        'spec.metrics[3].external.target.averageValue: Required value: must set either a target value for metric or a per-pod target',
      ],
    );
    assert.deepEqual(
      errorsOf(`${target}
  metrics:
  - type: Object
    object:
      describedObject: {kind: Ingress, name: main}
      metric: {name: hits}
      target: {type: Value}`),
      [
        'spec.metrics[0].object.target.averageValue: Required value: must set either a target value or averageValue',
      ],
    );
  });

  it('requires a metric target type', () => {
    assert.deepEqual(
      errorsOf(`${target}
  metrics:
  - type: Resource
    resource: {name: cpu, target: {averageUtilization: 50}}`),
      [
        'spec.metrics[0].resource.target.type: Required value: must specify a metric target type',
        'spec.metrics[0].resource.target.type: Invalid value: "": must be either Utilization, Value, or AverageValue',
      ],
    );
  });

  it('checks the scaling rules of each direction', () => {
    assert.deepEqual(
      errorsOf(`${target}
  behavior:
    scaleUp:
      stabilizationWindowSeconds: 3601
      selectPolicy: Fastest
      policies:
      - {type: Replicas, value: 0, periodSeconds: 1801}
      - {type: Pods, value: 1, periodSeconds: 0}
    scaleDown:
      stabilizationWindowSeconds: -1`),
      [
        'spec.behavior.scaleUp.stabilizationWindowSeconds: Invalid value: 3601: must be less than or equal to 3600',
        'spec.behavior.scaleUp.selectPolicy: Unsupported value: "Fastest": supported values: "Disabled", "Max", "Min"',
        'spec.behavior.scaleUp.policies[0].type: Unsupported value: "Replicas": supported values: "Percent", "Pods"',
        'spec.behavior.scaleUp.policies[0].value: Invalid value: 0: must be greater than zero',
        'spec.behavior.scaleUp.policies[0].periodSeconds: Invalid value: 1801: must be less than or equal to 1800',
        'spec.behavior.scaleUp.policies[1].periodSeconds: Invalid value: 0: must be greater than zero',
        'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: -1: must be greater than or equal to zero',
      ],
    );
  });

  it('accepts every kind of metric written as Kubernetes documents them', () => {
    assert.deepEqual(
      errorsOf(`
  scaleTargetRef: {apiVersion: apps/v1, kind: StatefulSet, name: db}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 500Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: app, target: {type: Utilization, averageUtilization: 60}}
  - type: Pods
    pods: {metric: {name: packets-per-second}, target: {type: AverageValue, averageValue: 1k}}
  - type: Object
    object:
      metric: {name: requests-per-second}
      describedObject: {apiVersion: networking.k8s.io/v1, kind: Ingress, name: main-route}
      target: {type: Value, value: 10k}
  - type: External
    external:
      metric: {name: queue_messages_ready, selector: {matchLabels: {queue: worker_tasks}}}
      target: {type: AverageValue, averageValue: "30"}
  behavior:
    scaleDown:
      policies: [{type: Pods, value: 4, periodSeconds: 60}, {type: Percent, value: 10, periodSeconds: 60}]`),
      [],
    );
  });
});

describe('HorizontalPodAutoscaler writes', () => {
  const base = () =>
    created(`
metadata: {name: web, namespace: default}
spec:${target}
status: {currentReplicas: 9, desiredReplicas: 9}
`);

  it('clears the status on create', () => {
    assert.equal(base().status, undefined);
  });

  it('keeps the stored status on an update of the spec', () => {
    const old = base();
    old.status = { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [], conditions: [] };
    const next = base();
    next.spec = { ...next.spec!, maxReplicas: 8 };
    next.status = { currentReplicas: 7, desiredReplicas: 7, currentMetrics: [], conditions: [] };
    strategy.applyDefaults(next);
    strategy.prepareForUpdate(next, old, ctx);
    assert.equal(next.status?.currentReplicas, 2);
    assert.equal(next.spec?.maxReplicas, 8);
    assert.deepEqual(messages(strategy.validateUpdate(next, old, ctx)), []);
  });

  it('keeps the stored spec on a status write, and refuses negative counts', () => {
    const old = base();
    const next = base();
    next.spec = { ...next.spec!, maxReplicas: 50 };
    next.status = { currentReplicas: -1, desiredReplicas: 4, currentMetrics: [], conditions: [] };
    const status = strategy.status!;
    status.prepareForUpdate(next, old, ctx);
    assert.equal(next.spec?.maxReplicas, 5);
    assert.equal(next.status?.desiredReplicas, 4);
    assert.deepEqual(messages(status.validateUpdate(next, old, ctx)), [
      'status.currentReplicas: Invalid value: -1: must be greater than or equal to 0',
    ]);
  });

  it('names autoscalers as DNS subdomains and counts the generations of their spec', () => {
    assert.equal(strategy.nameRule, 'subdomain');
    assert.equal(strategy.tracksGeneration, true);
    assert.equal(strategy.info.version, 'v2');
  });
});
