import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { conditionEvents } from './node-status.js';

const status = (conditions: [type: string, status: string, reason: string][]) =>
  NodeStatus.fromPartial({
    conditions: conditions.map(([type, s, reason]) => ({ type, status: s, reason })),
  });

const healthy = status([
  ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
  ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
  ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
  ['Ready', 'True', 'KubeletReady'],
]);

describe('node condition Events', () => {
  test('a first status reports every condition, named as Kubernetes names them', () => {
    assert.deepEqual(
      conditionEvents('n1', undefined, healthy).map((e) => [e.type, e.reason, e.message]),
      [
        ['Normal', 'NodeHasSufficientMemory', 'Node n1 status is now: NodeHasSufficientMemory'],
        ['Normal', 'NodeHasNoDiskPressure', 'Node n1 status is now: NodeHasNoDiskPressure'],
        ['Normal', 'NodeHasSufficientPID', 'Node n1 status is now: NodeHasSufficientPID'],
        ['Normal', 'NodeReady', 'Node n1 status is now: NodeReady'],
      ],
    );
  });

  test('an unchanged status reports nothing; a change reports only what changed', () => {
    assert.deepEqual(conditionEvents('n1', healthy, healthy), []);
    const sick = status([
      ['MemoryPressure', 'True', 'KubeletHasInsufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['Ready', 'False', 'KubeletNotReady'],
    ]);
    assert.deepEqual(
      conditionEvents('n1', healthy, sick).map((e) => [e.type, e.reason]),
      [
        ['Warning', 'NodeHasInsufficientMemory'],
        ['Warning', 'NodeNotReady'],
      ],
    );
    assert.deepEqual(
      conditionEvents('n1', sick, healthy).map((e) => e.reason),
      ['NodeHasSufficientMemory', 'NodeReady'],
    );
  });
});
