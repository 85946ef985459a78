import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createFakeClock } from '../../sdk/workqueue/fake-clock.js';
import type { ClusterEventWithHint } from '../framework/interface.js';
import { Status } from '../framework/status.js';
import { type QueuedPodInfo, SchedulingQueue } from './scheduling-queue.js';

function pod(
  name: string,
  opts: { priority?: number; gated?: boolean; labels?: Record<string, string> } = {},
): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: opts.labels ?? {} },
    spec: {
      ...(opts.priority === undefined ? {} : { priority: opts.priority }),
      schedulingGates: opts.gated ? [{ name: 'example.com/wait' }] : [],
      containers: [{ name: 'c', image: 'x' }],
    },
  });
}

const gatePlugin = (p: Pod) =>
  (p.spec?.schedulingGates.length ?? 0) > 0
    ? Status.pending('waiting for gates').withPlugin('SchedulingGates')
    : Status.SUCCESS;

const nodeAddOnly: ReadonlyMap<string, readonly ClusterEventWithHint[] | undefined> = new Map([
  [
    'NodeResourcesFit',
    [
      { event: { resource: 'Node', action: 'Add' } },
      { event: { resource: 'AssignedPod', action: 'Delete' } },
    ],
  ],
  [
    'NodeAffinity',
    [
      {
        event: { resource: 'Node', action: 'UpdateNodeLabel' },
        hint: (_p: Pod, _o: unknown, n: unknown) =>
          (n as { metadata?: { labels?: Record<string, string> } }).metadata?.labels?.zone === 'a'
            ? 'Queue'
            : 'Skip',
      },
    ],
  ],
]);

function setup(opts: { maxUnschedulableMs?: number } = {}) {
  const clock = createFakeClock(1000);
  const q = new SchedulingQueue({
    clock,
    initialBackoffMs: 1000,
    maxBackoffMs: 10_000,
    preEnqueue: gatePlugin,
    eventsToRegister: nodeAddOnly,
    ...opts,
  });
  return { clock, q };
}

/** Pops without waiting: the pod must be active now. */
async function popNow(q: SchedulingQueue): Promise<QueuedPodInfo> {
  assert.ok(q.hasActive(), `nothing active: ${JSON.stringify(q.sizes())}`);
  return (await q.pop()) as QueuedPodInfo;
}

function fail(q: SchedulingQueue, p: QueuedPodInfo, ...plugins: string[]): void {
  p.unschedulablePlugins = new Set(plugins);
  q.addUnschedulableIfNotPresent(p);
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by arrival', async () => {
    const { clock, q } = setup();
    q.add(pod('low', { priority: 1 }));
    clock.advance(1);
    q.add(pod('high-late', { priority: 10 }));
    clock.advance(1);
    q.add(pod('low-late', { priority: 1 }));
    q.add(pod('high-later', { priority: 10 }));
    const order = [];
    for (let i = 0; i < 4; i++) order.push((await popNow(q)).pod.metadata?.name);
    assert.deepEqual(order, ['high-late', 'high-later', 'low', 'low-late']);
  });

  it('wakes a waiting pop when a pod arrives, and ends pops on close', async () => {
    const { q } = setup();
    const waiting = q.pop();
    q.add(pod('a'));
    assert.equal((await waiting)?.pod.metadata?.name, 'a');
    const last = q.pop();
    q.close();
    assert.equal(await last, undefined);
  });

  it('parks an unschedulable pod until an event its rejecting plugin registered', async () => {
    const { q } = setup();
    q.add(pod('a'));
    const a = await popNow(q);
    fail(q, a, 'NodeResourcesFit');
    assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 1, gated: 0 });
    // An event nobody registered for, and a registered resource with the wrong action, move nothing.
    q.onClusterEvent({ resource: 'AssignedPod', actions: ['Add'], oldObj: undefined, newObj: {} });
    q.onClusterEvent({ resource: 'Node', actions: ['UpdateNodeLabel'], oldObj: {}, newObj: {} });
    assert.equal(q.sizes().unschedulable, 1);
    // Node/Add is registered: still within its 1 s backoff, so to the backoff queue.
    q.onClusterEvent({ resource: 'Node', actions: ['Add'], oldObj: undefined, newObj: {} });
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });
  });

  it('asks the plugin’s QueueingHint before moving a pod', async () => {
    const { clock, q } = setup();
    q.add(pod('a'));
    fail(q, await popNow(q), 'NodeAffinity');
    clock.advance(5000);
    q.onClusterEvent({
      resource: 'Node',
      actions: ['UpdateNodeLabel'],
      oldObj: {},
      newObj: { metadata: { labels: { zone: 'b' } } },
    });
    assert.equal(q.sizes().unschedulable, 1);
    // A generic Update matches a registered UpdateNodeLabel; past its backoff, straight to active.
    q.onClusterEvent({
      resource: 'Node',
      actions: ['Update'],
      oldObj: {},
      newObj: { metadata: { labels: { zone: 'a' } } },
    });
    assert.deepEqual(q.sizes(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('moves a pod on any event when a plugin registered none', async () => {
    const { q } = setup();
    q.add(pod('a'));
    fail(q, await popNow(q), 'SomePluginWithoutEvents');
    q.onClusterEvent({ resource: 'AssignedPod', actions: ['Add'], oldObj: undefined, newObj: {} });
    assert.equal(q.sizes().backoff, 1);
  });

  it('backs off 1 s doubling to 10 s per attempt, with one timer only while the backoff queue holds pods', async () => {
    const { clock, q } = setup();
    assert.equal(q.armedTimers, 0);
    q.add(pod('a'));
    const waits: number[] = [];
    for (let attempt = 1; attempt <= 6; attempt++) {
      const a = await popNow(q);
      assert.equal(a.attempts, attempt);
      fail(q, a); // an error: no rejecting plugin, straight to backoff
      assert.equal(q.sizes().backoff, 1);
      assert.equal(q.armedTimers, 1);
      const start = clock.now();
      while (!q.hasActive()) clock.advance(100);
      waits.push(clock.now() - start);
      assert.equal(q.armedTimers, 0);
    }
    assert.deepEqual(waits, [1000, 2000, 4000, 8000, 10_000, 10_000]);
    assert.equal(q.backoffDurationMs(30), 10_000);
  });

  it('flushes pods unschedulable for 5 minutes as a safety net, timer armed only while any are parked', async () => {
    const { clock, q } = setup();
    q.add(pod('a'));
    fail(q, await popNow(q), 'NodeResourcesFit');
    assert.equal(q.armedTimers, 1);
    clock.advance(5 * 60_000 - 1);
    assert.equal(q.sizes().unschedulable, 1);
    clock.advance(1);
    assert.deepEqual(q.sizes(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal(q.armedTimers, 0);
  });

  it('keeps gated pods out until an update removes their gates', async () => {
    const { q } = setup();
    q.add(pod('g', { gated: true }));
    assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 0, gated: 1 });
    q.onClusterEvent({ resource: 'Node', actions: ['Add'], oldObj: undefined, newObj: {} });
    assert.equal(q.sizes().gated, 1);
    q.update(pod('g', { gated: true }), pod('g', { gated: true, labels: { x: 'y' } }));
    assert.equal(q.sizes().gated, 1);
    q.update(pod('g', { gated: true }), pod('g'));
    assert.deepEqual(q.sizes(), { active: 1, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal(q.armedTimers, 0);
  });

  it('sends a pod to backoff instead of parking it when a helpful event came during its attempt', async () => {
    const { q } = setup();
    q.add(pod('a'));
    const a = await popNow(q);
    q.onClusterEvent({ resource: 'Node', actions: ['Add'], oldObj: undefined, newObj: {} });
    fail(q, a, 'NodeResourcesFit');
    assert.deepEqual(q.sizes(), { active: 0, backoff: 1, unschedulable: 0, gated: 0 });

    q.add(pod('b'));
    const b = await popNow(q);
    q.onClusterEvent({ resource: 'AssignedPod', actions: ['Add'], oldObj: undefined, newObj: {} });
    fail(q, b, 'NodeResourcesFit');
    assert.equal(q.sizes().unschedulable, 1, 'an event the plugin did not register does not help');
  });

  it('retries an unschedulable pod whose spec changed, and forgets deleted pods', async () => {
    const { q } = setup();
    q.add(pod('a'));
    fail(q, await popNow(q), 'NodeResourcesFit');
    q.update(pod('a'), pod('a')); // nothing the scheduler reads changed
    assert.equal(q.sizes().unschedulable, 1);
    q.update(pod('a'), pod('a', { labels: { tier: 'web' } }));
    assert.equal(q.sizes().backoff, 1);
    q.delete(pod('a'));
    assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
    assert.equal(q.armedTimers, 0);

    q.add(pod('b'));
    const b = await popNow(q);
    q.delete(pod('b')); // deleted while in flight
    fail(q, b, 'NodeResourcesFit');
    assert.deepEqual(q.sizes(), { active: 0, backoff: 0, unschedulable: 0, gated: 0 });
  });

  it('keeps nominated pods by node, highest priority first', () => {
    const { q } = setup();
    q.addNominatedPod(pod('low', { priority: 1 }), 'n1');
    q.addNominatedPod(pod('high', { priority: 9 }), 'n1');
    q.addNominatedPod(pod('other', { priority: 5 }), 'n2');
    assert.deepEqual(
      q.nominatedPodsForNode('n1').map((p) => p.pod.metadata?.name),
      ['high', 'low'],
    );
    q.addNominatedPod(pod('high', { priority: 9 }), 'n2');
    assert.deepEqual(
      q.nominatedPodsForNode('n1').map((p) => p.pod.metadata?.name),
      ['low'],
    );
    q.delete(pod('low'));
    assert.deepEqual(q.nominatedPodsForNode('n1'), []);
  });
});
