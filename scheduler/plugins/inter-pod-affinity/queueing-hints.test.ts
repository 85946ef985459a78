import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { movesOn } from '../../testing/queue-moves.js';
import { createTestFramework, makeNode, makePod } from '../default-preemption/testing.js';
import { createInterPodAffinity } from './index.js';

const plugin = createTestFramework({ nodes: [], plugins: (h) => [createInterPodAffinity({}, h)] })
  .plugins[0] as ReturnType<typeof createInterPodAffinity>;

const term = (labels: Record<string, string>, topologyKey = 'zone') => ({
  labelSelector: { matchLabels: labels, matchExpressions: [] },
  topologyKey,
  namespaces: [],
  matchLabelKeys: [],
  mismatchLabelKeys: [],
});

/** Wants a pod `app: db` in its zone. */
const withAffinity = () =>
  makePod('web', {
    affinity: {
      podAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'db' })],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
    },
  });
/** Keeps away from pods `app: web` on the same host. */
const withAntiAffinity = () =>
  makePod('web', {
    labels: { app: 'web' },
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')],
        preferredDuringSchedulingIgnoredDuringExecution: [],
      },
    },
  });
const bound = (
  name: string,
  labels: Record<string, string>,
  extra: Parameters<typeof makePod>[1] = {},
): Pod => makePod(name, { nodeName: 'n1', labels, ...extra });

test('affinity: an added pod moves it only when it matches every term', async () => {
  const add = (p: Pod) =>
    movesOn(plugin, withAffinity(), { resource: 'AssignedPod', actions: ['Add'], newObj: p });
  assert.equal(await add(bound('db', { app: 'db' })), true);
  assert.equal(await add(bound('cache', { app: 'cache' })), false);
  assert.equal(
    await add(makePod('db-other-ns', { nodeName: 'n1', labels: { app: 'db' }, namespace: 'prod' })),
    false,
  );
});

test('affinity: a relabelled pod moves it when it starts to match; a deleted one never does', async () => {
  const pod = withAffinity();
  const before = bound('x', { app: 'cache' });
  const after = bound('x', { app: 'db' });
  const update = (o: Pod, n: Pod) =>
    movesOn(plugin, pod, { resource: 'AssignedPod', actions: ['UpdatePodLabel'], oldObj: o, newObj: n });
  assert.equal(await update(before, after), true);
  assert.equal(await update(after, before), false);
  assert.equal(
    await movesOn(plugin, pod, { resource: 'AssignedPod', actions: ['Delete'], oldObj: after }),
    false,
  );
});

test('anti-affinity: a deleted or relabelled pod moves it when it matched the term', async () => {
  const pod = withAntiAffinity();
  const web = bound('other-web', { app: 'web' });
  const api = bound('api', { app: 'api' });
  const del = (p: Pod) => movesOn(plugin, pod, { resource: 'AssignedPod', actions: ['Delete'], oldObj: p });
  assert.equal(await del(web), true);
  assert.equal(await del(api), false);
  const update = (o: Pod, n: Pod) =>
    movesOn(plugin, pod, { resource: 'AssignedPod', actions: ['UpdatePodLabel'], oldObj: o, newObj: n });
  assert.equal(await update(web, bound('other-web', { app: 'api' })), true);
  assert.equal(await update(api, bound('api', { app: 'api', v: '2' })), false);
  assert.equal(await movesOn(plugin, pod, { resource: 'AssignedPod', actions: ['Add'], newObj: web }), false);
});

test('a deleted pod whose own anti-affinity shut the pod out moves it', async () => {
  const plain = makePod('plain', { labels: { app: 'web' } });
  const guard = bound(
    'guard',
    { app: 'guard' },
    {
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [term({ app: 'web' }, 'kubernetes.io/hostname')],
          preferredDuringSchedulingIgnoredDuringExecution: [],
        },
      },
    },
  );
  assert.equal(
    await movesOn(plugin, plain, { resource: 'AssignedPod', actions: ['Delete'], oldObj: guard }),
    true,
  );
  assert.equal(
    await movesOn(plugin, plain, {
      resource: 'AssignedPod',
      actions: ['Delete'],
      oldObj: bound('x', { app: 'x' }),
    }),
    false,
  );
});

test('nodes: affinity moves on a new domain of its topology key; anti-affinity on a new node or a left domain', async () => {
  const node = (labels: Record<string, string>) => makeNode('n1', labels);
  const aff = withAffinity();
  const anti = withAntiAffinity();
  const nodeEvent = (pod: Pod, oldObj: unknown, newObj: unknown) =>
    movesOn(plugin, pod, {
      resource: 'Node',
      actions: oldObj === undefined ? ['Add'] : ['UpdateNodeLabel'],
      oldObj,
      newObj,
    });
  assert.equal(await nodeEvent(aff, undefined, node({ zone: 'a' })), true);
  assert.equal(await nodeEvent(aff, undefined, node({})), false, 'a new node without the topology key');
  assert.equal(await nodeEvent(aff, node({}), node({ zone: 'a' })), true, 'the key added');
  assert.equal(await nodeEvent(aff, node({ zone: 'a' }), node({ zone: 'b' })), true, 'the key changed');
  assert.equal(await nodeEvent(aff, node({ zone: 'a' }), node({ zone: 'a', other: 'x' })), false);
  assert.equal(await nodeEvent(anti, undefined, node({})), true);
  // The hostname key is the term's: a node whose hostname label is removed leaves the domain.
  const hostless = makeNode('n1');
  delete hostless.metadata?.labels['kubernetes.io/hostname'];
  assert.equal(await nodeEvent(anti, node({}), hostless), true);
  assert.equal(await nodeEvent(anti, node({}), node({ other: 'x' })), false);
});
