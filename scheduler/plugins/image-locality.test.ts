import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CycleState } from '../framework/cycle-state.js';
import type {
  EnqueueExtensions,
  Handle,
  NodeInfoLister,
  PreScorePlugin,
  ScorePlugin,
} from '../framework/interface.js';
import { type ImageState, NodeInfo } from '../framework/node-info.js';
import { calculatePriority, IMAGE_LOCALITY, imageLocality, normalizedImageName } from './image-locality.js';

const mb = 1024 * 1024;

/** A handle whose snapshot holds `total` nodes: ImageLocality reads only its size. */
function handleWith(total: number): Handle {
  const nodes = Array.from(
    { length: total },
    (_, i) => new NodeInfo(Node.fromPartial({ metadata: { name: `n${i}` } })),
  );
  const snapshot: Pick<NodeInfoLister, 'list'> = { list: () => nodes };
  return { snapshot } as Handle;
}
const plugin = (total: number) =>
  imageLocality({}, handleWith(total)) as PreScorePlugin & ScorePlugin & EnqueueExtensions;
const nodeHolding = (images: Record<string, ImageState>) => {
  const info = new NodeInfo(Node.fromPartial({ metadata: { name: 'n0' } }));
  info.imageStates = new Map(Object.entries(images));
  return info;
};
const pod = (...images: string[]) =>
  Pod.fromPartial({ spec: { containers: images.map((image, i) => ({ name: `c${i}`, image })) } });
/**
 * PreScore then Score, as a cycle runs them; and Score alone must agree. PreScore skips
 * (every node would score 0) when no node holds any of the pod's images.
 */
const score = (total: number, p: Pod, info: NodeInfo) => {
  const pl = plugin(total);
  const state = new CycleState();
  const pre = pl.preScore(state, p, [info]);
  if (pre.isSkip()) {
    assert.equal(pl.score(new CycleState(), p, info), 0, 'skipped, yet Score alone scores');
    return 0;
  }
  assert.ok(pre.isSuccess());
  const r = pl.score(state, p, info);
  assert.equal(pl.score(new CycleState(), p, info), r, 'without PreScore state');
  return r;
};

test('an image held by the node scores its size times its spread, scaled between 23 MB and 1000 MB', () => {
  assert.equal(plugin(1).name, IMAGE_LOCALITY);
  const info = nodeHolding({ 'nginx:1.27': { sizeBytes: 500 * mb, numNodes: 2 } });
  // 500 MB × 2/4 = 250 MB: 100 × (250 − 23) / (1000 − 23).
  assert.equal(score(4, pod('nginx:1.27'), info), 23);
  // Held by every node: 500 MB: 100 × 477 / 977.
  assert.equal(score(2, pod('nginx:1.27'), info), 48);
  assert.equal(score(4, pod('redis:7'), info), 0, 'an image the node lacks');
  assert.equal(score(4, pod('nginx:1.27'), nodeHolding({})), 0, 'a node without images');
  assert.ok(
    plugin(4)
      .preScore(new CycleState(), pod('redis:7'), [info, nodeHolding({})])
      .isSkip(),
  );
  assert.ok(
    plugin(4)
      .preScore(new CycleState(), pod('nginx:1.27'), [nodeHolding({}), info])
      .isSuccess(),
  );
});

test('clamped: small images score 0, huge images 100', () => {
  assert.equal(score(1, pod('tiny:1'), nodeHolding({ 'tiny:1': { sizeBytes: 10 * mb, numNodes: 1 } })), 0);
  assert.equal(
    score(1, pod('huge:1'), nodeHolding({ 'huge:1': { sizeBytes: 5000 * mb, numNodes: 1 } })),
    100,
  );
});

test('the ceiling grows with the number of containers, init containers included', () => {
  const info = nodeHolding({ 'big:1': { sizeBytes: 1000 * mb, numNodes: 1 } });
  assert.equal(score(1, pod('big:1'), info), 100);
  // 1000 MB of a 2000 MB ceiling: 100 × 977 / 1977.
  assert.equal(score(1, pod('big:1', 'other:1'), info), 49);
  const withInit = Pod.fromPartial({
    spec: { initContainers: [{ name: 'i', image: 'big:1' }], containers: [{ name: 'c', image: 'big:1' }] },
  });
  assert.equal(score(1, withInit, info), 100, 'both containers find the image: 2000 MB of 2000 MB');
});

test('image names without a tag mean :latest', () => {
  assert.equal(normalizedImageName('nginx'), 'nginx:latest');
  assert.equal(normalizedImageName('nginx:1.27'), 'nginx:1.27');
  assert.equal(normalizedImageName('registry.local:5000/app'), 'registry.local:5000/app:latest');
  assert.equal(normalizedImageName('registry.local:5000/app:v2'), 'registry.local:5000/app:v2');
  assert.equal(normalizedImageName('app@sha256:abcd'), 'app@sha256:abcd', 'a digest is left alone');
  const info = nodeHolding({ 'nginx:latest': { sizeBytes: 1000 * mb, numNodes: 1 } });
  assert.equal(score(1, pod('nginx'), info), 100);
});

test('priority edge cases; a score plugin registers no events', () => {
  assert.equal(calculatePriority(0, 1), 0);
  assert.equal(calculatePriority(10 * 1000 * mb, 0), 0, 'no containers');
  assert.equal(score(0, pod('a'), nodeHolding({})), 0, 'an empty snapshot');
  assert.deepEqual(plugin(1).eventsToRegister(), []);
});
