import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createFakeClock } from '../../sdk/workqueue/fake-clock.js';
import { SchedulerCache } from './scheduler-cache.js';
import { Snapshot } from './snapshot.js';

function node(name: string, images: { names: string[]; sizeBytes: string }[] = []): Node {
  return Node.fromPartial({
    metadata: { name },
    status: { allocatable: { cpu: '4', memory: '8Gi', pods: '110' }, images },
  });
}

function pod(name: string, nodeName: string, cpu = '500m', antiAffinity = false): Pod {
  return Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName,
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu } } }],
      ...(antiAffinity
        ? {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'x' } } },
                ],
              },
            },
          }
        : {}),
    },
    status: {},
  });
}

describe('SchedulerCache', () => {
  it('keeps the snapshot list and map the same copies as nodes change, come and go', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    for (const n of ['a', 'b', 'c']) cache.addNode(node(n));
    cache.updateSnapshot(snap);
    const same = () => {
      for (const ni of snap.list())
        assert.equal(snap.get(ni.name), ni, `list and map disagree on ${ni.name}`);
    };
    cache.addPod(pod('p1', 'c'));
    cache.updateSnapshot(snap);
    same();
    assert.equal(snap.list()[2]?.requested.milliCpu, 500);
    cache.removeNode(node('a'));
    cache.addNode(node('d'));
    cache.updateSnapshot(snap);
    assert.deepEqual(
      snap.list().map((n) => n.name),
      ['b', 'c', 'd'],
    );
    cache.addPod(pod('p2', 'd', '250m'));
    cache.addPod(pod('p3', 'b', '100m'));
    cache.updateSnapshot(snap);
    same();
    assert.deepEqual(
      snap.list().map((n) => n.requested.milliCpu),
      [100, 500, 250],
    );
  });

  it('sums requests per node and copies only changed nodes into the snapshot', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    cache.addNode(node('a'));
    cache.addNode(node('b'));
    cache.addPod(pod('p1', 'a'));
    cache.updateSnapshot(snap);
    assert.deepEqual(
      snap.list().map((n) => n.name),
      ['a', 'b'],
    );
    assert.equal(snap.get('a')?.requested.milliCpu, 500);
    assert.equal(snap.get('a')?.allocatable.milliCpu, 4000);
    const bBefore = snap.get('b');
    cache.addPod(pod('p2', 'a', '1'));
    cache.updateSnapshot(snap);
    assert.equal(snap.get('a')?.requested.milliCpu, 1500);
    assert.equal(snap.get('b'), bBefore, 'an unchanged node is not copied again');
    assert.equal(snap.list()[0], snap.get('a'), 'the list holds the new copy in place');
    // The snapshot is a copy: later changes do not leak into a running cycle.
    cache.removePod(pod('p1', 'a'));
    assert.equal(snap.get('a')?.requested.milliCpu, 1500);
    cache.updateSnapshot(snap);
    assert.equal(snap.get('a')?.requested.milliCpu, 1000);
  });

  it('assumes a pod at once, confirms it when seen bound, forgets it when the bind fails', () => {
    const cache = new SchedulerCache();
    cache.addNode(node('a'));
    const p = pod('p', 'a', '2');
    cache.assumePod(p);
    assert.equal(cache.nodeInfo('a')?.requested.milliCpu, 2000);
    assert.ok(cache.isAssumedPod(p));
    assert.throws(() => cache.assumePod(p), /already in the scheduler cache/);
    cache.addPod(p);
    assert.equal(cache.isAssumedPod(p), false);
    assert.equal(cache.nodeInfo('a')?.requested.milliCpu, 2000, 'confirmed, not counted twice');

    const q = pod('q', 'a', '1');
    cache.assumePod(q);
    cache.forgetPod(q);
    assert.equal(cache.nodeInfo('a')?.requested.milliCpu, 2000);
    assert.equal(cache.hasPod(q), false);
  });

  it('expires an assumed pod whose bind finished but was never seen, with a timer only while one waits', () => {
    const clock = createFakeClock();
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
    cache.addNode(node('a'));
    const p = pod('p', 'a', '1');
    cache.assumePod(p);
    assert.equal(clock.pendingTimers, 0, 'no expiry while the bind is in flight');
    cache.finishBinding(p);
    assert.equal(clock.pendingTimers, 1);
    clock.advance(29_999);
    assert.ok(cache.hasPod(p));
    clock.advance(1);
    assert.equal(cache.hasPod(p), false);
    assert.equal(cache.nodeInfo('a')?.requested.milliCpu, 0);
    assert.equal(clock.pendingTimers, 0);

    const q = pod('q', 'a', '1');
    cache.assumePod(q);
    cache.finishBinding(q);
    cache.addPod(q);
    assert.equal(clock.pendingTimers, 0, 'confirmation cancels the expiry');
    clock.advance(60_000);
    assert.ok(cache.hasPod(q));
  });

  it('keeps a pod whose update changes nothing the scheduler reads without re-indexing or copying its node', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    cache.addNode(node('a'));
    const p = pod('p', 'a');
    p.metadata!.ownerReferences = [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-1', controller: true },
    ];
    cache.addPod(p);
    cache.updateSnapshot(snap);
    const generation = cache.nodeInfo('a')?.generation;
    const copy = snap.get('a');
    // A kubelet's status report: phase, IPs, conditions, resourceVersion.
    const running: Pod = {
      ...p,
      metadata: { ...p.metadata!, resourceVersion: '2' },
      status: { ...p.status!, phase: 'Running', podIp: '10.0.0.1' },
    };
    cache.updatePod(p, running);
    assert.equal(cache.nodeInfo('a')?.generation, generation, 'the node is not re-indexed');
    cache.updateSnapshot(snap);
    assert.equal(snap.get('a'), copy, 'nor copied into the snapshot again');
    assert.equal(snap.get('a')?.pods[0]?.pod, running, 'the stored object is the new one');
    assert.equal(cache.nodeInfo('a')?.pods[0]?.pod, running);
    assert.deepEqual([...snap.withPodsOf('rs-1')], [copy]);

    // Changes that matter re-index the pod and copy its node.
    const changes: [string, (q: Pod) => Pod][] = [
      ['startTime', (q) => ({ ...q, status: { ...q.status!, startTime: new Date(5_000) } })],
      ['labels', (q) => ({ ...q, metadata: { ...q.metadata!, labels: { app: 'x' } } })],
      ['requests', () => pod('p', 'a', '700m')],
      ['nodeName', () => pod('p', 'b')],
    ];
    let last = running;
    for (const [what, change] of changes) {
      const next = change(last);
      const before = snap.get('a');
      cache.updatePod(last, next);
      cache.updateSnapshot(snap);
      assert.notEqual(snap.get('a'), before, `${what}: node a copied again`);
      last = next;
    }
    assert.equal(snap.get('a')?.numPods, 0, 'moved off a');
    cache.addNode(node('b'));
    cache.updateSnapshot(snap);
    assert.equal(snap.get('b')?.requested.milliCpu, 500);
    assert.deepEqual([...snap.withPodsOf('rs-1')], [], 'the last object has no controller');
  });

  it('confirms an assumed pod seen bound (with its status written) without copying its node again', () => {
    const clock = createFakeClock();
    const cache = new SchedulerCache({ clock });
    const snap = new Snapshot();
    cache.addNode(node('a'));
    const p = pod('p', 'a', '2');
    cache.assumePod(p);
    cache.finishBinding(p);
    cache.updateSnapshot(snap);
    const copy = snap.get('a');
    const bound: Pod = {
      ...p,
      metadata: { ...p.metadata!, resourceVersion: '7' },
      status: {
        ...p.status!,
        conditions: [
          { type: 'PodScheduled', status: 'True', reason: '', message: '', observedGeneration: '0' },
        ],
      },
    };
    cache.addPod(bound);
    assert.equal(cache.isAssumedPod(bound), false);
    assert.equal(clock.pendingTimers, 0, 'nothing left to expire');
    cache.updateSnapshot(snap);
    assert.equal(snap.get('a'), copy);
    assert.equal(snap.get('a')?.pods[0]?.pod, bound);
    assert.equal(snap.get('a')?.requested.milliCpu, 2000, 'counted once');
    clock.advance(60_000);
    assert.ok(cache.hasPod(bound));
  });

  it('expires the assumptions left after others were confirmed, each at its own deadline', () => {
    const clock = createFakeClock();
    const cache = new SchedulerCache({ clock, assumedPodTtlMs: 30_000 });
    cache.addNode(node('a'));
    const p = pod('p', 'a', '1');
    const q = pod('q', 'a', '1');
    cache.assumePod(p);
    cache.assumePod(q);
    cache.finishBinding(p);
    clock.advance(10_000);
    cache.finishBinding(q);
    cache.addPod(p);
    assert.equal(clock.pendingTimers, 1, 'q still waits');
    clock.advance(20_000);
    assert.ok(cache.hasPod(q), "not at p's deadline");
    clock.advance(9_999);
    assert.ok(cache.hasPod(q));
    clock.advance(1);
    assert.equal(cache.hasPod(q), false);
    assert.ok(cache.hasPod(p));
    assert.equal(cache.nodeInfo('a')?.requested.milliCpu, 1000);
    assert.equal(clock.pendingTimers, 0);
  });

  it('files each node under the controllers of its pods as pods and nodes come and go', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    for (const n of ['a', 'b', 'c']) cache.addNode(node(n));
    const owned = (name: string, nodeName: string, uid: string) => {
      const p = pod(name, nodeName);
      p.metadata!.ownerReferences = [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid, controller: true },
      ];
      return p;
    };
    const holding = (uid: string) => [...snap.withPodsOf(uid)].map((n) => n.name).sort();
    cache.addPod(owned('x1', 'a', 'rs-x'));
    cache.addPod(owned('x2', 'b', 'rs-x'));
    cache.addPod(owned('y1', 'b', 'rs-y'));
    cache.addPod(pod('bare', 'c'));
    cache.updateSnapshot(snap);
    assert.deepEqual(holding('rs-x'), ['a', 'b']);
    assert.deepEqual(holding('rs-y'), ['b']);
    assert.deepEqual(holding('uid-bare'), []);
    // The copies filed are the snapshot's own, and change with it.
    assert.equal([...snap.withPodsOf('rs-y')][0], snap.get('b'));
    cache.addPod(owned('y2', 'c', 'rs-y'));
    cache.updateSnapshot(snap);
    assert.equal(
      [...snap.withPodsOf('rs-y')].find((n) => n.name === 'b'),
      snap.get('b'),
    );
    assert.deepEqual(holding('rs-y'), ['b', 'c']);
    cache.removePod(owned('x1', 'a', 'rs-x'));
    cache.removeNode(node('b'));
    cache.updateSnapshot(snap);
    assert.deepEqual(holding('rs-x'), []);
    assert.deepEqual(holding('rs-y'), ['c']);
  });

  it('keeps the lists of nodes with affinity pods and image states', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    cache.addNode(node('a', [{ names: ['nginx:1.27'], sizeBytes: '1000' }]));
    cache.addNode(node('b', [{ names: ['nginx:1.27', 'redis:7'], sizeBytes: '1000' }]));
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.havePodsWithRequiredAntiAffinityList(), []);
    assert.deepEqual(snap.get('a')?.imageStates.get('nginx:1.27'), { sizeBytes: 1000, numNodes: 2 });
    cache.addPod(pod('anti', 'b', '1', true));
    cache.updateSnapshot(snap);
    assert.deepEqual(
      snap.havePodsWithRequiredAntiAffinityList().map((n) => n.name),
      ['b'],
    );
    assert.deepEqual(
      snap.havePodsWithAffinityList().map((n) => n.name),
      ['b'],
    );
    cache.removePod(pod('anti', 'b'));
    cache.removeNode(node('a'));
    cache.updateSnapshot(snap);
    assert.deepEqual(snap.havePodsWithAffinityList(), []);
    assert.deepEqual(
      snap.list().map((n) => n.name),
      ['b'],
    );
  });

  it('keeps pods of a node seen before the node, and shows the node only once it exists', () => {
    const cache = new SchedulerCache();
    const snap = new Snapshot();
    cache.addPod(pod('early', 'late-node'));
    cache.updateSnapshot(snap);
    assert.equal(snap.list().length, 0);
    cache.addNode(node('late-node'));
    cache.updateSnapshot(snap);
    assert.equal(snap.get('late-node')?.requested.milliCpu, 500);
  });
});
