import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { CycleState } from '../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, Handle } from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import { ERR_REASON_UNSCHEDULABLE, NODE_UNSCHEDULABLE, nodeUnschedulable } from './node-unschedulable.js';

const plugin = nodeUnschedulable({}, {} as Handle) as FilterPlugin & EnqueueExtensions;
const node = (unschedulable: boolean) =>
  Node.fromPartial({ metadata: { name: 'n1' }, spec: { unschedulable } });
const pod = (tolerations: Partial<Toleration>[] = [], uid = 'u1') =>
  Pod.fromPartial({
    metadata: { name: 'p', namespace: 'default', uid },
    spec: { containers: [{ name: 'c' }], tolerations },
  });
const filter = (p: Pod, n: Node) => plugin.filter(new CycleState(), p, new NodeInfo(n));

test('a schedulable node takes the pod', () => {
  assert.equal(plugin.name, NODE_UNSCHEDULABLE);
  assert.ok(filter(pod(), node(false)).isSuccess());
});

test('a cordoned node rejects the pod, unresolvably', () => {
  const s = filter(pod(), node(true));
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [ERR_REASON_UNSCHEDULABLE]);
  assert.equal(s.message(), 'node(s) were unschedulable');
});

test('a pod tolerating node.kubernetes.io/unschedulable:NoSchedule may go to a cordoned node', () => {
  const key = 'node.kubernetes.io/unschedulable';
  assert.ok(filter(pod([{ key, operator: 'Exists', effect: 'NoSchedule' }]), node(true)).isSuccess());
  assert.ok(filter(pod([{ key, operator: 'Exists' }]), node(true)).isSuccess(), 'every effect');
  assert.ok(filter(pod([{ operator: 'Exists' }]), node(true)).isSuccess(), 'every taint');
  assert.ok(
    !filter(pod([{ key, operator: 'Exists', effect: 'NoExecute' }]), node(true)).isSuccess(),
    'another effect',
  );
  assert.ok(!filter(pod([{ key: 'other', operator: 'Exists' }]), node(true)).isSuccess(), 'another key');
});

test('a NodeInfo without its Node is an error', () => {
  assert.equal(plugin.filter(new CycleState(), pod(), new NodeInfo()).code, 'Error');
});

test('events: a node added or uncordoned, or the pod now tolerating the cordon', () => {
  const events = plugin.eventsToRegister();
  const hint = (resource: string, action: string) => {
    const e = events.find((x) => x.event.resource === resource && x.event.action === action);
    assert.ok(e?.hint, `${resource}/${action} is registered with a hint`);
    return e.hint;
  };
  const add = hint('Node', 'Add');
  assert.equal(add(pod(), undefined, node(false)), 'Queue');
  assert.equal(add(pod(), undefined, node(true)), 'Skip');
  const update = hint('Node', 'UpdateNodeTaint');
  assert.equal(update(pod(), node(true), node(false)), 'Queue', 'uncordoned');
  assert.equal(update(pod(), node(false), node(false)), 'Skip', 'was schedulable already');
  assert.equal(update(pod(), node(false), node(true)), 'Skip', 'cordoned');
  const tolerations = hint('UnscheduledPod', 'UpdatePodTolerations');
  const tolerant = pod([{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists' }]);
  assert.equal(tolerations(pod(), pod(), tolerant), 'Queue');
  assert.equal(tolerations(pod(), pod(), pod()), 'Skip', 'still intolerant');
  assert.equal(tolerations(pod(), pod(), pod([{ operator: 'Exists' }], 'u2')), 'Skip', 'another pod');
});
