import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Node, NodeSpec, type Taint } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { movesOn } from '../../testing/queue-moves.js';
import { createTestFramework, makeNode, makePod } from '../default-preemption/testing.js';
import { createPodTopologySpread } from './index.js';

const plugin = createTestFramework({ nodes: [], plugins: (h) => [createPodTopologySpread({}, h)] })
  .plugins[0] as ReturnType<typeof createPodTopologySpread>;

/** Spreads `app: web` pods over zones, at most one apart. */
const spread = () =>
  makePod('web', {
    labels: { app: 'web' },
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'zone',
        whenUnsatisfiable: 'DoNotSchedule',
        labelSelector: { matchLabels: { app: 'web' }, matchExpressions: [] },
        matchLabelKeys: [],
        nodeAffinityPolicy: '',
        nodeTaintsPolicy: '',
      },
    ],
  });
const bound = (name: string, labels: Record<string, string>, namespace = 'default'): Pod =>
  makePod(name, { nodeName: 'n1', labels, namespace });

test('a pod added or deleted moves it only when a constraint counts that pod, in its namespace', async () => {
  for (const action of ['Add', 'Delete'] as const) {
    const ev = (p: Pod) =>
      movesOn(plugin, spread(), {
        resource: 'AssignedPod',
        actions: [action],
        ...(action === 'Add' ? { newObj: p } : { oldObj: p }),
      });
    assert.equal(await ev(bound('w', { app: 'web' })), true, action);
    assert.equal(await ev(bound('c', { app: 'cache' })), false, action);
    assert.equal(await ev(bound('w', { app: 'web' }, 'prod')), false, `${action} in another namespace`);
  }
});

test('a relabelled pod moves it only when whether a constraint counts it changed', async () => {
  const update = (o: Pod, n: Pod) =>
    movesOn(plugin, spread(), { resource: 'AssignedPod', actions: ['UpdatePodLabel'], oldObj: o, newObj: n });
  assert.equal(await update(bound('x', { app: 'web' }), bound('x', { app: 'cache' })), true);
  assert.equal(await update(bound('x', { app: 'cache' }), bound('x', { app: 'web' })), true);
  assert.equal(await update(bound('x', { app: 'web' }), bound('x', { app: 'web', v: '2' })), false);
  assert.equal(await update(bound('x', { app: 'a' }), bound('x', { app: 'b' })), false);
});

test('nodes: added or deleted with the topology key; its value or taints changed', async () => {
  const node = (labels: Record<string, string>, taints: Taint[] = []) => {
    const n = makeNode('n1', labels);
    n.spec = NodeSpec.fromPartial({ taints });
    return n;
  };
  const ev = (actions: Parameters<typeof movesOn>[2]['actions'], oldObj?: Node, newObj?: Node) =>
    movesOn(plugin, spread(), { resource: 'Node', actions, oldObj, newObj });
  assert.equal(await ev(['Add'], undefined, node({ zone: 'a' })), true);
  assert.equal(await ev(['Add'], undefined, node({})), false, 'a node without the key has no domain');
  assert.equal(await ev(['Delete'], node({ zone: 'a' })), true);
  assert.equal(await ev(['Delete'], node({})), false);
  assert.equal(await ev(['UpdateNodeLabel'], node({}), node({ zone: 'a' })), true, 'the key added');
  assert.equal(
    await ev(['UpdateNodeLabel'], node({ zone: 'a' }), node({ zone: 'b' })),
    true,
    'the key changed',
  );
  assert.equal(await ev(['UpdateNodeLabel'], node({ zone: 'a' }), node({ zone: 'a', x: 'y' })), false);
  assert.equal(await ev(['UpdateNodeLabel'], node({ x: '1' }), node({ x: '2' })), false);
  const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule', timeAdded: undefined };
  assert.equal(await ev(['UpdateNodeTaint'], node({ zone: 'a' }), node({ zone: 'a' }, [taint])), true);
  assert.equal(
    await ev(['UpdateNodeTaint'], node({}), node({}, [taint])),
    false,
    'no key: no domain either way',
  );
});
