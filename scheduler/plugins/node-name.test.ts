import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CycleState } from '../framework/cycle-state.js';
import type { EnqueueExtensions, FilterPlugin, Handle } from '../framework/interface.js';
import { NodeInfo } from '../framework/node-info.js';
import { ERR_REASON_NODE_NAME, NODE_NAME, nodeName } from './node-name.js';

const plugin = nodeName({}, {} as Handle) as FilterPlugin & EnqueueExtensions;
const node = (name: string) => Node.fromPartial({ metadata: { name } });
const pod = (wanted: string) => Pod.fromPartial({ metadata: { name: 'p' }, spec: { nodeName: wanted } });
const filter = (p: Pod, n: Node) => plugin.filter(new CycleState(), p, new NodeInfo(n));

test('a pod without spec.nodeName fits any node', () => {
  assert.equal(plugin.name, NODE_NAME);
  assert.ok(filter(pod(''), node('n1')).isSuccess());
});

test('a pod naming its node fits that node only, and other nodes reject it unresolvably', () => {
  assert.ok(filter(pod('n1'), node('n1')).isSuccess());
  const s = filter(pod('n1'), node('n2'));
  assert.equal(s.code, 'UnschedulableAndUnresolvable');
  assert.deepEqual(s.reasons, [ERR_REASON_NODE_NAME]);
  assert.equal(s.message(), "node(s) didn't match the requested node name");
  assert.equal(plugin.filter(new CycleState(), pod('n1'), new NodeInfo()).code, 'Error', 'no Node');
});

test('events: only the named node being added requeues the pod', () => {
  const [add, ...rest] = plugin.eventsToRegister();
  assert.equal(rest.length, 0);
  assert.deepEqual(add?.event, { resource: 'Node', action: 'Add' });
  assert.equal(add?.hint?.(pod('n1'), undefined, node('n1')), 'Queue');
  assert.equal(add?.hint?.(pod('n1'), undefined, node('n2')), 'Skip');
  assert.equal(add?.hint?.(pod(''), undefined, node('n2')), 'Queue');
});
