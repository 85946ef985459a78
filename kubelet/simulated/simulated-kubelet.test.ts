/**
 * The simulated kubelet as a real process against a real store, apiserver and scheduler:
 * 20 nodes register Ready and renew their Leases; 200 pods bound by the scheduler run
 * Ready with unique addresses; annotated pods complete, fail or restart; deletions are
 * confirmed (finalizers honoured); logs of its pods fail cleanly; and a SIGKILLed
 * simulator, started again, takes its nodes and pods back without writing anything that
 * did not change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type SchedulerProcess, startScheduler } from '../../scheduler/testing/scheduler-process.js';
import { createClientset } from '../../sdk/client/typed-client.js';
import { fromServiceError } from '../../sdk/errors.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { GetPodLogsRequest, type PodServiceClient } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { COMPLETE_AFTER_ANNOTATION, FAIL_AFTER_ANNOTATION } from './pod-stages.js';
import { type SimulatorProcess, startSimulator } from './simulator-process.js';

const NODES = 20;

async function until<T>(check: () => Promise<T | undefined | false>, what: string, ms = 30_000): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > ms)
      assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function podOf(
  name: string,
  opts: {
    annotations?: Record<string, string>;
    restartPolicy?: string;
    finalizers?: string[];
    node?: string;
  } = {},
): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'sim' },
      annotations: opts.annotations ?? {},
      finalizers: opts.finalizers ?? [],
    },
    spec: {
      ...(opts.restartPolicy ? { restartPolicy: opts.restartPolicy } : {}),
      ...(opts.node ? { nodeName: opts.node } : {}),
      initContainers: [{ name: 'init', image: 'busybox:1.36' }],
      containers: [
        { name: 'web', image: 'nginx:1.27', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
        { name: 'side', image: 'busybox:1.36' },
      ],
    },
  });
}

const ready = (pod: Pod) =>
  pod.status?.phase === 'Running' &&
  pod.status.conditions.some((c) => c.type === 'Ready' && c.status === 'True');

describe('wheelhouse kubelet --simulate', () => {
  let cluster: Cluster;
  let scheduler: SchedulerProcess | undefined;
  let simulator: SimulatorProcess | undefined;
  let clients: ReturnType<typeof createClientset>;
  const pods = () => clients.kind<Pod>('Pod');
  const nodes = () => clients.kind<Node>('Node');
  const leases = () => clients.kind<Lease>('Lease');
  const listPods = async () => (await pods().list('default')).items;
  const simulate = () =>
    startSimulator(cluster, { nodes: NODES, extraArgs: ['--node-status-update-frequency', '1s'] });

  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'simulated-kubelet-test' });
    scheduler = await startScheduler(cluster, { leaderElect: false });
    simulator = await simulate();
  });
  after(async () => {
    await simulator?.stop();
    await scheduler?.stop();
    clients?.close();
    await cluster?.stop();
  });

  test(`${NODES} nodes register Ready, as simulated nodes, and renew their Leases`, async () => {
    const list = (await nodes().list('')).items;
    assert.equal(list.length, NODES);
    const names = list.map((n) => n.metadata?.name).sort();
    assert.deepEqual(names, Array.from({ length: NODES }, (_, i) => `sim-node-${i}`).sort());
    const ips = new Set<string>();
    const cidrs = new Set<string>();
    for (const node of list) {
      const name = node.metadata?.name ?? '';
      assert.equal(node.metadata?.labels['kubernetes.io/hostname'], name);
      assert.equal(node.metadata?.labels['kubernetes.io/os'], 'linux');
      assert.equal(node.metadata?.labels.type, 'simulated');
      const status = node.status;
      assert.equal(status?.capacity.cpu, '32');
      assert.equal(status?.allocatable.memory, '256Gi');
      assert.equal(status?.allocatable.pods, '110');
      const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c.status]));
      assert.deepEqual(conditions, {
        MemoryPressure: 'False',
        DiskPressure: 'False',
        PIDPressure: 'False',
        Ready: 'True',
      });
      assert.match(status?.nodeInfo?.containerRuntimeVersion ?? '', /^simulated:\/\//);
      assert.equal(status?.daemonEndpoints?.kubeletEndpoint?.port, 0);
      ips.add(status?.addresses.find((a) => a.type === 'InternalIP')?.address ?? '');
      cidrs.add(node.spec?.podCidr ?? '');
    }
    assert.equal(ips.size, NODES, 'every node has its own InternalIP');
    assert.equal(cidrs.size, NODES, 'every node has its own pod CIDR');

    const renewTimes = async () =>
      new Map(
        (await leases().list('kube-node-lease')).items.map((l) => [
          l.metadata?.name ?? '',
          l.spec?.renewTime?.getTime() ?? 0,
        ]),
      );
    const first = await until(async () => {
      const m = await renewTimes();
      return m.size === NODES ? m : undefined;
    }, 'a Lease for every node');
    const lease = await leases().get('kube-node-lease', 'sim-node-3');
    assert.equal(lease.spec?.holderIdentity, 'sim-node-3');
    assert.equal(lease.metadata?.ownerReferences[0]?.kind, 'Node');
    await until(async () => {
      const now = await renewTimes();
      return [...first].every(([name, t]) => (now.get(name) ?? 0) > t);
    }, 'every Lease to be renewed');
  });

  test('200 pods bound by the scheduler run Ready with unique addresses', async () => {
    await Promise.all(Array.from({ length: 200 }, (_, i) => pods().create(podOf(`web-${i}`))));
    const running = await until(
      async () => {
        const list = (await listPods()).filter((p) => p.metadata?.name?.startsWith('web-'));
        return list.length === 200 && list.every(ready) ? list : undefined;
      },
      '200 pods Running and Ready',
      60_000,
    );
    const nodeIPs = new Map(
      (await nodes().list('')).items.map((n) => [
        n.metadata?.name ?? '',
        n.status?.addresses.find((a) => a.type === 'InternalIP')?.address,
      ]),
    );
    const podIPs = new Set(running.map((p) => p.status?.podIp));
    assert.equal(podIPs.size, 200, 'no two pods share an address');
    const pod = running[0] as Pod;
    const status = pod.status;
    assert.equal(status?.hostIp, nodeIPs.get(pod.spec?.nodeName ?? ''));
    assert.ok(status?.startTime);
    const conditions = Object.fromEntries((status?.conditions ?? []).map((c) => [c.type, c.status]));
    assert.deepEqual(conditions, {
      PodReadyToStartContainers: 'True',
      Initialized: 'True',
      Ready: 'True',
      ContainersReady: 'True',
      PodScheduled: 'True',
    });
    assert.equal(status?.containerStatuses.length, 2);
    for (const c of status?.containerStatuses ?? []) {
      assert.ok(c.state?.running?.startedAt, `${c.name} is running`);
      assert.equal(c.ready, true);
      assert.equal(c.started, true);
      assert.match(c.containerId, /^simulated:\/\/[0-9a-f]{64}$/);
    }
    assert.equal(status?.initContainerStatuses[0]?.state?.terminated?.reason, 'Completed');
    // Spread over the nodes by the scheduler.
    assert.ok(new Set(running.map((p) => p.spec?.nodeName)).size >= NODES / 2);
  });

  test('annotated pods complete, fail, or restart their containers', async () => {
    await pods().create(
      podOf('job-ok', { restartPolicy: 'Never', annotations: { [COMPLETE_AFTER_ANNOTATION]: '500ms' } }),
    );
    await pods().create(
      podOf('job-bad', { restartPolicy: 'Never', annotations: { [FAIL_AFTER_ANNOTATION]: '300ms' } }),
    );
    await pods().create(
      podOf('flaky', { restartPolicy: 'OnFailure', annotations: { [FAIL_AFTER_ANNOTATION]: '400ms' } }),
    );
    // With restartPolicy Always the kubelet would restart the containers: the pod stays Running.
    await pods().create(podOf('always', { annotations: { [COMPLETE_AFTER_ANNOTATION]: '100ms' } }));

    const ok = await until(async () => {
      const p = await pods().get('default', 'job-ok');
      return p.status?.phase === 'Succeeded' ? p : undefined;
    }, 'job-ok to succeed');
    for (const c of ok.status?.containerStatuses ?? []) {
      assert.equal(c.state?.terminated?.exitCode, 0);
      assert.equal(c.state?.terminated?.reason, 'Completed');
      assert.equal(c.ready, false);
    }
    const started = ok.status?.startTime?.getTime() ?? 0;
    const finished = ok.status?.containerStatuses[0]?.state?.terminated?.finishedAt?.getTime() ?? 0;
    assert.ok(finished - started >= 500, `completed ${finished - started} ms after it started`);
    assert.equal(ok.status?.conditions.find((c) => c.type === 'Ready')?.reason, 'PodCompleted');

    const bad = await until(async () => {
      const p = await pods().get('default', 'job-bad');
      return p.status?.phase === 'Failed' ? p : undefined;
    }, 'job-bad to fail');
    assert.equal(bad.status?.containerStatuses[0]?.state?.terminated?.exitCode, 1);
    assert.equal(bad.status?.containerStatuses[0]?.state?.terminated?.reason, 'Error');

    const flaky = await until(async () => {
      const p = await pods().get('default', 'flaky');
      return (p.status?.containerStatuses[0]?.restartCount ?? 0) >= 2 ? p : undefined;
    }, 'flaky to restart twice');
    assert.equal(flaky.status?.phase, 'Running');
    assert.equal(flaky.status?.containerStatuses[0]?.lastState?.terminated?.exitCode, 1);

    await new Promise((r) => setTimeout(r, 500));
    const always = await pods().get('default', 'always');
    assert.ok(ready(always), 'a restartPolicy Always pod keeps running');
    for (const name of ['job-ok', 'job-bad', 'flaky', 'always']) await pods().delete('default', name);
  });

  test('deletions are confirmed at once; finalizers hold the pod until they are removed', async () => {
    const victims = (await listPods()).filter((p) => p.metadata?.name?.startsWith('web-')).slice(0, 50);
    const started = Date.now();
    // The default grace period (30 s): the apiserver waits for the kubelet's confirmation.
    await Promise.all(victims.map((p) => pods().delete('default', p.metadata?.name ?? '')));
    await until(async () => {
      const names = new Set((await listPods()).map((p) => p.metadata?.name));
      return victims.every((v) => !names.has(v.metadata?.name)) || undefined;
    }, '50 deleted pods to be gone');
    assert.ok(Date.now() - started < 15_000, `deletions confirmed in ${Date.now() - started} ms`);

    await pods().create(podOf('held', { finalizers: ['example.com/hold'] }));
    await until(async () => ready(await pods().get('default', 'held')) || undefined, 'held to run');
    await pods().delete('default', 'held');
    const confirmed = await until(async () => {
      const p = await pods().get('default', 'held');
      return p.metadata?.deletionGracePeriodSeconds === '0' ? p : undefined;
    }, 'the deletion of held to be confirmed');
    assert.equal(confirmed.status?.phase, 'Succeeded', 'its last status shows its containers stopped');
    const { metadata } = confirmed;
    assert.ok(metadata);
    await pods().update({ ...confirmed, metadata: { ...metadata, finalizers: [] } });
    await until(
      async () =>
        (await pods()
          .get('default', 'held')
          .catch(() => undefined)) === undefined || undefined,
      'held to be gone',
    );
  });

  test('logs of a simulated pod fail at once with a message', async () => {
    const pod = (await listPods()).find(ready);
    assert.ok(pod);
    const client = cluster.client<PodServiceClient>('pods');
    const started = Date.now();
    const err = await new Promise<Error>((resolve) => {
      const stream = client.getPodLogs(
        GetPodLogsRequest.fromPartial({
          namespace: 'default',
          name: pod.metadata?.name ?? '',
          container: 'web',
        }),
      );
      stream.on('data', () => undefined);
      stream.on('error', (e) => resolve(fromServiceError(e as never)));
      stream.on('end', () => resolve(new Error('the stream ended without an error')));
    });
    assert.ok(Date.now() - started < 5_000);
    assert.match(err.message, /simulated/);
  });

  test('a restarted simulator takes its nodes and pods back without rewriting them', async () => {
    const before = await listPods();
    const nodesBefore = (await nodes().list('')).items;
    await simulator?.stop('SIGKILL');
    simulator = await simulate();
    // Long enough for every pod to be reconciled and every lease renewed.
    await new Promise((r) => setTimeout(r, 3_000));
    const nodesAfter = (await nodes().list('')).items;
    assert.equal(nodesAfter.length, NODES);
    for (const n of nodesAfter) {
      const old = nodesBefore.find((o) => o.metadata?.name === n.metadata?.name);
      assert.equal(n.metadata?.uid, old?.metadata?.uid, 'the same Node, not a new one');
      const t = (node: Node | undefined) =>
        node?.status?.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime?.getTime();
      assert.equal(t(n), t(old), 'Ready did not flap');
    }
    const afterList = await listPods();
    assert.equal(afterList.length, before.length);
    for (const p of afterList) {
      const old = before.find((o) => o.metadata?.uid === p.metadata?.uid);
      assert.equal(
        p.metadata?.resourceVersion,
        old?.metadata?.resourceVersion,
        `${p.metadata?.name} was not rewritten`,
      );
    }
    // A new pod gets an address no running pod holds.
    await pods().create(podOf('after-restart', { node: before[0]?.spec?.nodeName ?? '' }));
    const fresh = await until(async () => {
      const p = await pods().get('default', 'after-restart');
      return ready(p) ? p : undefined;
    }, 'a new pod to run after the restart');
    assert.ok(!afterList.some((p) => p.status?.podIp === fresh.status?.podIp));
  });
});
