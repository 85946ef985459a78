import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { NodeInfo } from './node-info.js';
import { NO_TAINTS } from './node-taints.js';

const node = (ready: string | undefined, taints: { key: string; effect: string }[] = [], cordoned = false) =>
  Node.fromPartial({
    metadata: { name: 'n' },
    spec: { taints, unschedulable: cordoned },
    status: { conditions: ready === undefined ? [] : [{ type: 'Ready', status: ready }] },
  });

test('a Ready node without taints shares the empty list', () => {
  const ni = new NodeInfo(node('True'));
  assert.equal(ni.taints, NO_TAINTS);
  assert.equal(ni.hasPreferNoScheduleTaint, false);
  assert.equal(ni.unschedulable, false);
});

test('a node not Ready carries the readiness taint unless it has that key already', () => {
  assert.deepEqual(
    new NodeInfo(node('False')).taints.map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoSchedule'],
  );
  assert.deepEqual(
    new NodeInfo(node(undefined)).taints.map((t) => t.key),
    ['node.kubernetes.io/not-ready'],
    'no Ready condition at all counts as not ready',
  );
  assert.deepEqual(
    new NodeInfo(node('Unknown', [{ key: 'a', effect: 'PreferNoSchedule' }])).taints.map((t) => t.key),
    ['a', 'node.kubernetes.io/unreachable'],
  );
  const tainted = new NodeInfo(node('False', [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }]));
  assert.deepEqual(
    tainted.taints.map((t) => `${t.key}:${t.effect}`),
    ['node.kubernetes.io/not-ready:NoExecute'],
  );
});

test('derived again when the Node changes, and copied by clone', () => {
  const ni = new NodeInfo(node('True'));
  ni.setNode(node('True', [{ key: 'soft', effect: 'PreferNoSchedule' }], true));
  assert.equal(ni.hasPreferNoScheduleTaint, true);
  assert.equal(ni.unschedulable, true);
  const c = ni.clone();
  assert.deepEqual(c.taints, ni.taints);
  assert.equal(c.hasPreferNoScheduleTaint, true);
  assert.equal(c.unschedulable, true);
  ni.setNode(node('False'));
  assert.equal(ni.hasPreferNoScheduleTaint, false);
  assert.equal(ni.unschedulable, false);
  assert.equal(c.unschedulable, true, 'the clone keeps its own');
});
