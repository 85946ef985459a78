/**
 * The node lifecycle and taint eviction controllers against a real store and apiserver,
 * run in process with the controller manager's identity and short timings. The test plays
 * the kubelets: it creates Nodes, renews their Leases and posts their status.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import { Node, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Toleration } from '../../sdk/gen/wheelhouse/core/v1/scheduling.js';
import { pod } from '../../test/objects.js';
import { eventsAbout, useCluster, waitFor } from '../shared/testing.js';
import { nodeLifecycleController } from './index.js';

const LEASE_NS = 'kube-node-lease';
const GRACE_MS = 2_000;

describe('node lifecycle', { timeout: 120_000 }, () => {
  const beating = new Map<string, NodeJS.Timeout>();
  const suite = useCluster({
    prepare: async ({ signal }) => {
      // The heartbeats stop before the controllers do.
      signal.addEventListener('abort', () => {
        for (const name of [...beating.keys()]) stopBeating(name);
      });
      // Two nodes in a zone, so that one lost is not a full disruption (which evicts nobody).
      await addNode('node-a', 'z1');
      await addNode('node-b', 'z1');
    },
    inProcess: {
      controllers: [nodeLifecycleController],
      flags: {
        'node-monitor-period': '200ms',
        'node-monitor-grace-period': `${GRACE_MS}ms`,
        'node-startup-grace-period': `${GRACE_MS}ms`,
        'node-eviction-rate': '10',
      },
    },
  });

  const nodes = () => suite.admin.kind<Node>('Node');
  const leases = () => suite.admin.kind<Lease>('Lease');
  const pods = () => suite.admin.kind<Pod>('Pod');

  const postReady = async (name: string) => {
    const n = await nodes().get('', name);
    const now = new Date();
    n.status = NodeStatus.fromPartial({ ...n.status });
    n.status.conditions = [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
      {
        type: 'MemoryPressure',
        status: 'False',
        reason: 'KubeletHasSufficientMemory',
        message: '',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
      {
        type: 'DiskPressure',
        status: 'False',
        reason: 'KubeletHasNoDiskPressure',
        message: '',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
      {
        type: 'PIDPressure',
        status: 'False',
        reason: 'KubeletHasSufficientPID',
        message: '',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ];
    await nodes().updateStatus(n);
  };
  const renew = async (name: string) => {
    const l = await leases().get(LEASE_NS, name);
    l.spec!.renewTime = new Date();
    await leases().update(l);
  };
  const startBeating = (name: string) => {
    beating.set(
      name,
      setInterval(() => void renew(name).catch(() => undefined), 250),
    );
  };
  const stopBeating = (name: string) => {
    clearInterval(beating.get(name));
    beating.delete(name);
  };
  const addNode = async (name: string, zone: string) => {
    await nodes().create(
      Node.fromPartial({
        metadata: { name, labels: { 'topology.kubernetes.io/zone': zone } },
        spec: {},
        status: {},
      }),
    );
    await postReady(name);
    await leases().create(
      Lease.fromPartial({
        metadata: { name, namespace: LEASE_NS },
        spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: new Date() },
      }),
    );
    startBeating(name);
  };
  const boundPod = (name: string, node: string, tolerations: Partial<Toleration>[] = []) => {
    const p = pod(name);
    p.spec!.nodeName = node;
    p.spec!.tolerations = tolerations.map((t) => ({ key: '', operator: '', value: '', effect: '', ...t }));
    return pods().create(p);
  };
  const deleting = (name: string) =>
    waitFor(`${name} to be evicted`, async () => {
      const p = await pods().get('default', name);
      return p.metadata?.deletionTimestamp ? p : undefined;
    });

  it('healthy nodes cost no call: the cached Node decides, the live one is read only to change it', async () => {
    // Every period looked at each Node live before; at a thousand nodes that was most calls.
    const api = suite.controllers.clients.api;
    const calls: string[] = [];
    const original = { get: api.get, update: api.update, updateStatus: api.updateStatus };
    api.get = (info, ns, name) => {
      calls.push(`get ${info.kind} ${name}`);
      return original.get.call(api, info, ns, name);
    };
    api.update = (info, obj) => {
      calls.push(`update ${info.kind}`);
      return original.update.call(api, info, obj);
    };
    api.updateStatus = (info, obj) => {
      calls.push(`updateStatus ${info.kind}`);
      return original.updateStatus.call(api, info, obj);
    };
    try {
      // Ten monitor periods (200 ms) of two healthy nodes whose Leases are renewed.
      await new Promise((r) => setTimeout(r, 2_000));
      assert.deepEqual(
        calls.filter((c) => / Node\b/.test(c)),
        [],
      );
      // A change still reaches the live Node: cordoning taints it.
      const n = await nodes().get('', 'node-a');
      n.spec!.unschedulable = true;
      await nodes().update(n);
      await waitFor('the unschedulable taint', async () => {
        const m = await nodes().get('', 'node-a');
        return m.spec?.taints.some((t) => t.key === 'node.kubernetes.io/unschedulable') ? m : undefined;
      });
      assert.ok(calls.includes('get Node node-a'), 'the change was made on the live Node');
      const uncordoned = await nodes().get('', 'node-a');
      uncordoned.spec!.unschedulable = false;
      await nodes().update(uncordoned);
      await waitFor('the unschedulable taint to go', async () => {
        const m = await nodes().get('', 'node-a');
        return m.spec?.taints.length === 0 ? m : undefined;
      });
    } finally {
      Object.assign(api, original);
    }
  });

  it('a node that stops renewing its Lease goes Unknown, is tainted, and its pods are evicted after their toleration', async () => {
    await boundPod('short', 'node-b', [
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: '2',
      },
    ]);
    await boundPod('forever', 'node-b', [
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    ]);
    // DefaultTolerationSeconds gives it 300 s.
    await boundPod('defaulted', 'node-b');
    await boundPod('elsewhere', 'node-a');

    stopBeating('node-b');
    const tainted = await waitFor('node-b to be tainted unreachable', async () => {
      const n = await nodes().get('', 'node-b');
      const keys = (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
      return keys.includes('node.kubernetes.io/unreachable:NoExecute') ? n : undefined;
    });
    // The grace period runs from the last renewal, which may have been a beat before the stop.
    const lastRenewal = (await leases().get(LEASE_NS, 'node-b')).spec?.renewTime?.getTime() ?? 0;
    assert.ok(Date.now() - lastRenewal >= GRACE_MS, 'not before the grace period');
    assert.deepEqual((tainted.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort(), [
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    for (const t of tainted.spec?.taints ?? []) assert.ok(t.timeAdded, `${t.key} has timeAdded`);
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = tainted.status?.conditions.find((x) => x.type === type);
      assert.equal(c?.status, 'Unknown', type);
      assert.equal(c?.reason, 'NodeStatusUnknown');
      assert.equal(c?.message, 'Kubelet stopped posting node status.');
    }
    const a = await nodes().get('', 'node-a');
    assert.deepEqual(a.spec?.taints, [], 'the healthy node keeps no taints');

    const evicted = await deleting('short');
    const taintedAt = tainted.spec?.taints.find((t) => t.effect === 'NoExecute')?.timeAdded?.getTime() ?? 0;
    const evictedAt = evicted.metadata?.deletionTimestamp?.getTime() ?? 0;
    // Deleted gracefully: the deletionTimestamp is the end of its 30 s grace period.
    assert.ok(evictedAt - 30_000 >= taintedAt + 2_000 - 1_000, 'not before its tolerationSeconds');
    const eviction = await waitFor('the TaintManagerEviction event', async () => {
      const evs = await eventsAbout(suite.admin, 'Pod', 'short', '');
      return evs.find(
        (e) => e.reason === 'TaintManagerEviction' && e.message === 'Marking for deletion Pod default/short',
      );
    });
    // Each named as Kubernetes names its source (`From` in describe).
    assert.equal(eviction.source?.component, 'taint-eviction-controller');
    const notReady = await waitFor('the NodeNotReady event', async () =>
      (await eventsAbout(suite.admin, 'Node', 'node-b', '')).find((e) => e.reason === 'NodeNotReady'),
    );
    assert.equal(notReady.source?.component, 'node-controller');
    for (const name of ['forever', 'defaulted', 'elsewhere']) {
      const p = await pods().get('default', name);
      assert.equal(p.metadata?.deletionTimestamp, undefined, `${name} stays`);
    }

    // The kubelet is back: Lease renewed, Ready posted.
    startBeating('node-b');
    await postReady('node-b');
    await waitFor('node-b to be untainted', async () => {
      const n = await nodes().get('', 'node-b');
      return n.spec?.taints.length === 0 ? n : undefined;
    });
  });

  it('evicts at once a pod that does not tolerate a NoExecute taint', async () => {
    await boundPod('intolerant', 'node-a');
    await boundPod('tolerant', 'node-a', [
      { key: 'example.com/drain', operator: 'Exists', effect: 'NoExecute' },
    ]);
    const n = await nodes().get('', 'node-a');
    n.spec!.taints = [
      ...(n.spec?.taints ?? []),
      { key: 'example.com/drain', value: '', effect: 'NoExecute', timeAdded: new Date() },
    ];
    await nodes().update(n);
    await deleting('intolerant');
    const tolerant = await pods().get('default', 'tolerant');
    assert.equal(tolerant.metadata?.deletionTimestamp, undefined);
    // Someone else's taint is theirs to remove.
    const after = await nodes().get('', 'node-a');
    assert.ok(after.spec?.taints.some((t) => t.key === 'example.com/drain'));
    after.spec!.taints = after.spec!.taints.filter((t) => t.key !== 'example.com/drain');
    await nodes().update(after);
  });

  it('node.kubernetes.io/unschedulable mirrors cordoning', async () => {
    const cordon = async (unschedulable: boolean) => {
      const n = await nodes().get('', 'node-a');
      n.spec!.unschedulable = unschedulable;
      await nodes().update(n);
    };
    await cordon(true);
    await waitFor('the unschedulable taint', async () => {
      const n = await nodes().get('', 'node-a');
      return n.spec?.taints.some(
        (t) => t.key === 'node.kubernetes.io/unschedulable' && t.effect === 'NoSchedule',
      )
        ? n
        : undefined;
    });
    await cordon(false);
    await waitFor('the unschedulable taint to go', async () => {
      const n = await nodes().get('', 'node-a');
      return n.spec?.taints.some((t) => t.key === 'node.kubernetes.io/unschedulable') ? undefined : n;
    });
  });

  it('records RegisteredNode for each node it comes to know and RemovingNode for one deleted', async () => {
    const registered = (name: string) =>
      waitFor(`the RegisteredNode Event of ${name}`, async () =>
        (await eventsAbout(suite.admin, 'Node', name)).find((e) => e.reason === 'RegisteredNode'),
      );
    // The nodes there before the controller started, and one added after.
    for (const name of ['node-a', 'node-b']) {
      const e = await registered(name);
      assert.equal(e.message, `Node ${name} event: Registered Node ${name} in Controller`);
      assert.equal(e.type, 'Normal');
      assert.equal(e.source?.component, 'node-controller');
      assert.equal(e.involvedObject?.uid, (await nodes().get('', name)).metadata?.uid);
    }
    await addNode('node-c', 'z2');
    const uid = (await nodes().get('', 'node-c')).metadata?.uid;
    assert.equal((await registered('node-c')).involvedObject?.uid, uid);
    stopBeating('node-c');
    await nodes().delete('', 'node-c');
    const removing = await waitFor('the RemovingNode Event of node-c', async () =>
      (await eventsAbout(suite.admin, 'Node', 'node-c')).find((e) => e.reason === 'RemovingNode'),
    );
    assert.equal(removing.message, 'Node node-c event: Removing Node node-c from Controller');
    assert.equal(removing.involvedObject?.uid, uid);
    // Each once: the controller remembers whom it registered.
    const reasons = (await eventsAbout(suite.admin, 'Node', 'node-c')).map((e) => `${e.reason} ${e.count}`);
    assert.deepEqual(reasons.sort(), ['RegisteredNode 1', 'RemovingNode 1']);
    await leases().delete(LEASE_NS, 'node-c');
  });
});
