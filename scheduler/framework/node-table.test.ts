/**
 * The node table: its rows equal the snapshot's NodeInfos through every kind of cache
 * change, and a cycle that checks rows decides exactly as one that reads every
 * NodeInfo — the same nodes, the same FailedScheduling messages — over a cluster with
 * taints, cordons, readiness, full nodes and pod limits.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createLogger } from '../../sdk/logger.js';
import { SchedulerCache } from '../cache/scheduler-cache.js';
import { Snapshot } from '../cache/snapshot.js';
import { defaultConfiguration } from '../config/config.js';
import { inTreeRegistry } from '../plugins/index.js';
import { pendingPod, readyNode } from '../testing/scheduler-process.js';
import { CycleState } from './cycle-state.js';
import type { NodeInfoLister } from './interface.js';
import type { NodeInfo } from './node-info.js';
import {
  ALLOCATABLE_EPHEMERAL_STORAGE,
  ALLOCATABLE_MEMORY,
  ALLOCATABLE_MILLI_CPU,
  ALLOWED_PODS,
  NON_ZERO_MEMORY,
  NON_ZERO_MILLI_CPU,
  NUM_PODS,
  REQUESTED_EPHEMERAL_STORAGE,
  REQUESTED_MEMORY,
  REQUESTED_MILLI_CPU,
  ROW_IMAGES,
  ROW_NO_NODE,
  ROW_PREFER_NO_SCHEDULE,
  ROW_STRIDE,
  ROW_TAINTED,
  ROW_UNSCHEDULABLE,
} from './node-table.js';
import { FitError, Framework } from './runtime.js';

/** A deterministic [0, 1) sequence, so that two frameworks break ties alike. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function assertRowsMatch(snapshot: Snapshot): void {
  const { table } = snapshot;
  const list = snapshot.list();
  assert.equal(table.length, list.length);
  let prefer = 0;
  let images = 0;
  list.forEach((ni, i) => {
    const o = i * ROW_STRIDE;
    const d = table.data;
    const flags = table.flags(i);
    assert.equal((flags & ROW_NO_NODE) !== 0, ni.node === undefined, `${ni.name} no node`);
    assert.equal((flags & ROW_UNSCHEDULABLE) !== 0, ni.unschedulable, `${ni.name} unschedulable`);
    assert.equal((flags & ROW_TAINTED) !== 0, ni.taints.length > 0, `${ni.name} tainted`);
    assert.equal((flags & ROW_PREFER_NO_SCHEDULE) !== 0, ni.hasPreferNoScheduleTaint, ni.name);
    assert.equal((flags & ROW_IMAGES) !== 0, ni.imageStates.size > 0, `${ni.name} images`);
    if (flags & ROW_PREFER_NO_SCHEDULE) prefer++;
    if (flags & ROW_IMAGES) images++;
    assert.deepEqual(
      [
        d[o + NUM_PODS],
        d[o + ALLOWED_PODS],
        d[o + ALLOCATABLE_MILLI_CPU],
        d[o + ALLOCATABLE_MEMORY],
        d[o + ALLOCATABLE_EPHEMERAL_STORAGE],
        d[o + REQUESTED_MILLI_CPU],
        d[o + REQUESTED_MEMORY],
        d[o + REQUESTED_EPHEMERAL_STORAGE],
        d[o + NON_ZERO_MILLI_CPU],
        d[o + NON_ZERO_MEMORY],
      ],
      [
        ni.pods.length,
        ni.allocatable.allowedPodNumber,
        ni.allocatable.milliCpu,
        ni.allocatable.memory,
        ni.allocatable.ephemeralStorage,
        ni.requested.milliCpu,
        ni.requested.memory,
        ni.requested.ephemeralStorage,
        ni.nonZeroRequested.milliCpu,
        ni.nonZeroRequested.memory,
      ],
      `row ${i} (${ni.name})`,
    );
  });
  assert.equal(table.preferNoScheduleRows, prefer);
  assert.equal(table.imageRows, images);
}

function bound(pod: Pod, node: string): Pod {
  return { ...pod, spec: { ...(pod.spec as NonNullable<Pod['spec']>), nodeName: node } };
}

/** Node i of a mixed cluster: every few nodes tainted, cordoned, not Ready, small, or nearly full of pods. */
function mixedNode(i: number): Node {
  const taints: { key: string; value?: string; effect: string }[] = [];
  if (i % 7 === 3) taints.push({ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' });
  if (i % 11 === 5) taints.push({ key: 'soft', value: 'x', effect: 'PreferNoSchedule' });
  const node = readyNode(`node-${i}`, {
    cpu: i % 5 === 1 ? '500m' : '4',
    memory: i % 9 === 2 ? '512Mi' : '8Gi',
    pods: i % 13 === 4 ? '2' : '110',
    labels: { zone: `z${i % 3}` },
    taints,
    unschedulable: i % 17 === 6,
  });
  if (i % 19 === 8) {
    const ready = node.status?.conditions[0];
    if (ready) ready.status = 'False';
  }
  if (i % 23 === 9 && node.status)
    node.status.images = [{ names: ['registry/other:1'], sizeBytes: String(300 * 2 ** 20) }];
  return node;
}

/** Pod i: mostly small, some large, some tolerating the gpu taint or the cordon, some too big for any node. */
function mixedPod(i: number): Pod {
  const size = i % 10 === 0 ? { cpu: '3', memory: '6Gi' } : i % 31 === 0 ? { cpu: '64' } : { cpu: '250m' };
  const p = pendingPod(`p-${i}`, { ...size, memory: size.memory ?? '200Mi', namespace: 'ns' });
  if (p.metadata) p.metadata.uid = `uid-${i}`;
  if (p.spec && i % 4 === 1)
    p.spec.tolerations = [
      {
        key: 'dedicated',
        operator: 'Equal',
        value: 'gpu',
        effect: 'NoSchedule',
        tolerationSeconds: undefined,
      },
    ];
  if (p.spec && i % 6 === 2)
    p.spec.tolerations = [
      {
        key: 'node.kubernetes.io/unschedulable',
        operator: 'Exists',
        value: '',
        effect: 'NoSchedule',
        tolerationSeconds: undefined,
      },
    ];
  return p;
}

function frameworkOver(snapshot: NodeInfoLister, seed: number): Framework {
  const config = defaultConfiguration();
  const profile = config.profiles[0];
  assert.ok(profile);
  return new Framework({
    profile,
    registry: inTreeRegistry,
    percentageOfNodesToScore: config.percentageOfNodesToScore,
    random: seeded(seed),
    deps: {
      snapshot,
      clients: { api: {} } as never,
      events: undefined as never,
      logger: createLogger('test', { level: 'silent' }),
      namespaceLabels: () => undefined,
      nominatedPodsForNode: () => [],
      anyNominatedPods: () => false,
      podDisruptionBudgets: () => [],
    },
  });
}

/** The snapshot as a lister without its table: the framework then reads every NodeInfo. */
function withoutTable(s: Snapshot): NodeInfoLister {
  return {
    list: () => s.list(),
    get: (name) => s.get(name),
    havePodsWithAffinityList: () => s.havePodsWithAffinityList(),
    havePodsWithRequiredAntiAffinityList: () => s.havePodsWithRequiredAntiAffinityList(),
    withPodsOf: (uid) => s.withPodsOf(uid),
  };
}

/** Schedules `pods` one by one, assuming each where it went; the node or the FitError message of each. */
function scheduleAll(nodeCount: number, pods: readonly Pod[], useTable: boolean): string[] {
  const cache = new SchedulerCache();
  const snapshot = new Snapshot();
  for (let i = 0; i < nodeCount; i++) cache.addNode(mixedNode(i));
  const fwk = frameworkOver(useTable ? snapshot : withoutTable(snapshot), 42);
  const out: string[] = [];
  for (const pod of pods) {
    cache.updateSnapshot(snapshot);
    const state = new CycleState();
    try {
      const host = fwk.schedulePod(state, pod).suggestedHost;
      if (useTable) assert.equal(state.nodeTable, snapshot.table);
      cache.assumePod(bound(pod, host));
      out.push(host);
    } catch (err) {
      if (!(err instanceof FitError)) throw err;
      out.push(err.message);
    }
  }
  cache.close();
  return out;
}

describe('node table', () => {
  test('rows equal the NodeInfos through node and pod changes', () => {
    const cache = new SchedulerCache();
    const snapshot = new Snapshot();
    for (let i = 0; i < 40; i++) cache.addNode(mixedNode(i));
    cache.updateSnapshot(snapshot);
    assertRowsMatch(snapshot);
    assert.ok(snapshot.table.preferNoScheduleRows > 0);
    assert.ok(snapshot.table.imageRows > 0);

    // Pods assumed, confirmed with a change, and removed: rows replaced in place.
    const pods = Array.from({ length: 30 }, (_, i) => bound(mixedPod(i), `node-${i % 40}`));
    for (const p of pods) cache.assumePod(p);
    cache.updateSnapshot(snapshot);
    assertRowsMatch(snapshot);
    for (const p of pods.slice(0, 10)) cache.addPod(bound(p, `node-${39}`));
    for (const p of pods.slice(10, 20)) cache.removePod(p);
    cache.updateSnapshot(snapshot);
    assertRowsMatch(snapshot);

    // A node changed (taint gone, cordoned), one removed, one added: the list and rows rebuilt.
    const changed = mixedNode(3);
    if (changed.spec) {
      changed.spec.taints = [];
      changed.spec.unschedulable = true;
    }
    cache.updateNode(mixedNode(3), changed);
    cache.removeNode(mixedNode(11));
    cache.addNode(mixedNode(100));
    cache.updateSnapshot(snapshot);
    assertRowsMatch(snapshot);
    const row = snapshot.list().findIndex((n: NodeInfo) => n.name === 'node-3');
    assert.equal(snapshot.table.flags(row) & (ROW_TAINTED | ROW_UNSCHEDULABLE), ROW_UNSCHEDULABLE);
    assert.equal(
      snapshot.list().some((n) => n.name === 'node-11'),
      false,
    );
    cache.close();
  });

  test('a cycle over rows decides as one over NodeInfos', () => {
    // 300 nodes: above 100, so each cycle stops after a share of them and the next starts
    // where it stopped; 500 pods fill the small nodes and exhaust the pod limits.
    const pods = Array.from({ length: 500 }, (_, i) => mixedPod(i));
    const byRows = scheduleAll(300, pods, true);
    const byNodes = scheduleAll(300, pods, false);
    assert.deepEqual(byRows, byNodes);
    // The cluster exercises both outcomes, and nodes the row check alone cannot decide.
    assert.ok(byRows.some((r) => r.startsWith('0/300 nodes are available')));
    assert.ok(byRows.filter((r) => r.startsWith('node-')).length > 400);
  });
});
