/**
 * The autoscaling/v1 view of a stored autoscaling/v2 HorizontalPodAutoscaler: what it
 * shows, what a create through it makes, and that a write through it changes only what it
 * shows (other metrics, behavior, current metrics and conditions are kept).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { CONDITIONS_ANNOTATION, horizontalPodAutoscalerV1 as v1 } from './horizontal-pod-autoscaler-v1.js';

const conditions = [
  {
    type: 'AbleToScale',
    status: 'True',
    lastTransitionTime: '2026-12-05T19:51:44Z',
    reason: 'ReadyForNewScale',
    message: 'recommended size matches current size',
  },
];

/** A stored v2 object with everything v1 cannot say: a memory metric, a behavior, conditions. */
function stored(): JsonObject {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: {
      name: 'web',
      namespace: 'default',
      resourceVersion: '7',
      generation: 2,
      annotations: { team: 'a' },
    },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 2,
      maxReplicas: 5,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
        },
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
        },
      ],
      behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
    },
    status: {
      observedGeneration: 2,
      lastScaleTime: '2026-12-05T19:50:00Z',
      currentReplicas: 3,
      desiredReplicas: 4,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '150Mi' } } },
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 60 } },
        },
      ],
      conditions,
    },
  };
}

describe('HorizontalPodAutoscaler autoscaling/v1 from the stored v2', () => {
  it('shows the cpu utilization target and current value, the conditions in their annotation', () => {
    const input = stored();
    assert.deepEqual(v1.fromStored(input), {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: 'web',
        namespace: 'default',
        resourceVersion: '7',
        generation: 2,
        annotations: { team: 'a', [CONDITIONS_ANNOTATION]: JSON.stringify(conditions) },
      },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        targetCPUUtilizationPercentage: 50,
      },
      status: {
        observedGeneration: 2,
        lastScaleTime: '2026-12-05T19:50:00Z',
        currentReplicas: 3,
        desiredReplicas: 4,
        currentCPUUtilizationPercentage: 60,
      },
    });
    assert.deepEqual(input, stored(), 'the stored object is not changed');
  });

  it('shows no cpu target without a cpu Utilization metric, and Go’s zero replica counts', () => {
    const hpa = stored();
    hpa.spec = {
      scaleTargetRef: { kind: 'Deployment', name: 'web' },
      maxReplicas: 3,
      metrics: [
        {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } },
        },
      ],
    };
    delete hpa.status;
    const view = v1.fromStored(hpa);
    assert.deepEqual(view.spec, { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3 });
    assert.deepEqual(view.status, { currentReplicas: 0, desiredReplicas: 0 });
    assert.deepEqual(view.metadata, stored().metadata);
  });
});

describe('HorizontalPodAutoscaler autoscaling/v1 to the stored v2', () => {
  const created = {
    apiVersion: 'autoscaling/v1',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', annotations: { [CONDITIONS_ANNOTATION]: '[]' } },
    spec: {
      scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
      minReplicas: 1,
      maxReplicas: 5,
    },
  };

  it('creates a cpu Resource metric of the target (none without one), without round-trip annotations', () => {
    const withTarget = { ...created, spec: { ...created.spec, targetCPUUtilizationPercentage: 50 } };
    assert.deepEqual(v1.toStored(withTarget, undefined), {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
          },
        ],
      },
    });
    // No metrics: the strategy's default (cpu at 80%) applies, as it does for v2.
    assert.equal((v1.toStored(created, undefined).spec as JsonObject).metrics, undefined);
  });

  it('an unchanged view writes back the stored object as it was', () => {
    assert.deepEqual(v1.toStored(v1.fromStored(stored()), stored()), stored());
  });

  it('changes the cpu target in place and keeps the other metrics and the behavior', () => {
    const view = v1.fromStored(stored());
    view.spec = { ...(view.spec as JsonObject), maxReplicas: 8, targetCPUUtilizationPercentage: 70 };
    const spec = v1.toStored(view, stored()).spec as JsonObject;
    assert.equal(spec.maxReplicas, 8);
    assert.deepEqual(spec.metrics, [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
      },
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
    ]);
    assert.deepEqual(spec.behavior, { scaleDown: { stabilizationWindowSeconds: 60 } });
  });

  it('removes the cpu target when the view has none, and adds one after the other metrics', () => {
    const view = v1.fromStored(stored());
    delete (view.spec as JsonObject).targetCPUUtilizationPercentage;
    delete (view.spec as JsonObject).minReplicas;
    const removed = v1.toStored(view, stored()).spec as JsonObject;
    assert.deepEqual(removed.metrics, [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
      },
    ]);
    assert.equal(removed.minReplicas, undefined, 'a field the view shows and leaves out is unset');

    const memoryOnly = { ...stored(), spec: removed };
    const added = v1.fromStored(memoryOnly);
    (added.spec as JsonObject).targetCPUUtilizationPercentage = 40;
    assert.deepEqual((v1.toStored(added, memoryOnly).spec as JsonObject).metrics, [
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
      },
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 40 } },
      },
    ]);
  });

  it('overlays the v1 status on the stored status, keeping current metrics and conditions', () => {
    const view = v1.fromStored(stored());
    view.status = { currentReplicas: 5, desiredReplicas: 5, currentCPUUtilizationPercentage: 90 };
    const status = v1.toStored(view, stored()).status as JsonObject;
    assert.deepEqual(status, {
      currentReplicas: 5,
      desiredReplicas: 5,
      currentMetrics: [
        { type: 'Resource', resource: { name: 'memory', current: { averageValue: '150Mi' } } },
        {
          type: 'Resource',
          resource: { name: 'cpu', current: { averageValue: '120m', averageUtilization: 90 } },
        },
      ],
      conditions,
    });

    delete view.status.currentCPUUtilizationPercentage;
    const without = v1.toStored(view, stored()).status as JsonObject;
    assert.deepEqual((without.currentMetrics as JsonObject[])[1], {
      type: 'Resource',
      resource: { name: 'cpu', current: { averageValue: '120m' } },
    });
  });

  it('keeps the labels, annotations and resourceVersion the view sends', () => {
    const view = v1.fromStored(stored());
    view.metadata = { ...(view.metadata as JsonObject), labels: { app: 'web' }, resourceVersion: '6' };
    const metadata = v1.toStored(view, stored()).metadata as JsonObject;
    assert.deepEqual(metadata.labels, { app: 'web' });
    assert.deepEqual(metadata.annotations, { team: 'a' });
    assert.equal(metadata.resourceVersion, '6');
  });
});
