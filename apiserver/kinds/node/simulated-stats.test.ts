import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { simulatedStatsSummary } from './simulated-stats.js';

const node = Node.fromPartial({
  metadata: { name: 'sim-0', creationTimestamp: new Date(0) },
  status: { capacity: { cpu: '32', memory: '256Gi' } },
});
const pod = (name: string, phase: string, requests?: Record<string, string>) =>
  Pod.fromPartial({
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: {
      nodeName: 'sim-0',
      containers: [{ name: 'app', ...(requests ? { resources: { requests } } : {}) }],
    },
    status: { phase, startTime: new Date(1_000) },
  });

test('running pods get a stable share of their requests; the node adds its own base', () => {
  const now = new Date(11_000);
  const pods = [
    pod('web', 'Running', { cpu: '1', memory: '1Gi' }),
    pod('done', 'Succeeded'),
    pod('bare', 'Running'),
  ];
  const summary = simulatedStatsSummary(node, pods, now);
  assert.deepEqual(
    summary.pods.map((p) => p.podRef?.name),
    ['web', 'bare'],
    'only running pods',
  );
  const web = summary.pods[0];
  const cpu = BigInt(web?.cpu?.usageNanoCores ?? '0');
  assert.ok(cpu >= 200_000_000n && cpu < 800_000_000n, `20–79% of one core: ${cpu}`);
  // 10 s since the pod started at that rate.
  assert.equal(BigInt(web?.cpu?.usageCoreNanoSeconds ?? '0'), cpu * 10n);
  const bare = BigInt(summary.pods[1]?.cpu?.usageNanoCores ?? '0');
  assert.ok(bare > 0n && bare < 1_000_000n, 'no requests: under 1m');
  assert.deepEqual(simulatedStatsSummary(node, pods, now), summary, 'the same figures every call');
  const nodeCpu = BigInt(summary.node?.cpu?.usageNanoCores ?? '0');
  assert.equal(nodeCpu, 640_000_000n + cpu + bare, '2% of 32 cores plus the pods');
  assert.ok(BigInt(summary.node?.memory?.availableBytes ?? '0') > 0n);
});
