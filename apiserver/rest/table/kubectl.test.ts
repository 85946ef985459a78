/**
 * Real kubectl (two minor versions) against a real apiserver's REST API: `get` prints
 * the columns and cells of the server-side tables — kubectl computes none of them.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@grpc/grpc-js';
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { apiVersionOf, fieldOf, resolveResource } from '../../../sdk/kinds.js';
import { decodeObject } from '../../../sdk/manifest/index.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { deployment, pod } from '../../../test/objects.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const versions = ['1.32', '1.29'].map((v) => ({ version: v, path: join(KUBECTL_DIR, `kubectl.${v}`) }));
const missing = versions.filter((v) => !existsSync(v.path)).map((v) => v.path);

/** An age as kubectl prints it. */
const AGE = String.raw`\d+(?:s|m\d*s?)`;
/** A line of cells separated by kubectl's column gaps (at least three spaces, or fewer after a wide cell). */
const row = (...cells: string[]) => new RegExp(`^${cells.join(' {2,}')}$`, 'm');

describe('kubectl get prints the server-side tables', {
  skip: skipUnlessInstalled(missing),
}, () => {
  let cluster: Cluster;
  let kubeconfig = '';

  before(async () => {
    cluster = await startCluster({ rest: true });
    kubeconfig = cluster.kubeconfig;
    await seed(cluster);
  });
  after(() => cluster?.stop());

  for (const { version, path } of versions) {
    const kubectl = async (...args: string[]) => {
      const { stdout } = await run(path, ['--kubeconfig', kubeconfig, ...args], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, `kubectl-cache-${version}`) },
        timeout: 30_000,
      });
      return stdout;
    };

    it(`kubectl ${version} get pods: READY STATUS RESTARTS as kubectl computes them`, async () => {
      const out = await kubectl('get', 'pods');
      const lines = out.trimEnd().split('\n');
      assert.match(lines[0] ?? '', /^NAME +READY +STATUS +RESTARTS +AGE$/);
      assert.equal(lines.length, 4, out);
      assert.match(out, row('crashing', '1/2', 'CrashLoopBackOff', String.raw`5 \(${AGE} ago\)`, AGE));
      assert.match(out, row('pending', '0/1', 'Pending', '0', AGE));
      assert.match(out, row('starting', '0/1', 'Init:0/1', '0', AGE));
    });

    it(`kubectl ${version} get pods -o wide: IP NODE NOMINATED NODE READINESS GATES`, async () => {
      const out = await kubectl('get', 'pods', '-o', 'wide');
      assert.match(out, /^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$/m);
      assert.match(
        out,
        row(
          'crashing',
          '1/2',
          'CrashLoopBackOff',
          String.raw`5 \(${AGE} ago\)`,
          AGE,
          String.raw`10\.0\.0\.7`,
          'node-1',
          '<none>',
          '1/1',
        ),
      );
      assert.match(out, row('pending', '0/1', 'Pending', '0', AGE, '<none>', '<none>', 'node-1', '<none>'));
    });

    it(`kubectl ${version} get deploy,rs,nodes,events: each kind's table under its own header`, async () => {
      const out = await kubectl('get', 'deploy,rs,nodes,events');
      const blocks = out.trimEnd().split('\n\n');
      assert.equal(blocks.length, 4, out);
      const [deploys = '', sets = '', nodes = '', events = ''] = blocks;
      assert.match(deploys, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$/m);
      assert.match(deploys, row('deployment.apps/web', '2/3', '3', '2', AGE));
      assert.match(sets, /^NAME +DESIRED +CURRENT +READY +AGE$/m);
      assert.match(sets, row('replicaset.apps/web-5d4f', '3', '3', '2', AGE));
      assert.match(nodes, /^NAME +STATUS +ROLES +AGE +VERSION$/m);
      assert.match(
        nodes,
        row('node/node-1', 'Ready,SchedulingDisabled', 'control-plane,worker', AGE, 'v1.32.0'),
      );
      assert.match(events, /^LAST SEEN +TYPE +REASON +OBJECT +MESSAGE$/m);
      assert.match(
        events,
        row(AGE, 'Warning', 'BackOff', 'pod/crashing', 'Back-off restarting failed container'),
      );
    });

    it(`kubectl ${version} get deploy -o wide and nodes -o wide: the priority-1 columns`, async () => {
      const deploys = await kubectl('get', 'deploy', '-o', 'wide');
      assert.match(deploys, /^NAME +READY +UP-TO-DATE +AVAILABLE +AGE +CONTAINERS +IMAGES +SELECTOR$/m);
      assert.match(deploys, row('web', '2/3', '3', '2', AGE, 'web', String.raw`nginx:1\.27`, 'app=web'));
      const nodes = await kubectl('get', 'nodes', '-o', 'wide');
      assert.match(
        nodes,
        /^NAME +STATUS +ROLES +AGE +VERSION +INTERNAL-IP +EXTERNAL-IP +OS-IMAGE +KERNEL-VERSION +CONTAINER-RUNTIME$/m,
      );
      assert.match(
        nodes,
        row(
          'node-1',
          'Ready,SchedulingDisabled',
          'control-plane,worker',
          AGE,
          'v1.32.0',
          String.raw`10\.1\.0\.1`,
          '<none>',
          'Debian GNU/Linux 12',
          '<unknown>',
          '<unknown>',
        ),
      );
    });
  }

  it('kubectl 1.32 get of the other kinds: their columns and cells', async () => {
    await seedOtherKinds(cluster);
    const kubectl = async (...args: string[]) =>
      (await run(versions[0]?.path ?? '', ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 })).stdout;
    const namespaced = await kubectl(
      'get',
      'cm,secrets,sa,quota,limits,ds,sts,jobs,cj,pdb,roles,rolebindings,leases',
      '-n',
      'default',
    );
    const expected: [RegExp, RegExp][] = [
      [/^NAME +DATA +AGE$/m, row('configmap/cfg', '2', AGE)],
      [/^NAME +TYPE +DATA +AGE$/m, row('secret/creds', 'Opaque', '1', AGE)],
      [/^NAME +SECRETS +AGE$/m, row('serviceaccount/robot', '0', AGE)],
      [
        /^NAME +AGE +REQUEST +LIMIT$/m,
        row('resourcequota/small', AGE, String.raw`pods: \d+/10`, String.raw`limits\.cpu: \d+m?/2`),
      ],
      [/^NAME +CREATED AT$/m, row('limitrange/defaults', String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)],
      [
        /^NAME +DESIRED +CURRENT +READY +UP-TO-DATE +AVAILABLE +NODE SELECTOR +AGE$/m,
        row('daemonset.apps/agent', '0', '0', '0', '0', '0', 'kubernetes.io/os=linux', AGE),
      ],
      [/^NAME +READY +AGE$/m, row('statefulset.apps/db', '0/2', AGE)],
      [/^NAME +STATUS +COMPLETIONS +DURATION +AGE$/m, row('job.batch/pi', 'Running', '0/3', AGE)],
      [
        /^NAME +SCHEDULE +TIMEZONE +SUSPEND +ACTIVE +LAST SCHEDULE +AGE$/m,
        row('cronjob.batch/nightly', String.raw`0 3 \* \* \*`, '<none>', 'False', '0', '<none>', AGE),
      ],
      [
        /^NAME +MIN AVAILABLE +MAX UNAVAILABLE +ALLOWED DISRUPTIONS +AGE$/m,
        row('poddisruptionbudget.policy/web', '1', 'N/A', '0', AGE),
      ],
      [/^NAME +ROLE +AGE$/m, row('rolebinding.rbac.authorization.k8s.io/read', 'Role/reader', AGE)],
      [/^NAME +HOLDER +AGE$/m, row('lease.coordination.k8s.io/leader', 'me', AGE)],
    ];
    for (const [header, line] of expected) {
      assert.match(namespaced, header);
      assert.match(namespaced, line);
    }
    const clusterScoped = await kubectl('get', 'ns/default', 'pc/system-node-critical');
    assert.match(clusterScoped, /^NAME +STATUS +AGE$/m);
    assert.match(clusterScoped, row('namespace/default', 'Active', AGE));
    assert.match(clusterScoped, /^NAME +VALUE +GLOBAL-DEFAULT +AGE +PREEMPTIONPOLICY$/m);
    assert.match(
      clusterScoped,
      row(
        'priorityclass.scheduling.k8s.io/system-node-critical',
        '2000001000',
        'false',
        AGE,
        'PreemptLowerPriority',
      ),
    );
  });

  for (const { version, path } of versions) {
    it(`kubectl ${version} get pods -w: a row per change, under the header of the first table`, async () => {
      const pods = cluster.client<Client>('pods');
      const name = `watched-${version.replace('.', '-')}`;
      const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: pod(name) });
      const child = spawn(path, ['--kubeconfig', kubeconfig, 'get', 'pods', name, '-w'], {
        env: { ...process.env, KUBECACHEDIR: join(cluster.dir, `kubectl-cache-${version}`) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
      });
      child.stderr.on('data', (d: Buffer) => {
        out += d.toString();
      });
      try {
        await until(
          () => row(name, '0/1', 'Pending', '0', AGE).test(out),
          () => `the first row of ${out}`,
        );
        await call(pods, 'updatePodStatus', {
          pod: {
            ...created,
            status: {
              phase: 'Running',
              containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }],
            },
          },
        });
        await until(
          () => row(name, '1/1', 'Running', '0', AGE).test(out),
          () => `the changed row of ${out}`,
        );
        const lines = out.trimEnd().split('\n');
        assert.match(lines[0] ?? '', /^NAME +READY +STATUS +RESTARTS +AGE$/);
        assert.equal(lines.filter((l) => l.startsWith('NAME')).length, 1, out);
      } finally {
        child.kill();
      }
    });
  }
});

/** Waits for `done`, polling; fails with what `what` describes after 20 s. */
async function until(done: () => boolean, what: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One object of each of the other kinds that have columns of their own, in `default`. */
async function seedOtherKinds(cluster: Cluster): Promise<void> {
  const template = {
    metadata: { labels: { app: 'x' } },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  };
  const manifests: [string, Record<string, unknown>][] = [
    ['configmaps', { metadata: { name: 'cfg' }, data: { a: '1' }, binaryData: { b: 'AA==' } }],
    ['secrets', { metadata: { name: 'creds' }, data: { token: 'c2VjcmV0' } }],
    ['serviceaccounts', { metadata: { name: 'robot' } }],
    ['resourcequotas', { metadata: { name: 'small' }, spec: { hard: { pods: '10', 'limits.cpu': '2' } } }],
    [
      'limitranges',
      { metadata: { name: 'defaults' }, spec: { limits: [{ type: 'Container', default: { cpu: '100m' } }] } },
    ],
    [
      'daemonsets',
      {
        metadata: { name: 'agent' },
        spec: {
          selector: { matchLabels: { app: 'x' } },
          template: {
            ...template,
            spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } },
          },
        },
      },
    ],
    [
      'statefulsets',
      {
        metadata: { name: 'db' },
        spec: { replicas: 2, serviceName: 'db', selector: { matchLabels: { app: 'x' } }, template },
      },
    ],
    [
      'jobs',
      {
        metadata: { name: 'pi' },
        spec: {
          completions: 3,
          template: { ...template, spec: { ...template.spec, restartPolicy: 'Never' } },
        },
      },
    ],
    [
      'cronjobs',
      {
        metadata: { name: 'nightly' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: {
            spec: { template: { ...template, spec: { ...template.spec, restartPolicy: 'OnFailure' } } },
          },
        },
      },
    ],
    [
      'poddisruptionbudgets',
      { metadata: { name: 'web' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'web' } } } },
    ],
    [
      'roles',
      { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
    ],
    [
      'rolebindings',
      {
        metadata: { name: 'read' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
        subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
      },
    ],
    ['leases', { metadata: { name: 'leader' }, spec: { holderIdentity: 'me' } }],
  ];
  for (const [resource, manifest] of manifests) {
    const info = resolveResource(resource);
    assert.ok(info, resource);
    const metadata = { ...(manifest.metadata as object), namespace: 'default' };
    const object = decodeObject(info, {
      apiVersion: apiVersionOf(info),
      kind: info.kind,
      ...manifest,
      metadata,
    });
    await call(cluster.client<Client>(resource), `create${info.kind}`, { [fieldOf(info)]: object });
  }
}

/** Pods in three states, a deployment and its replica set, a cordoned node and an event. */
async function seed(cluster: Cluster): Promise<void> {
  const now = Date.now();
  const ago = (ms: number) => new Date(now - ms);
  const pods = cluster.client<Client>('pods');
  const create = async (p: Pod, status?: Record<string, unknown>, spec?: Record<string, unknown>) => {
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', {
      pod: { ...p, spec: { ...p.spec, ...spec } },
    });
    if (status)
      await call(pods, 'updatePodStatus', { pod: { ...created, status: { ...created.status, ...status } } });
  };

  const crashing = pod('crashing');
  const twoContainers = {
    containers: [...(crashing.spec?.containers ?? []), { ...crashing.spec?.containers[0], name: 'sidecar' }],
    nodeName: 'node-1',
    readinessGates: [{ conditionType: 'example.com/lb' }],
  };
  await create(
    crashing,
    {
      phase: 'Running',
      podIp: '10.0.0.7',
      podIps: [{ ip: '10.0.0.7' }],
      conditions: [{ type: 'example.com/lb', status: 'True' }],
      containerStatuses: [
        { name: 'web', ready: true, restartCount: 0, state: { running: { startedAt: ago(60_000) } } },
        {
          name: 'sidecar',
          ready: false,
          restartCount: 5,
          state: { waiting: { reason: 'CrashLoopBackOff' } },
          lastState: { terminated: { exitCode: 1, finishedAt: ago(30_000) } },
        },
      ],
    },
    twoContainers,
  );
  await create(pod('pending'), { phase: 'Pending', nominatedNodeName: 'node-1' });
  const starting = pod('starting');
  await create(
    starting,
    {
      phase: 'Pending',
      initContainerStatuses: [{ name: 'init', state: { waiting: { reason: 'PodInitializing' } } }],
    },
    { initContainers: [{ name: 'init', image: 'busybox' }], nodeName: 'node-1' },
  );

  const deployments = cluster.client<Client>('deployments');
  const { deployment: d } = await call<{ deployment: Deployment }>(deployments, 'createDeployment', {
    deployment: deployment('web', 3),
  });
  await call(deployments, 'updateDeploymentStatus', {
    deployment: { ...d, status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } },
  });

  const replicaSets = cluster.client<Client>('replicasets');
  const { replicaSet: rs } = await call<{ replicaSet: ReplicaSet }>(replicaSets, 'createReplicaSet', {
    replicaSet: {
      metadata: { name: 'web-5d4f', namespace: 'default', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
        },
      },
    },
  });
  await call(replicaSets, 'updateReplicaSetStatus', {
    replicaSet: { ...rs, status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 } },
  });

  const nodes = cluster.client<Client>('nodes');
  const { node } = await call<{ node: Node }>(nodes, 'createNode', {
    node: {
      metadata: {
        name: 'node-1',
        labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'worker' },
      },
      spec: { unschedulable: true },
    },
  });
  await call(nodes, 'updateNodeStatus', {
    node: {
      ...node,
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
        addresses: [{ type: 'InternalIP', address: '10.1.0.1' }],
        nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12' },
      },
    },
  });

  await call(cluster.client<Client>('events'), 'createEvent', {
    event: {
      metadata: { name: 'crashing.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'crashing', namespace: 'default' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      count: 4,
      firstTimestamp: ago(120_000),
      lastTimestamp: ago(10_000),
      source: { component: 'kubelet', host: 'node-1' },
    },
  });
}
