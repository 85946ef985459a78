/**
 * The scheduling cycle's CPU per pod, in process and without RPC: the default profile
 * over SchedulingBasic's cluster (5,000 nodes in 10 zones, pods of 100m and 100Mi),
 * each pod taking the snapshot, filtering and scoring, then assumed and its binding
 * confirmed, as `scheduleOne` does, with the scheduler's metrics observed as it observes
 * them (extension points, the attempt). CPU time (process.cpuUsage) rather than wall time,
 * so that the figure holds on a shared machine; run old and new code in turn to compare.
 *
 *   node --import tsx scheduler/testing/cycle-cost.ts [--nodes 5000] [--pods 5000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { Registry } from 'prom-client';
import { createLogger } from '../../sdk/logger.js';
import { SchedulerCache } from '../cache/scheduler-cache.js';
import { Snapshot } from '../cache/snapshot.js';
import { defaultConfiguration } from '../config/config.js';
import { CycleState } from '../framework/cycle-state.js';
import { Framework } from '../framework/runtime.js';
import { schedulerMetrics } from '../metrics.js';
import { inTreeRegistry } from '../plugins/index.js';
import { SchedulingQueue } from '../queue/scheduling-queue.js';
import { pendingPod, readyNode } from './scheduler-process.js';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    pods: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
  },
});
const nodeCount = Number(values.nodes);
const podCount = Number(values.pods);

function round(r: number): number {
  const cache = new SchedulerCache();
  const snapshot = new Snapshot();
  for (let i = 0; i < nodeCount; i++)
    cache.addNode(
      readyNode(`node-${i}`, {
        cpu: '4',
        memory: '32Gi',
        labels: { 'topology.kubernetes.io/zone': `zone-${i % 10}` },
      }),
    );
  // The scheduler asks its queue for every node's nominated pods; none are here.
  const queue = new SchedulingQueue();
  const config = defaultConfiguration();
  const profile = config.profiles[0];
  if (profile === undefined) throw new Error('the default configuration has no profile');
  const metrics = schedulerMetrics(new Registry(), () => queue.sizes());
  const fwk = new Framework({
    profile,
    registry: inTreeRegistry,
    percentageOfNodesToScore: config.percentageOfNodesToScore,
    metrics: metrics.framework(profile.schedulerName),
    deps: {
      snapshot,
      // Only the binder calls the apiserver, and the cycle never binds.
      clients: { api: {} } as never,
      events: undefined as never,
      logger: createLogger('cycle-cost', { level: 'silent' }),
      namespaceLabels: () => undefined,
      nominatedPodsForNode: (node) => queue.nominatedPodsForNode(node),
      anyNominatedPods: () => queue.hasNominatedPods(),
      podDisruptionBudgets: () => [],
    },
  });
  const pods = Array.from({ length: podCount }, (_, i) => {
    const p = pendingPod(`p-${r}-${i}`, {
      cpu: '100m',
      memory: '100Mi',
      namespace: 'bench',
      labels: { app: 'bench' },
    });
    if (p.metadata) p.metadata.uid = `uid-${r}-${i}`;
    return p;
  });
  const u0 = process.cpuUsage();
  for (const pod of pods) {
    const t0 = performance.now();
    cache.updateSnapshot(snapshot);
    const host = fwk.schedulePod(new CycleState(), pod).suggestedHost;
    const assumed = { ...pod, spec: { ...(pod.spec as NonNullable<typeof pod.spec>), nodeName: host } };
    cache.assumePod(assumed);
    metrics.attempt('scheduled', profile.schedulerName, (performance.now() - t0) / 1000);
    cache.addPod(assumed);
  }
  const u = process.cpuUsage(u0);
  cache.close();
  queue.close();
  return (u.user + u.system) / podCount;
}

for (let r = 0; r < Number(values.rounds); r++) {
  process.stdout.write(
    `round ${r}: ${round(r).toFixed(0)} µs of CPU per pod (${nodeCount} nodes, ${podCount} pods)\n`,
  );
}
