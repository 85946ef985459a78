/**
 * The node status writer against a real store and apiserver: reports are single writes
 * on the Node the last write returned; a Node someone else changed is read again and
 * the status computed from what was read; a Node that is gone is an error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clientset, createClientset, type TypedClient } from '../../sdk/client/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { Node, NodeStatus } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { createNodeStatusWriter } from './node-status-writer.js';

const readyAt = (at: Date, previous?: NodeStatus) =>
  NodeStatus.fromPartial({
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    allocatable: { cpu: '4', memory: '8Gi', pods: '110' },
    conditions: [
      {
        type: 'Ready',
        status: 'True',
        reason: 'KubeletReady',
        message: 'kubelet is posting ready status',
        lastHeartbeatTime: at,
        lastTransitionTime: previous?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime ?? at,
      },
    ],
  });

describe('node status writer', { timeout: 60_000 }, () => {
  let cluster: Cluster;
  let admin: Clientset;
  const reads: string[] = [];
  let counted: TypedClient<Node>;

  before(async () => {
    cluster = await startCluster();
    admin = createClientset(cluster.admin, { component: 'node-status-writer-test' });
    const nodes = admin.kind<Node>('Node');
    counted = {
      ...nodes,
      get: (ns, name) => {
        reads.push(name);
        return nodes.get(ns, name);
      },
    };
  });
  after(async () => {
    admin?.close();
    await cluster?.stop();
  });

  test('reports write without reading; a Node changed by someone else is read again once', async () => {
    const nodes = admin.kind<Node>('Node');
    const created = await nodes.create(Node.fromPartial({ metadata: { name: 'n1' }, spec: {} }));
    const writer = createNodeStatusWriter(counted, 'n1');
    writer.remember(created);

    const first = await writer.update((n) => readyAt(new Date(), n.status));
    const second = await writer.update((n) => readyAt(new Date(Date.now() + 1_000), n.status));
    assert.deepEqual(reads, [], 'no read while the writer holds the latest Node');
    assert.notEqual(second.metadata?.resourceVersion, first.metadata?.resourceVersion);
    const transition = first.status?.conditions[0]?.lastTransitionTime?.getTime();
    assert.equal(second.status?.conditions[0]?.lastTransitionTime?.getTime(), transition);

    // Someone else labels the Node: the held copy is stale, the write conflicts.
    const live = await nodes.get('', 'n1');
    live.metadata!.labels = { ...live.metadata?.labels, team: 'a' };
    await nodes.update(live);
    const seen: (string | undefined)[] = [];
    const third = await writer.update((n) => {
      seen.push(n.metadata?.labels.team);
      return readyAt(new Date(Date.now() + 2_000), n.status);
    });
    assert.deepEqual(reads, ['n1'], 'one read after the conflict');
    assert.deepEqual(seen, [undefined, 'a'], 'the status computed again from the Node as read');
    assert.equal(third.metadata?.labels.team, 'a', "the other writer's change is kept");
    assert.equal(writer.current()?.metadata?.resourceVersion, third.metadata?.resourceVersion);

    // Nothing to write: no call at all.
    const unchanged = await writer.update(() => undefined);
    assert.equal(unchanged.metadata?.resourceVersion, third.metadata?.resourceVersion);
    assert.deepEqual(reads, ['n1']);
  });

  test('a writer with nothing remembered reads first; a Node that is gone is NOT_FOUND', async () => {
    const nodes = admin.kind<Node>('Node');
    await nodes.create(Node.fromPartial({ metadata: { name: 'n2' }, spec: {} }));
    reads.length = 0;
    const writer = createNodeStatusWriter(counted, 'n2');
    const written = await writer.update((n) => readyAt(new Date(), n.status));
    assert.deepEqual(reads, ['n2']);
    assert.equal(written.status?.conditions[0]?.status, 'True');

    await nodes.delete('', 'n2');
    await assert.rejects(
      writer.update((n) => readyAt(new Date(), n.status)),
      (err: unknown) => err instanceof ApiError && err.code === Code.NOT_FOUND,
    );
    assert.equal(writer.current(), undefined, 'forgotten: the next report reads again');
  });
});
