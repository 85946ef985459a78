/**
 * The pod garbage collector against a real store and apiserver, run in process with the
 * controller manager's identity and short periods; the test plays the kubelets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { type Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { pod } from '../../test/objects.js';
import { isGone, useCluster, waitFor } from '../shared/testing.js';
import { podGcController } from './index.js';
import { terminatedToDelete } from './pod-gc-controller.js';

describe('terminatedToDelete', () => {
  const at = (name: string, seconds: number, phase: string) =>
    ({
      metadata: { name, creationTimestamp: new Date(seconds * 1000) },
      status: { phase },
    }) as unknown as Pod;
  it('picks the oldest terminated pods above the threshold, and nothing at threshold 0', () => {
    const pods = [
      at('c', 3, 'Failed'),
      at('a', 1, 'Succeeded'),
      at('r', 0, 'Running'),
      at('b', 2, 'Succeeded'),
    ];
    assert.deepEqual(
      terminatedToDelete(pods, 1).map((p) => p.metadata?.name),
      ['a', 'b'],
    );
    assert.deepEqual(terminatedToDelete(pods, 3), []);
    assert.deepEqual(terminatedToDelete(pods, 0), []);
  });
});

describe('pod garbage collector', { timeout: 120_000 }, () => {
  const suite = useCluster({
    prepare: async () => {
      await addNode('healthy', 'True');
      await addNode('sick', 'False');
    },
    inProcess: {
      controllers: [podGcController],
      flags: { 'terminated-pod-gc-threshold': '3', 'pod-gc-period': '200ms', 'pod-gc-quarantine': '1s' },
    },
  });

  const nodes = () => suite.admin.kind<Node>('Node');
  const pods = () => suite.admin.kind<Pod>('Pod');
  const addNode = async (name: string, ready: string) => {
    const n = await nodes().create(Node.fromPartial({ metadata: { name }, spec: {}, status: {} }));
    const now = new Date();
    n.status!.conditions = [
      {
        type: 'Ready',
        status: ready,
        reason: '',
        message: '',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      },
    ];
    await nodes().updateStatus(n);
  };
  const boundPod = async (name: string, node: string, phase?: string) => {
    const p = pod(name);
    p.spec!.nodeName = node;
    const created = await pods().create(p);
    if (!phase) return created;
    created.status = PodStatus.fromPartial({ ...created.status, phase });
    return pods().updateStatus(created);
  };
  const gone = (ns: string, name: string) =>
    waitFor(`${name} to be deleted`, async () => ((await isGone(pods().get(ns, name))) ? true : undefined));

  it('deletes terminated pods beyond the threshold, oldest first', async () => {
    for (let i = 0; i < 5; i++) {
      await boundPod(`done-${i}`, 'healthy', i % 2 === 0 ? 'Succeeded' : 'Failed');
      // Distinct creation seconds, so that "oldest" is unambiguous.
      if (i < 4) await new Promise((r) => setTimeout(r, 1_000));
    }
    await boundPod('running', 'healthy', 'Running');
    await gone('default', 'done-0');
    await gone('default', 'done-1');
    const left = (await pods().list('default')).items.map((p) => p.metadata?.name).sort();
    assert.deepEqual(left, ['done-2', 'done-3', 'done-4', 'running']);
  });

  it('deletes pods bound to a node that does not exist, after the quarantine', async () => {
    const started = Date.now();
    await boundPod('on-ghost', 'ghost-node');
    await gone('default', 'on-ghost');
    assert.ok(Date.now() - started >= 1_000, 'not before the quarantine');
  });

  it('force-deletes pods terminating on a vanished node, or past their grace on a not-Ready node', async () => {
    await addNode('doomed', 'True');
    await boundPod('on-doomed', 'doomed');
    await pods().delete('default', 'on-doomed', { gracePeriodSeconds: '600' });
    await boundPod('on-sick', 'sick');
    await pods().delete('default', 'on-sick', { gracePeriodSeconds: '1' });
    await boundPod('on-healthy', 'healthy');
    await pods().delete('default', 'on-healthy', { gracePeriodSeconds: '1' });
    await nodes().delete('', 'doomed');
    await gone('default', 'on-doomed');
    await gone('default', 'on-sick');
    // On a Ready node the kubelet finishes its own pods.
    const p = await pods().get('default', 'on-healthy');
    assert.ok(p.metadata?.deletionTimestamp);
    await pods().delete('default', 'on-healthy', { gracePeriodSeconds: '0' });
  });
});
