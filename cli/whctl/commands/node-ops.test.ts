/**
 * scale, label, annotate, cordon, uncordon and drain against the real store and
 * apiserver processes: what they print, what they refuse, and what the server
 * holds afterwards.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import type { Scale } from '../../../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { deployment, pod } from '../../../test/objects.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const run = async (args: string[]): Promise<TestIo & { code: number }> => {
  const config = join(cluster.dir, 'whctl.yaml');
  writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};

const getPod = async (name: string) =>
  (await call<{ pod: Pod }>(cluster.client('pods'), 'getPod', { namespace: 'default', name })).pod;

describe('whctl scale', () => {
  it('sets replicas through the scale subresource, honouring --current-replicas', async () => {
    const deploys = cluster.client('deployments');
    await call(deploys, 'createDeployment', { deployment: deployment('web', 2) });
    const scaled = await run(['scale', '--replicas', '5', 'deployment', 'web']);
    assert.equal(scaled.err(), '');
    assert.equal(scaled.out(), 'deployment.apps/web scaled\n');
    const scaleOf = async () =>
      (await call<{ scale: Scale }>(deploys, 'getDeploymentScale', { namespace: 'default', name: 'web' }))
        .scale.spec?.replicas;
    assert.equal(await scaleOf(), 5);

    const refused = await run(['scale', '--current-replicas=2', '--replicas=1', 'deploy/web']);
    assert.equal(refused.code, 1);
    assert.equal(refused.err(), 'error: Expected replicas to be 2, was 5\n');
    assert.equal(await scaleOf(), 5);
    const ok = await run(['scale', '--current-replicas=5', '--replicas=0', 'deploy/web']);
    assert.equal(ok.out(), 'deployment.apps/web scaled\n');
    assert.equal(await scaleOf(), 0);

    const missing = await run(['scale', '--replicas=1', 'deploy/none']);
    assert.equal(missing.code, 1);
    assert.match(missing.err(), /^Error from server \(NotFound\)/);
    const usage = await run(['scale', 'deploy/web']);
    assert.equal(usage.code, 1);
    assert.match(usage.err(), /required flag\(s\) "replicas" not set/);
  });
});

describe('whctl label and annotate', () => {
  it('adds, refuses to overwrite, overwrites and removes, as kubectl does', async () => {
    await call(cluster.client('pods'), 'createPod', { pod: pod('lab', { labels: { app: 'web' } }) });
    assert.equal((await run(['label', 'pod', 'lab', 'tier=front'])).out(), 'pod/lab labeled\n');
    const clash = await run(['label', 'pods/lab', 'app=db']);
    assert.equal(clash.code, 1);
    assert.equal(clash.err(), "error: 'app' already has a value (web), and --overwrite is false\n");
    assert.equal((await run(['label', 'pod', 'lab', 'app=web'])).out(), 'pod/lab not labeled\n');
    assert.equal((await run(['label', 'pod', 'lab', 'app=db', '--overwrite'])).out(), 'pod/lab labeled\n');
    assert.equal((await run(['label', 'pod', 'lab', 'tier-'])).out(), 'pod/lab labeled\n');
    assert.deepEqual((await getPod('lab')).metadata?.labels, { app: 'db' });
    const absent = await run(['label', 'pod', 'lab', 'tier-']);
    assert.equal(absent.out(), 'label "tier" not found.\npod/lab not labeled\n');

    const invalid = await run(['label', 'pod', 'lab', 'bad key=x']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.err(), /^Error from server \(Invalid\)/);
    assert.match(invalid.err(), /metadata\.labels/);

    assert.equal((await run(['annotate', 'pod', 'lab', 'note=hello'])).out(), 'pod/lab annotated\n');
    const aclash = await run(['annotate', 'pod', 'lab', 'note=bye']);
    assert.equal(aclash.err(), "error: 'note' already has a value (hello), and --overwrite is false\n");
    assert.equal((await run(['annotate', 'pod/lab', 'note=bye', '--overwrite'])).code, 0);
    assert.equal((await getPod('lab')).metadata?.annotations?.note, 'bye');
    assert.equal((await run(['annotate', 'pod/lab', 'note-'])).out(), 'pod/lab annotated\n');
    assert.equal((await getPod('lab')).metadata?.annotations?.note, undefined);
  });

  it('labels every object a selector picks, and --all', async () => {
    const pods = cluster.client('pods');
    await call(pods, 'createPod', { pod: pod('sel-a', { labels: { group: 'x' } }) });
    await call(pods, 'createPod', { pod: pod('sel-b', { labels: { group: 'x' } }) });
    const res = await run(['label', 'pods', '-l', 'group=x', 'picked=yes']);
    assert.equal(res.out(), 'pod/sel-a labeled\npod/sel-b labeled\n');
    const all = await run(['annotate', 'pods', '--all', 'seen=1']);
    assert.match(all.out(), /pod\/lab annotated\n/);
    assert.match(all.out(), /pod\/sel-b annotated\n/);
    assert.equal((await getPod('sel-a')).metadata?.annotations?.seen, '1');
  });

  it('keeps concurrent writers\u2019 changes: each is re-applied on a conflict', async () => {
    await call(cluster.client('pods'), 'createPod', { pod: pod('race', { labels: {} }) });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => run(['label', 'pod', 'race', `k${i}=v${i}`])),
    );
    for (const r of results) assert.equal(r.out(), 'pod/race labeled\n', r.err());
    const labels = (await getPod('race')).metadata?.labels ?? {};
    assert.deepEqual(Object.keys(labels).sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5']);
  });
});

const nodeObject = (name: string) => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
});

const podOn = (
  name: string,
  node: string,
  opts: { owner?: string; labels?: Record<string, string>; emptyDir?: boolean; mirror?: boolean } = {},
) => {
  const p = pod(name, { labels: opts.labels ?? { app: name } });
  return Pod.fromPartial({
    ...p,
    metadata: {
      ...p.metadata,
      ownerReferences: opts.owner
        ? [
            {
              apiVersion: 'apps/v1',
              kind: opts.owner,
              name: `${name}-owner`,
              uid: `uid-${name}`,
              controller: true,
            },
          ]
        : [],
      annotations: opts.mirror ? { 'kubernetes.io/config.mirror': 'hash' } : {},
    },
    spec: {
      ...p.spec,
      nodeName: node,
      volumes: opts.emptyDir ? [{ name: 'scratch', emptyDir: {} }] : [],
    },
  });
};

describe('whctl cordon, uncordon and drain', () => {
  const nodes = () => cluster.client('nodes');
  const unschedulable = async (name: string) =>
    (await call<{ node: Node }>(nodes(), 'getNode', { name })).node.spec?.unschedulable;

  it('cordons and uncordons, saying when nothing changed', async () => {
    await call(nodes(), 'createNode', { node: nodeObject('n1') });
    assert.equal((await run(['cordon', 'n1'])).out(), 'node/n1 cordoned\n');
    assert.equal(await unschedulable('n1'), true);
    assert.equal((await run(['cordon', 'node/n1'])).out(), 'node/n1 already cordoned\n');
    assert.equal((await run(['uncordon', 'n1'])).out(), 'node/n1 uncordoned\n');
    assert.equal((await run(['uncordon', 'n1'])).out(), 'node/n1 already uncordoned\n');
    assert.equal(await unschedulable('n1'), false);
    const missing = await run(['cordon', 'nowhere']);
    assert.equal(missing.code, 1);
    assert.match(missing.err(), /^Error from server \(NotFound\)/);
  });

  it('refuses DaemonSet, emptyDir and unmanaged pods unless told, and skips mirror pods', async () => {
    const pods = cluster.client('pods');
    await call(nodes(), 'createNode', { node: nodeObject('n2') });
    await call(pods, 'createPod', { pod: podOn('ds-pod', 'n2', { owner: 'DaemonSet' }) });
    await call(pods, 'createPod', { pod: podOn('scratch', 'n2', { owner: 'ReplicaSet', emptyDir: true }) });
    await call(pods, 'createPod', { pod: podOn('bare', 'n2') });
    await call(pods, 'createPod', { pod: podOn('mirror', 'n2', { mirror: true }) });

    const refused = await run(['drain', 'n2', '--grace-period=0']);
    assert.equal(refused.code, 1);
    assert.equal(refused.out(), 'node/n2 cordoned\n');
    assert.equal(
      refused.err(),
      'error: unable to drain node "n2" due to error: ' +
        'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-pod, ' +
        'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/scratch, ' +
        'cannot delete Pods that declare no controller (use --force to override): default/bare\n',
    );
    assert.equal(await unschedulable('n2'), true);
    assert.ok(await getPod('bare'), 'nothing is evicted when any pod is refused');

    const drained = await run([
      'drain',
      'n2',
      '--grace-period=0',
      '--ignore-daemonsets',
      '--delete-emptydir-data',
      '--force',
      '--timeout=20s',
    ]);
    assert.equal(drained.code, 0, drained.err());
    const out = drained.out().split('\n');
    assert.equal(out[0], 'node/n2 already cordoned');
    assert.equal(out.at(-2), 'node/n2 drained');
    for (const name of ['scratch', 'bare']) {
      assert.ok(out.includes(`evicting pod default/${name}`), drained.out());
      assert.ok(out.includes(`pod/${name} evicted`), drained.out());
    }
    assert.ok(!drained.out().includes('mirror') && !drained.out().includes('ds-pod'), drained.out());
    assert.match(drained.err(), /^Warning: ignoring DaemonSet-managed Pods: default\/ds-pod\n/m);
    assert.match(drained.err(), /^Warning: deleting Pods with local storage: default\/scratch\n/m);
    assert.match(drained.err(), /^Warning: deleting Pods that declare no controller: default\/bare\n/m);
    const left = await call<{ items: Pod[] }>(pods, 'listPods', {
      namespace: 'default',
      options: { fieldSelector: 'spec.nodeName=n2' },
    });
    assert.deepEqual(left.items.map((p) => p.metadata?.name).sort(), ['ds-pod', 'mirror']);
  });

  it('waits while a disruption budget refuses, then completes once it allows', async () => {
    const pods = cluster.client('pods');
    const pdbs = cluster.client('poddisruptionbudgets');
    await call(nodes(), 'createNode', { node: nodeObject('n3') });
    for (const name of ['guarded-1', 'guarded-2']) {
      const p = podOn(name, 'n3', { owner: 'ReplicaSet', labels: { app: 'guarded' } });
      const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: p });
      created.status = Pod.fromPartial({
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      }).status;
      await call(pods, 'updatePodStatus', { pod: created });
    }
    const { podDisruptionBudget: pdb } = await call<{ podDisruptionBudget: PodDisruptionBudget }>(
      pdbs,
      'createPodDisruptionBudget',
      {
        podDisruptionBudget: {
          apiVersion: 'policy/v1',
          kind: 'PodDisruptionBudget',
          metadata: { name: 'guard', namespace: 'default' },
          spec: { minAvailable: { intVal: 2 }, selector: { matchLabels: { app: 'guarded' } } },
        },
      },
    );
    const setAllowed = async (allowed: number) => {
      const { podDisruptionBudget: current } = await call<{ podDisruptionBudget: PodDisruptionBudget }>(
        pdbs,
        'getPodDisruptionBudget',
        { namespace: 'default', name: 'guard' },
      );
      current.status = {
        observedGeneration: current.metadata?.generation ?? '1',
        disruptionsAllowed: allowed,
        currentHealthy: 2,
        desiredHealthy: 2 - allowed,
        expectedPods: 2,
        disruptedPods: {},
        conditions: [],
      };
      await call(pdbs, 'updatePodDisruptionBudgetStatus', { podDisruptionBudget: current });
    };
    assert.ok(pdb);
    await setAllowed(0);

    const config = join(cluster.dir, 'whctl.yaml');
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const draining = runWhctl(['drain', 'n3', '--grace-period=0', '--timeout=40s'], io);
    const refusal =
      'error when evicting pods/"guarded-1" -n "default" (will retry after 5s): ' +
      "Cannot evict pod as it would violate the pod's disruption budget.\n";
    await until(() => io.err().includes(refusal), 15_000);
    assert.ok(await getPod('guarded-1'), 'the budget keeps the pod');
    await setAllowed(2);
    assert.equal(await draining, 0, io.err());
    const out = io.out().split('\n');
    assert.equal(out[0], 'node/n3 cordoned');
    assert.ok(out.includes('evicting pod default/guarded-1'), io.out());
    assert.ok(out.includes('pod/guarded-1 evicted'), io.out());
    assert.ok(out.includes('pod/guarded-2 evicted'), io.out());
    assert.equal(out.at(-2), 'node/n3 drained');
  });

  it('gives up at --timeout while a budget still refuses', async () => {
    const pods = cluster.client('pods');
    await call(nodes(), 'createNode', { node: nodeObject('n4') });
    const p = podOn('held', 'n4', { owner: 'ReplicaSet', labels: { app: 'guarded' } });
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: p });
    created.status = Pod.fromPartial({
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    }).status;
    await call(pods, 'updatePodStatus', { pod: created });
    // The budget of the test above now allows none: both its pods are gone and it was used up.
    const res = await run(['drain', 'n4', '--grace-period=0', '--timeout=1s']);
    assert.equal(res.code, 1);
    assert.match(res.err(), /will retry after 5s/);
    assert.match(res.err(), /error: unable to drain node "n4" due to error: .*default\/held/);
    assert.ok(await getPod('held'));
  });

  it('--disable-eviction deletes what a budget would keep', async () => {
    const res = await run(['drain', 'n4', '--grace-period=0', '--disable-eviction', '--timeout=20s']);
    assert.equal(res.code, 0, res.err());
    assert.equal(res.out(), 'node/n4 already cordoned\npod/held deleted\nnode/n4 drained\n');
    await assert.rejects(getPod('held'), /not found/i);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
