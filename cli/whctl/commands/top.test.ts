/**
 * `whctl top` end to end: a real store and apiserver, a real kubelet on the process
 * runtime sampling every second, and a simulator of two nodes. A busy-looping pod's CPU
 * shows in `top pods` (and outranks an idle one), the node's in `top nodes`; simulated
 * nodes and pods get made-up figures. The table formatting is checked on its own too.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type SimulatorProcess, startSimulator } from '../../../kubelet/simulated/simulator-process.js';
import { createClientset } from '../../../sdk/client/typed-client.js';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodMetrics } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { type ProcessKubelet, startProcessKubelet } from '../../../test/process-kubelet.js';
import { runWhctl } from '../main.js';
import { testIo } from '../test-io.js';
import { formatCpu, formatMemory, nodeRows, podRows } from './top.js';

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
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The rows of a table, split on its column gaps. */
function table(text: string): string[][] {
  return text
    .trimEnd()
    .split('\n')
    .map((line) => line.trim().split(/\s{2,}/));
}

const millicores = (cell: string | undefined) => Number(/^(\d+)m$/.exec(cell ?? '')?.[1] ?? Number.NaN);

describe('whctl top against a real kubelet', () => {
  let cluster: Cluster;
  let kubelet: ProcessKubelet | undefined;
  let simulator: SimulatorProcess | undefined;
  let clients: ReturnType<typeof createClientset>;
  let config = '';

  let tokens = '';
  let viewerConfig = '';

  const whctl = async (...args: string[]) => whctlAs(config, args);
  const whctlAs = async (as: string, args: string[]) => {
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: as } });
    const code = await runWhctl(args, io);
    return { code, out: io.out(), err: io.err() };
  };

  before(async () => {
    // The token file must exist before the apiserver starts.
    tokens = join(tmpdir(), `wheelhouse-top-tokens-${process.pid}.csv`);
    writeFileSync(tokens, 'viewer-token,viewer,u-viewer\n', { mode: 0o600 });
    cluster = await startCluster({ apiserverArgs: ['--token-auth-file', tokens] });
    viewerConfig = join(cluster.dir, 'viewer.yaml');
    writeClientConfig(viewerConfig, {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      token: 'viewer-token',
      serverName: 'localhost',
    });
    config = join(cluster.dir, 'whctl.yaml');
    writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
    clients = createClientset(cluster.admin, { component: 'top-test' });
    // Both kept for after() even when the other fails to start.
    const [k, s] = await Promise.allSettled([
      startProcessKubelet(cluster, { args: ['--housekeeping-interval', '1s'] }),
      startSimulator(cluster, { nodes: 2, prefix: 'sim' }),
    ]);
    if (k.status === 'fulfilled') kubelet = k.value;
    if (s.status === 'fulfilled') simulator = s.value;
    for (const r of [k, s]) if (r.status === 'rejected') throw r.reason;
    const pods = clients.kind<Pod>('Pod');
    const pod = (name: string, node: string, command: string[], cpu?: string) =>
      Pod.fromPartial({
        metadata: { name, namespace: 'default', labels: { app: name } },
        spec: {
          nodeName: node,
          terminationGracePeriodSeconds: '0',
          containers: [
            {
              name: 'main',
              image: 'sh',
              imagePullPolicy: 'IfNotPresent',
              command,
              ...(cpu ? { resources: { requests: { cpu, memory: '64Mi' } } } : {}),
            },
          ],
        },
      });
    await pods.create(pod('busy', 'node-1', ['sh', '-c', 'while :; do :; done']));
    await pods.create(pod('idle', 'node-1', ['sleep', '600']));
    await pods.create(pod('simulated', 'sim-0', ['ignored'], '50m'));
  });

  after(async () => {
    try {
      // Ends the busy loop and the idle pod with the kubelet, by pid.
      await kubelet?.stop();
    } finally {
      await simulator?.stop();
      clients?.close();
      await cluster?.stop();
      if (tokens) rmSync(tokens, { force: true });
    }
  });

  test('top pods: the busy-looping pod uses CPU, more than the idle one', async () => {
    const rows = await until(async () => {
      const { code, out, err } = await whctl('top', 'pods');
      const t = table(out);
      const busy = t.find((r) => r[0] === 'busy');
      const idle = t.find((r) => r[0] === 'idle');
      // A loop gets about a core on an idle machine, but only its share of the two cores
      // when the machine runs a whole suite (78m seen under a load of 28); a sleeping
      // process gets 0m.
      if (code === 0 && busy && idle && millicores(busy[1]) >= 20) return t;
      const phases = (await clients.kind<Pod>('Pod').list('default')).items.map(
        (p) => `${p.metadata?.name}=${p.status?.phase}`,
      );
      throw new Error(`exit ${code}: ${out}${err} (${phases.join(' ')})`);
    }, 'busy to show CPU in top pods');
    assert.deepEqual(rows[0], ['NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    const busy = rows.find((r) => r[0] === 'busy');
    const idle = rows.find((r) => r[0] === 'idle');
    assert.ok(millicores(idle?.[1]) < millicores(busy?.[1]), `idle ${idle?.[1]} < busy ${busy?.[1]}`);
    assert.match(busy?.[2] ?? '', /^\d+Mi$/);
    assert.ok(millicores(busy?.[1]) <= 1100, `a single loop uses about one core at most: ${busy?.[1]}`);
  });

  test('top pods: sorted, by name, per container, across namespaces, without headers', async () => {
    await until(
      async () => table((await whctl('top', 'pods')).out).some((r) => r[0] === 'simulated'),
      'sim pod',
    );
    const sorted = table((await whctl('top', 'pods', '--sort-by', 'cpu', '--no-headers')).out);
    assert.equal(sorted[0]?.[0], 'busy', 'the busiest first, and no header');

    const one = await whctl('top', 'pod', 'busy', '--containers');
    assert.equal(one.code, 0, one.err);
    const t = table(one.out);
    assert.deepEqual(t[0], ['POD', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.deepEqual(
      t.slice(1).map((r) => r.slice(0, 2)),
      [['busy', 'main']],
    );

    const all = table((await whctl('top', 'pods', '-A', '-l', 'app=simulated')).out);
    assert.deepEqual(all[0], ['NAMESPACE', 'NAME', 'CPU(cores)', 'MEMORY(bytes)']);
    assert.equal(all.length, 2);
    assert.deepEqual(all[1]?.slice(0, 2), ['default', 'simulated']);
    // A stable share (20–79%) of its 50m and 64Mi requests.
    const cpu = millicores(all[1]?.[2]);
    assert.ok(cpu >= 10 && cpu <= 40, `simulated CPU ${all[1]?.[2]}`);
    assert.match(all[1]?.[3] ?? '', /^(1[2-9]|[2-4]\d|50)Mi$/);

    const missing = await whctl('top', 'pod', 'nothing-here');
    assert.equal(missing.code, 1);
    assert.match(missing.err, /not found/);
    const empty = await whctl('top', 'pods', '-n', 'kube-public');
    assert.equal(empty.code, 0);
    assert.equal(empty.err, 'No resources found in kube-public namespace.\n');
  });

  test('top nodes: the real node has CPU and memory against allocatable; simulated ones made up', async () => {
    const rows = await until(async () => {
      const { code, out, err } = await whctl('top', 'nodes');
      const t = table(out);
      if (code === 0 && millicores(t.find((r) => r[0] === 'node-1')?.[1]) > 100) return t;
      throw new Error(`exit ${code}: ${out}${err}`);
    }, 'node-1 to show CPU in top nodes');
    assert.deepEqual(rows[0], ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)']);
    assert.deepEqual(
      rows
        .slice(1)
        .map((r) => r[0])
        .sort(),
      ['node-1', 'sim-0', 'sim-1'],
    );
    const real = rows.find((r) => r[0] === 'node-1') ?? [];
    assert.match(real[2] ?? '', /^\d+%$/);
    assert.match(real[3] ?? '', /^\d+Mi$/);
    assert.ok(Number.parseInt(real[3] ?? '0', 10) > 0);
    assert.match(real[4] ?? '', /^\d+%$/);
    const sim0 = rows.find((r) => r[0] === 'sim-0') ?? [];
    const sim1 = rows.find((r) => r[0] === 'sim-1') ?? [];
    assert.ok(millicores(sim0[1]) > millicores(sim1[1]), 'the node with a pod uses more');

    const one = table((await whctl('top', 'node', 'node-1', '--no-headers')).out);
    assert.equal(one.length, 1);
    assert.equal(one[0]?.[0], 'node-1');
    const sorted = table((await whctl('top', 'nodes', '--sort-by', 'memory', '-l', 'type=simulated')).out);
    assert.deepEqual(
      sorted.slice(1).map((r) => r[0]),
      ['sim-0', 'sim-1'],
    );
  });

  test("RBAC: view in a namespace reads its pods' metrics there, not elsewhere, and not nodes", async () => {
    await clients.kind<RoleBinding>('RoleBinding').create(
      RoleBinding.fromPartial({
        metadata: { name: 'viewer-view', namespace: 'default' },
        subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
        roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: 'rbac.authorization.k8s.io' },
      }),
    );
    const own = await until(async () => {
      const r = await whctlAs(viewerConfig, ['top', 'pods']);
      return r.code === 0 ? r : undefined;
    }, 'the binding to take effect');
    assert.ok(
      table(own.out).some((r) => r[0] === 'busy'),
      own.out,
    );
    const other = await whctlAs(viewerConfig, ['top', 'pods', '-n', 'kube-system']);
    assert.equal(other.code, 1);
    assert.match(
      other.err,
      /User "viewer" cannot list resource "pods\/metrics" in the namespace "kube-system"/,
    );
    const nodes = await whctlAs(viewerConfig, ['top', 'nodes']);
    assert.equal(nodes.code, 1);
    assert.match(nodes.err, /cannot (list|get) resource "nodes/);
  });

  test('usage mistakes are refused with what to do', async () => {
    const none = await whctl('top');
    assert.equal(none.code, 1);
    assert.match(none.err, /whctl top nodes, or whctl top pods/);
    assert.match((await whctl('top', 'deployments')).err, /nodes or pods, not "deployments"/);
    assert.match((await whctl('top', 'pods', '--sort-by', 'name')).err, /cpu or memory/);
  });
});

test('rows: kubectl columns, millicores rounded up, whole Mi, unknown nodes last', () => {
  assert.equal(formatCpu(0n), '0m');
  assert.equal(formatCpu(1n), '1m');
  assert.equal(formatCpu(1_500_000_000n), '1500m');
  assert.equal(formatMemory(3n * 1024n * 1024n + 5n), '3Mi');
  const nodes = nodeRows(
    [
      { name: 'a', allocatableNanoCores: 2_000_000_000n, allocatableMemoryBytes: 1024n ** 3n },
      {
        name: 'b',
        usage: { nanoCores: 500_000_000n, memoryBytes: 256n * 1024n ** 2n },
        allocatableNanoCores: 2_000_000_000n,
        allocatableMemoryBytes: 1024n ** 3n,
      },
    ],
    { sortBy: 'cpu', noHeaders: false },
  );
  assert.deepEqual(nodes, [
    ['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'],
    ['b', '500m', '25%', '256Mi', '25%'],
    ['a', '<unknown>', '<unknown>', '<unknown>', '<unknown>'],
  ]);
  const metrics = (name: string, cpu: string, memory: string): PodMetrics => ({
    metadata: ObjectMeta.fromPartial({ name, namespace: 'ns' }),
    containers: [
      { name: 'x', usage: { cpu, memory } },
      { name: 'y', usage: { cpu: '1m', memory: '1Mi' } },
    ],
  });
  assert.deepEqual(
    podRows([metrics('small', '10m', '1Mi'), metrics('big', '250000000n', '10Mi')], {
      sortBy: 'memory',
      noHeaders: true,
      containers: false,
      allNamespaces: true,
    }),
    [
      ['ns', 'big', '251m', '11Mi'],
      ['ns', 'small', '11m', '2Mi'],
    ],
  );
});
