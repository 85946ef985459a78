/**
 * The simulated nodes' heartbeats against a real store and apiserver, counting the calls
 * each node makes: registration is one create carrying the status; the first Lease
 * renewal one create; each renewal after it one update, with no read. After a restart
 * (Nodes and Leases already there) each is read once, then written as before.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Clientset, createClientset, type TypedClient } from '../../sdk/client/index.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { createNodeHeartbeats, type NodeHeartbeatOptions } from './node-heartbeats.js';
import { simulatedNodeNames } from './simulated-node.js';

const NODES = 20;
const LEASE_MS = 400;

/** Calls by `<method> <name>`. */
type Calls = Map<string, number>;

function counted<T extends KindObject>(client: TypedClient<T>, calls: Calls): TypedClient<T> {
  const note = (method: string, name: string | undefined) =>
    calls.set(`${method} ${name ?? ''}`, (calls.get(`${method} ${name ?? ''}`) ?? 0) + 1);
  return {
    ...client,
    get: (ns, name) => {
      note('get', name);
      return client.get(ns, name);
    },
    create: (obj, opts) => {
      note('create', obj.metadata?.name);
      return client.create(obj, opts);
    },
    update: (obj, opts) => {
      note('update', obj.metadata?.name);
      return client.update(obj, opts);
    },
    updateStatus: (obj) => {
      note('updateStatus', obj.metadata?.name);
      return client.updateStatus(obj);
    },
  };
}

const total = (calls: Calls, method: string) =>
  [...calls].filter(([k]) => k.startsWith(`${method} `)).reduce((sum, [, n]) => sum + n, 0);

describe('simulated node heartbeats', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let admin: Clientset;
  const names = simulatedNodeNames('hb', NODES);
  const options = (
    nodeCalls: Calls,
    leaseCalls: Calls,
    renewed: Map<string, number>,
  ): NodeHeartbeatOptions => ({
    names,
    node: {
      cpu: '8',
      memory: '16Gi',
      pods: '110',
      labels: {},
      taints: [],
      kubeletVersion: 'v0.0.0-test',
    },
    nodes: counted(admin.kind<Node>('Node'), nodeCalls),
    leases: counted(admin.kind<Lease>('Lease'), leaseCalls),
    logger: createLogger('node-heartbeats-test', { level: 'error' }),
    leaseIntervalMs: LEASE_MS,
    statusReportMs: 60_000,
    onLeaseRenewed: (name) => renewed.set(name, (renewed.get(name) ?? 0) + 1),
  });

  /** Registers and runs until every node renewed `renewals` times; returns the calls made. */
  const runUntil = async (renewals: number) => {
    const nodeCalls: Calls = new Map();
    const leaseCalls: Calls = new Map();
    const renewed = new Map<string, number>();
    const heartbeats = createNodeHeartbeats(options(nodeCalls, leaseCalls, renewed));
    const ac = new AbortController();
    const uids = await heartbeats.register(ac.signal);
    assert.equal(uids.size, NODES);
    assert.ok([...uids.values()].every((uid) => uid !== ''));
    const registration = { nodes: new Map(nodeCalls), leases: new Map(leaseCalls) };
    const running = heartbeats.run(uids, ac.signal);
    const deadline = Date.now() + 30_000;
    while (names.some((n) => (renewed.get(n) ?? 0) < renewals)) {
      assert.ok(Date.now() < deadline, `every node renewed ${renewals} times in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
    ac.abort();
    await running;
    return { registration, nodeCalls, leaseCalls, renewed };
  };

  before(async () => {
    cluster = await startCluster();
    admin = createClientset(cluster.admin, { component: 'node-heartbeats-test' });
  });
  after(async () => {
    admin?.close();
    await cluster?.stop();
  });

  test('new nodes: one create each to register, one to start the Lease, then one update a renewal', async () => {
    const { registration, nodeCalls, leaseCalls, renewed } = await runUntil(3);
    assert.equal(total(registration.nodes, 'create'), NODES);
    assert.equal(total(registration.nodes, 'updateStatus'), 0, 'the status went with the create');
    assert.equal(total(registration.nodes, 'get'), 0);
    const node = await admin.kind<Node>('Node').get('', 'hb-7');
    assert.equal(node.status?.conditions.find((c) => c.type === 'Ready')?.status, 'True');
    assert.equal(node.status?.capacity.cpu, '8');

    assert.equal(total(leaseCalls, 'get'), 0, 'no Lease was read');
    assert.equal(total(leaseCalls, 'create'), NODES);
    const renewals = [...renewed.values()].reduce((a, b) => a + b, 0);
    assert.equal(total(leaseCalls, 'update'), renewals - NODES, 'a renewal after the first is one update');
    // Nothing else ran in the time: the status reports are minutes apart (offsets spread over them).
    assert.ok(total(nodeCalls, 'updateStatus') <= 1);
    const lease = await admin.kind<Lease>('Lease').get('kube-node-lease', 'hb-7');
    assert.equal(lease.spec?.holderIdentity, 'hb-7');
    assert.equal(lease.metadata?.ownerReferences[0]?.uid, node.metadata?.uid);
    const entries = lease.metadata?.managedFields ?? [];
    assert.equal(entries.length, 1);
    assert.match(String(entries[0]?.fieldsV1?.raw), /f:renewTime/);
  });

  test('after a restart: each Node and Lease is read once, the Node keeps its uid and transition times', async () => {
    const nodes = admin.kind<Node>('Node');
    const before = new Map((await nodes.list('')).items.map((n) => [n.metadata?.name ?? '', n]));
    // Someone else's field on a Lease: renewals send no managedFields, and its entry stays.
    const labeller = createClientset(cluster.admin, { component: 'lease-labeller' });
    const leases = labeller.kind<Lease>('Lease');
    const labelled = await leases.get('kube-node-lease', 'hb-3');
    await leases.update({ ...labelled, metadata: { ...labelled.metadata, labels: { team: 'a' } } } as Lease);
    labeller.close();
    const { registration, leaseCalls } = await runUntil(2);
    const renewed = await admin.kind<Lease>('Lease').get('kube-node-lease', 'hb-3');
    assert.equal(renewed.metadata?.labels.team, 'a');
    const managers = (renewed.metadata?.managedFields ?? []).map((e) => e.manager).sort();
    assert.equal(managers.length, 2, `both managers kept: ${managers.join(', ')}`);
    assert.ok(
      managers.some((m) => m.includes('lease-labeller')),
      managers.join(', '),
    );
    assert.equal(total(registration.nodes, 'create'), NODES);
    assert.equal(total(registration.nodes, 'get'), NODES, 'read once, after the create found it');
    assert.equal(total(registration.nodes, 'updateStatus'), NODES);
    // Each Lease, found there: read once, then updated.
    assert.equal(total(leaseCalls, 'create'), 0);
    assert.equal(total(leaseCalls, 'get'), NODES);
    for (const n of (await nodes.list('')).items.filter((n) => names.includes(n.metadata?.name ?? ''))) {
      const old = before.get(n.metadata?.name ?? '');
      assert.equal(n.metadata?.uid, old?.metadata?.uid);
      const t = (x: Node | undefined) =>
        x?.status?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime?.getTime();
      assert.equal(t(n), t(old), 'Ready did not flap');
    }
  });
});
