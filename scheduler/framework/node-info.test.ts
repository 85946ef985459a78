import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { NodeInfo, newPodInfo } from './node-info.js';

const pod = (name: string, controller?: string, deleting = false) =>
  Pod.fromPartial({
    metadata: {
      namespace: 'default',
      name,
      uid: `uid-${name}`,
      ...(deleting ? { deletionTimestamp: new Date() } : {}),
      ownerReferences: controller
        ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: controller, uid: controller, controller: true }]
        : [],
    },
  });

test('counts the pods of each controller, without those being deleted', () => {
  const ni = new NodeInfo();
  ni.addPod(newPodInfo(pod('a', 'rs1')));
  ni.addPod(newPodInfo(pod('b', 'rs1')));
  ni.addPod(newPodInfo(pod('c', 'rs2')));
  ni.addPod(newPodInfo(pod('d')));
  ni.addPod(newPodInfo(pod('e', 'rs2', true)));
  assert.deepEqual([...ni.podsByController].sort(), [
    ['rs1', 2],
    ['rs2', 1],
  ]);
  const copy = ni.clone();
  assert.ok(ni.removePod(pod('a', 'rs1')));
  assert.ok(ni.removePod(pod('c', 'rs2')));
  assert.ok(ni.removePod(pod('e', 'rs2', true)));
  assert.deepEqual([...ni.podsByController], [['rs1', 1]]);
  // A clone keeps its own counts.
  assert.equal(copy.podsByController.get('rs1'), 2);
  assert.equal(copy.podsByController.get('rs2'), 1);
});
