import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodSpec } from '../gen/wheelhouse/core/v1/pod.js';
import { qosClassOf } from './qos.js';
import { podTotal } from './resource-list.js';

const container = (requests: Record<string, string>, limits: Record<string, string> = {}) => ({
  name: 'c',
  image: 'i',
  resources: { requests, limits },
});

test("a pod's requests: containers summed, the largest init container when larger, plus overhead", () => {
  const spec = PodSpec.fromPartial({
    containers: [container({ cpu: '100m', memory: '64Mi' }), container({ cpu: '200m' })],
    initContainers: [container({ cpu: '500m' }), container({ memory: '32Mi' })],
    overhead: { cpu: '10m', memory: '1Mi' },
  });
  const total = podTotal(spec, 'requests');
  assert.equal(total.get('cpu')?.toString(), '510m');
  assert.equal(total.get('memory')?.toString(), '65Mi');
});

test('QoS class: BestEffort, Burstable, Guaranteed', () => {
  assert.equal(qosClassOf(PodSpec.fromPartial({ containers: [container({})] })), 'BestEffort');
  assert.equal(qosClassOf(PodSpec.fromPartial({ containers: [container({ cpu: '1' })] })), 'Burstable');
  assert.equal(
    qosClassOf(
      PodSpec.fromPartial({
        containers: [container({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })],
      }),
    ),
    'Guaranteed',
  );
  assert.equal(
    qosClassOf(PodSpec.fromPartial({ containers: [container({}, { cpu: '1', memory: '1Gi' })] })),
    'Guaranteed',
    'requests default to limits',
  );
});
