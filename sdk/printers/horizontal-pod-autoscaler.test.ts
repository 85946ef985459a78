import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HorizontalPodAutoscaler } from '../gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { resolveResource } from '../kinds.js';
import { formatHpaMetrics, printerFor } from './index.js';

const now = new Date('2026-01-01T00:10:00Z');

const hpa = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  HorizontalPodAutoscaler.fromJSON({
    metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      maxReplicas: 10,
      ...spec,
    },
    status,
  });

const targets = (metrics: unknown[], currentMetrics: unknown[] = []) => {
  const h = hpa({ metrics }, { currentMetrics });
  return formatHpaMetrics(h.spec?.metrics ?? [], h.status?.currentMetrics ?? []);
};

const cpu = (target: Record<string, unknown>) => ({
  type: 'Resource',
  resource: { name: 'cpu', target },
});

describe('horizontal pod autoscalers', () => {
  const info = resolveResource('hpa');
  assert.ok(info);
  const printer = printerFor(info);

  it('have the columns kubectl get hpa shows', () => {
    assert.deepEqual(
      printer.columns.map((c) => [c.name.toUpperCase(), c.type, c.priority]),
      [
        ['NAME', 'string', 0],
        ['REFERENCE', 'string', 0],
        ['TARGETS', 'string', 0],
        ['MINPODS', 'string', 0],
        ['MAXPODS', 'integer', 0],
        ['REPLICAS', 'integer', 0],
        ['AGE', 'string', 0],
      ],
    );
  });

  it('print the target as kind/name, the bounds, the replicas seen and the age', () => {
    const h = hpa(
      { minReplicas: 2, metrics: [cpu({ type: 'Utilization', averageUtilization: 50 })] },
      {
        currentReplicas: 3,
        desiredReplicas: 3,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } },
        ],
      },
    );
    assert.deepEqual(printer.cells(h, now), ['web', 'Deployment/web', 'cpu: 12%/50%', '2', 10, 3, '10m']);
  });

  it('print <unset> for a minimum not set and 0 replicas before the controller has looked', () => {
    assert.deepEqual(printer.cells(hpa({}), now), [
      'web',
      'Deployment/web',
      '<none>',
      '<unset>',
      10,
      0,
      '10m',
    ]);
  });

  it('write a resource target as a utilization or a value, <unknown> before the first reading', () => {
    assert.equal(targets([cpu({ type: 'Utilization', averageUtilization: 50 })]), 'cpu: <unknown>/50%');
    assert.equal(targets([cpu({ type: 'Utilization' })]), 'cpu: <unknown>/<auto>');
    assert.equal(
      targets(
        [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '0.5' } },
          },
        ],
        [{ type: 'Resource', resource: { name: 'cpu', current: {} } }],
      ),
      'cpu: <nil>/500m',
    );
    assert.equal(
      targets(
        [
          {
            type: 'Resource',
            resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
          },
        ],
        [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '100Mi' } } }],
      ),
      'memory: 100Mi/200Mi',
    );
  });

  it('write a container resource as a resource, without its container', () => {
    assert.equal(
      targets(
        [
          {
            type: 'ContainerResource',
            containerResource: {
              name: 'cpu',
              container: 'app',
              target: { type: 'Utilization', averageUtilization: 60 },
            },
          },
        ],
        [
          {
            type: 'ContainerResource',
            containerResource: { name: 'cpu', container: 'app', current: { averageUtilization: 75 } },
          },
        ],
      ),
      'cpu: 75%/60%',
    );
  });

  it('write Pods metrics as averages, Object and External ones as values or per-pod averages', () => {
    const pods = {
      type: 'Pods',
      pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } },
    };
    const objectValue = {
      type: 'Object',
      object: {
        metric: { name: 'hits' },
        describedObject: { kind: 'Ingress', name: 'main' },
        target: { type: 'Value', value: '10k' },
      },
    };
    const externalAverage = {
      type: 'External',
      external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '30' } },
    };
    assert.equal(targets([pods]), '<unknown>/1k');
    assert.equal(
      targets(
        [pods],
        [{ type: 'Pods', pods: { metric: { name: 'qps' }, current: { averageValue: '1500m' } } }],
      ),
      '1500m/1k',
    );
    assert.equal(
      targets(
        [objectValue],
        [{ type: 'Object', object: { metric: { name: 'hits' }, current: { value: '12k' } } }],
      ),
      '12k/10k',
    );
    assert.equal(targets([externalAverage]), '<unknown>/30 (avg)');
    assert.equal(
      targets(
        [externalAverage],
        [{ type: 'External', external: { metric: { name: 'queue' }, current: { averageValue: '7' } } }],
      ),
      '7/30 (avg)',
    );
  });

  it('show two metrics, then how many more, and <unknown type> for a type they do not know', () => {
    const metrics = [
      cpu({ type: 'Utilization', averageUtilization: 50 }),
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      cpu({ type: 'Utilization', averageUtilization: 90 }),
      cpu({ type: 'Utilization', averageUtilization: 95 }),
    ];
    assert.equal(targets(metrics), 'cpu: <unknown>/50%, memory: <unknown>/70% + 2 more...');
    assert.equal(targets([{ type: 'Cheese' }]), '<unknown type>');
  });
});
