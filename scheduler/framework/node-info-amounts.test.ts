import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type NodeInfo as NI, NodeInfo, newPodInfo } from './node-info.js';

const node = Node.fromPartial({
  metadata: { name: 'n' },
  status: { allocatable: { cpu: '4', memory: '32Gi', 'ephemeral-storage': '100Gi', pods: '110' } },
});

const pod = (name: string, requests: Record<string, string>) =>
  Pod.fromPartial({
    metadata: { namespace: 'default', name, uid: `uid-${name}` },
    spec: { containers: [{ name: 'c', image: 'x', resources: { requests } }] },
  });

/** The inline amounts Filter and Score read must equal the Resources they copy. */
function assertInSync(ni: NI, what: string): void {
  assert.deepEqual(
    [
      ni.numPods,
      ni.allowedPodNumber,
      ni.allocatableMilliCpu,
      ni.allocatableMemory,
      ni.allocatableEphemeralStorage,
      ni.requestedMilliCpu,
      ni.requestedMemory,
      ni.requestedEphemeralStorage,
      ni.nonZeroMilliCpu,
      ni.nonZeroMemory,
    ],
    [
      ni.pods.length,
      ni.allocatable.allowedPodNumber,
      ni.allocatable.milliCpu,
      ni.allocatable.memory,
      ni.allocatable.ephemeralStorage,
      ni.requested.milliCpu,
      ni.requested.memory,
      ni.requested.ephemeralStorage,
      ni.nonZeroRequested.milliCpu,
      ni.nonZeroRequested.memory,
    ],
    what,
  );
}

test('inline amounts follow setNode, addPod, removePod and clone', () => {
  const ni = new NodeInfo(node);
  assertInSync(ni, 'after setNode');
  assert.equal(ni.allocatableMemory, 32 * 1024 ** 3);
  const a = pod('a', { cpu: '500m', memory: '1Gi', 'ephemeral-storage': '1Gi' });
  const b = pod('b', {});
  ni.addPod(newPodInfo(a));
  ni.addPod(newPodInfo(b));
  assertInSync(ni, 'after addPod');
  assert.equal(ni.requestedMilliCpu, 500);
  assert.equal(ni.nonZeroMilliCpu, 600, 'a pod without requests counts 100m when scoring');
  const c = ni.clone();
  assertInSync(c, 'clone');
  assert.ok(ni.removePod(a));
  assertInSync(ni, 'after removePod');
  assert.equal(ni.numPods, 1);
  assert.equal(ni.requestedEphemeralStorage, 0);
  assert.equal(c.numPods, 2, 'the clone keeps its own');
  ni.setNode(Node.fromPartial({ metadata: { name: 'n' }, status: { allocatable: { cpu: '8', pods: '5' } } }));
  assertInSync(ni, 'after a node update');
  assert.equal(ni.allocatableMemory, 0);
});
