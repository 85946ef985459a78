/**
 * RBAC and the node authorizer through real store and apiserver processes, with the
 * component certificates of the generated PKI and static tokens for plain users.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { runWhctl } from '../../../cli/whctl/main.js';
import { testIo } from '../../../cli/whctl/test-io.js';
import { type ClientConfig, writeClientConfig } from '../../../sdk/client-config.js';
import { channelCredentials, channelOptions } from '../../../sdk/credentials.js';
import {
  AccessReviewServiceClient,
  type CheckAccessResponse,
  type WhoAmIResponse,
} from '../../../sdk/gen/wheelhouse/authorization/v1/access_review_service.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { CertFiles } from '../../../sdk/pki/cert.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';
import { outcome } from '../../../test/outcome.js';

const rbac = 'rbac.authorization.k8s.io';

describe('authorization: RBAC and the node authorizer', () => {
  let cluster: Cluster;
  let as: Record<string, ClientConfig>;
  let tokens = '';
  const clients: Client[] = [];

  before(async () => {
    // The token file must exist before the apiserver starts: write it where startCluster cannot know.
    tokens = join(process.env.TMPDIR ?? '/tmp', `wheelhouse-rbac-tokens-${process.pid}.csv`);
    writeFileSync(
      tokens,
      [
        'alice-token,alice,u-alice',
        'bob-token,bob,u-bob',
        'node2-token,system:node:node-2,u-node-2,"system:nodes"',
      ].join('\n'),
      { mode: 0o600 },
    );
    cluster = await startCluster({
      apiserverArgs: ['--authorization-mode', 'Node,RBAC', '--token-auth-file', tokens],
    });
    const server = cluster.apiserver;
    const ca = cluster.pki.caFile;
    const cert = (c: CertFiles): ClientConfig => ({
      server,
      certificateAuthority: ca,
      clientCertificate: c.certFile,
      clientKey: c.keyFile,
    });
    const token = (t: string): ClientConfig => ({ server, certificateAuthority: ca, token: t });
    const kubelet = cluster.pki.kubelets['node-1'];
    assert.ok(kubelet);
    as = {
      admin: cluster.admin,
      scheduler: cert(cluster.pki.scheduler),
      controllerManager: cert(cluster.pki.controllerManager),
      node1: cert(kubelet.client),
      node2: token('node2-token'),
      alice: token('alice-token'),
      bob: token('bob-token'),
    };
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster.stop();
    rmSync(tokens, { force: true });
  });

  const client = (resource: string, who: string) => cluster.client(resource, as[who]);
  const reviews = (who: string) => {
    const config = as[who];
    assert.ok(config);
    const c = new AccessReviewServiceClient(
      config.server,
      channelCredentials(config),
      channelOptions(config),
    );
    clients.push(c);
    return c;
  };

  const podReader = {
    apiVersion: `${rbac}/v1`,
    kind: 'Role',
    metadata: { namespace: 'default', name: 'pod-reader' },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }],
  };
  const readPods = {
    apiVersion: `${rbac}/v1`,
    kind: 'RoleBinding',
    metadata: { name: 'read-pods', namespace: 'default' },
    subjects: [{ kind: 'User', name: 'alice', apiGroup: rbac }],
    roleRef: { kind: 'Role', name: 'pod-reader', apiGroup: rbac },
  };

  /**
   * Polls until `check` gives `want` and returns how long it took; fails after 20 s. The
   * policy has no periodic refresh (only its watch changes it), so a change seen at all
   * is a change taken live: the bounds below only catch one that waits for something
   * else, and are loose enough for a loaded host.
   */
  async function timeUntil(check: () => Promise<string>, want: string): Promise<number> {
    const start = performance.now();
    for (;;) {
      if ((await check()) === want) return performance.now() - start;
      if (performance.now() - start > 20_000) assert.fail(`still not ${want} after 20 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  test('a pod-reader Role and RoleBinding, as written, grant exactly get/list/watch on pods in the namespace', async () => {
    await call(client('pods', 'admin'), 'createPod', { pod: pod('readable') });
    const denied = await outcome(call(client('pods', 'alice'), 'listPods', { namespace: 'default' }));
    assert.equal(denied.code, 'PERMISSION_DENIED');
    assert.match(denied.message, /User "alice" cannot list resource "pods" in the namespace "default"/);

    await call(client('roles', 'admin'), 'createRole', { role: podReader });
    await call(client('rolebindings', 'admin'), 'createRoleBinding', { roleBinding: readPods });
    const pods = client('pods', 'alice');
    await timeUntil(async () => (await outcome(call(pods, 'listPods', { namespace: 'default' }))).code, 'OK');
    assert.equal(
      (await outcome(call(pods, 'getPod', { namespace: 'default', name: 'readable' }))).code,
      'OK',
    );

    const forbidden: [string, ReturnType<typeof outcome>][] = [
      ['create', outcome(call(pods, 'createPod', { pod: pod('nope') }))],
      ['delete', outcome(call(pods, 'deletePod', { namespace: 'default', name: 'readable' }))],
      ['other namespace', outcome(call(pods, 'listPods', { namespace: 'kube-system' }))],
      ['all namespaces', outcome(call(pods, 'listPods', { namespace: '' }))],
      ['secrets', outcome(call(client('secrets', 'alice'), 'listSecrets', { namespace: 'default' }))],
      [
        'deployments',
        outcome(call(client('deployments', 'alice'), 'listDeployments', { namespace: 'default' })),
      ],
    ];
    // Each call is wrapped at once, so no rejection waits unhandled while earlier ones are checked.
    for (const [what, p] of forbidden) assert.equal((await p).code, 'PERMISSION_DENIED', what);
    const del = await outcome(call(pods, 'deletePod', { namespace: 'default', name: 'readable' }));
    assert.match(del.message, /User "alice" cannot delete resource "pods" in the namespace "default"/);
  });

  test('RBAC changes take effect live, without a restart or a resync', async () => {
    const pods = client('pods', 'bob');
    const bindings = client('rolebindings', 'admin');
    const list = async () => (await outcome(call(pods, 'listPods', { namespace: 'default' }))).code;
    assert.equal(await list(), 'PERMISSION_DENIED');

    const binding = { ...readPods, metadata: { name: 'bob-reads-pods', namespace: 'default' } };
    binding.subjects = [{ kind: 'User', name: 'bob', apiGroup: rbac }];
    await call(bindings, 'createRoleBinding', { roleBinding: binding });
    const granted = await timeUntil(list, 'OK');
    assert.ok(granted < 10_000, `granted after ${granted} ms`);

    // Editing the role takes effect too: drop `list`.
    const roles = client('roles', 'admin');
    const { role } = await call<{ role: typeof podReader }>(roles, 'getRole', {
      namespace: 'default',
      name: 'pod-reader',
    });
    role.rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    await call(roles, 'updateRole', { role });
    const narrowed = await timeUntil(list, 'PERMISSION_DENIED');
    assert.ok(narrowed < 10_000, `narrowed after ${narrowed} ms`);
    const current = await call<{ role: typeof podReader }>(roles, 'getRole', {
      namespace: 'default',
      name: 'pod-reader',
    });
    await call(roles, 'updateRole', { role: { ...current.role, rules: podReader.rules } });
    await timeUntil(list, 'OK');

    await call(bindings, 'deleteRoleBinding', { namespace: 'default', name: 'bob-reads-pods' });
    const revoked = await timeUntil(list, 'PERMISSION_DENIED');
    assert.ok(revoked < 10_000, `revoked after ${revoked} ms`);
  });

  test('matrix: each component identity and a plain user against representative requests', async () => {
    const ns = { namespace: 'default' };
    const cases: [string, string, () => Promise<unknown>, 'OK' | 'PERMISSION_DENIED'][] = [
      [
        'admin',
        'create clusterrolebindings',
        () => call(client('clusterrolebindings', 'admin'), 'listClusterRoleBindings', {}),
        'OK',
      ],
      [
        'admin',
        'list secrets everywhere',
        () => call(client('secrets', 'admin'), 'listSecrets', { namespace: '' }),
        'OK',
      ],
      [
        'scheduler',
        'watch-list pods everywhere',
        () => call(client('pods', 'scheduler'), 'listPods', { namespace: '' }),
        'OK',
      ],
      ['scheduler', 'list nodes', () => call(client('nodes', 'scheduler'), 'listNodes', {}), 'OK'],
      [
        'scheduler',
        'create pods',
        () => call(client('pods', 'scheduler'), 'createPod', { pod: pod('sched-made') }),
        'PERMISSION_DENIED',
      ],
      [
        'scheduler',
        'list secrets',
        () => call(client('secrets', 'scheduler'), 'listSecrets', ns),
        'PERMISSION_DENIED',
      ],
      [
        'scheduler',
        'delete nodes',
        () => call(client('nodes', 'scheduler'), 'deleteNode', { name: 'node-2' }),
        'PERMISSION_DENIED',
      ],
      [
        'controllerManager',
        'list replicasets',
        () => call(client('replicasets', 'controllerManager'), 'listReplicaSets', ns),
        'OK',
      ],
      [
        'controllerManager',
        'create pods',
        () => call(client('pods', 'controllerManager'), 'createPod', { pod: pod('kcm-made') }),
        'OK',
      ],
      [
        'controllerManager',
        'create deployments',
        () =>
          call(client('deployments', 'controllerManager'), 'createDeployment', {
            deployment: { metadata: { name: 'x', namespace: 'default' } },
          }),
        'PERMISSION_DENIED',
      ],
      [
        'controllerManager',
        'create clusterrolebindings',
        () =>
          call(client('clusterrolebindings', 'controllerManager'), 'createClusterRoleBinding', {
            clusterRoleBinding: {
              metadata: { name: 'mine' },
              roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'cluster-admin' },
              subjects: [],
            },
          }),
        'PERMISSION_DENIED',
      ],
      ['node1', 'watch-list pods', () => call(client('pods', 'node1'), 'listPods', { namespace: '' }), 'OK'],
      [
        'node1',
        'list secrets',
        () => call(client('secrets', 'node1'), 'listSecrets', ns),
        'PERMISSION_DENIED',
      ],
      [
        'node1',
        'create deployments',
        () =>
          call(client('deployments', 'node1'), 'createDeployment', {
            deployment: { metadata: { name: 'y', namespace: 'default' } },
          }),
        'PERMISSION_DENIED',
      ],
      ['bob', 'list pods', () => call(client('pods', 'bob'), 'listPods', ns), 'PERMISSION_DENIED'],
      ['bob', 'list nodes', () => call(client('nodes', 'bob'), 'listNodes', {}), 'PERMISSION_DENIED'],
      [
        'bob',
        'create namespaces',
        () =>
          call(client('namespaces', 'bob'), 'createNamespace', { namespace: { metadata: { name: 'bobs' } } }),
        'PERMISSION_DENIED',
      ],
    ];
    const failures: string[] = [];
    for (const [who, what, run, want] of cases) {
      const got = await outcome(run());
      // Allowed requests may still fail later (validation): only the authorization outcome counts.
      const authorized = got.code === 'PERMISSION_DENIED' ? 'PERMISSION_DENIED' : 'OK';
      if (authorized !== want) failures.push(`${who} ${what}: want ${want}, got ${got.code} ${got.message}`);
    }
    assert.deepEqual(failures, []);
  });

  test("kubelet node-1 writes its own Node and its pods' status, but not node-2 or pods bound to node-2", async () => {
    const nodes = client('nodes', 'admin');
    for (const name of ['node-1', 'node-2']) {
      await call(nodes, 'createNode', { node: { apiVersion: 'v1', kind: 'Node', metadata: { name } } });
    }
    const adminPods = client('pods', 'admin');
    for (const [name, node] of [
      ['on-node-1', 'node-1'],
      ['on-node-2', 'node-2'],
    ] as const) {
      await call(adminPods, 'createPod', { pod: pod(name) });
      await call(adminPods, 'bindPod', {
        binding: { metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: node } },
      });
    }
    const kubeletNodes = client('nodes', 'node1');
    const kubeletPods = client('pods', 'node1');
    const read = async (name: string) => (await call<{ node: Node }>(nodes, 'getNode', { name })).node;

    const own = await read('node-1');
    own.status = {
      ...own.status!,
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          message: '',
          lastHeartbeatTime: undefined,
          lastTransitionTime: undefined,
        } as never,
      ],
    };
    assert.equal((await outcome(call(kubeletNodes, 'updateNodeStatus', { node: own }))).code, 'OK');
    const other = await read('node-2');
    const denied = await outcome(call(kubeletNodes, 'updateNodeStatus', { node: other }));
    assert.equal(denied.code, 'PERMISSION_DENIED');
    assert.match(denied.message, /User "system:node:node-1" cannot update resource "nodes\/status"/);
    assert.equal(
      (await outcome(call(kubeletNodes, 'updateNode', { node: other }))).code,
      'PERMISSION_DENIED',
    );
    assert.equal(
      (await outcome(call(kubeletNodes, 'getNode', { name: 'node-2' }))).code,
      'PERMISSION_DENIED',
    );

    const podOf = async (name: string) =>
      (await call<{ pod: Pod }>(adminPods, 'getPod', { namespace: 'default', name })).pod;
    // The pod graph follows the watch cache: allow it to see the bindings.
    await timeUntil(
      async () =>
        (await outcome(call(kubeletPods, 'getPod', { namespace: 'default', name: 'on-node-1' }))).code,
      'OK',
    );
    const mine = await podOf('on-node-1');
    mine.status = { ...mine.status!, phase: 'Running' };
    assert.equal((await outcome(call(kubeletPods, 'updatePodStatus', { pod: mine }))).code, 'OK');
    const theirs = await podOf('on-node-2');
    theirs.status = { ...theirs.status!, phase: 'Failed' };
    assert.equal(
      (await outcome(call(kubeletPods, 'updatePodStatus', { pod: theirs }))).code,
      'PERMISSION_DENIED',
    );
    assert.equal(
      (await outcome(call(kubeletPods, 'getPod', { namespace: 'default', name: 'on-node-2' }))).code,
      'PERMISSION_DENIED',
    );
    assert.equal(
      (await outcome(call(kubeletPods, 'deletePod', { namespace: 'default', name: 'on-node-2' }))).code,
      'PERMISSION_DENIED',
    );

    // And node-2 (a token identity) is held to its own objects just the same.
    const node2Pods = client('pods', 'node2');
    assert.equal(
      (await outcome(call(node2Pods, 'getPod', { namespace: 'default', name: 'on-node-2' }))).code,
      'OK',
    );
    assert.equal(
      (await outcome(call(node2Pods, 'getPod', { namespace: 'default', name: 'on-node-1' }))).code,
      'PERMISSION_DENIED',
    );
  });

  test('access review: CheckAccess for oneself, for others only as an admin; WhoAmI', async () => {
    const check = (who: string, req: object) => call<CheckAccessResponse>(reviews(who), 'checkAccess', req);
    const getPods = {
      resourceAttributes: {
        verb: 'get',
        resource: 'pods',
        namespace: 'default',
        group: '',
        version: '',
        subresource: '',
        name: '',
      },
    };
    const attributes = (a: object) => ({
      attributes: { $case: 'resourceAttributes', value: { ...getPods.resourceAttributes, ...a } },
    });

    const self = await check('alice', attributes({}));
    assert.equal(self.allowed, true);
    assert.match(self.reason, /RoleBinding "read-pods" of Role "pod-reader"/);
    assert.equal((await check('alice', attributes({ verb: 'delete' }))).allowed, false);
    assert.equal((await check('alice', attributes({ namespace: 'kube-system' }))).allowed, false);

    const asked = await outcome(
      check('alice', { ...attributes({}), subject: { username: 'bob', uid: '', groups: [], extra: {} } }),
    );
    assert.equal(asked.code, 'PERMISSION_DENIED');
    assert.match(asked.message, /cannot create resource "subjectaccessreviews"/);

    const forAlice = await check('admin', {
      ...attributes({}),
      subject: { username: 'alice', uid: '', groups: ['system:authenticated'], extra: {} },
    });
    assert.equal(forAlice.allowed, true);
    const forScheduler = await check('admin', {
      ...attributes({ verb: 'create', subresource: 'binding' }),
      subject: { username: 'system:kube-scheduler', uid: '', groups: ['system:authenticated'], extra: {} },
    });
    assert.equal(forScheduler.allowed, true);
    const forNode = await check('admin', {
      ...attributes({ verb: 'update', resource: 'nodes', name: 'node-2' }),
      subject: {
        username: 'system:node:node-1',
        uid: '',
        groups: ['system:nodes', 'system:authenticated'],
        extra: {},
      },
    });
    assert.equal(forNode.allowed, false);

    const nonResource = await check('admin', {
      attributes: { $case: 'nonResourceAttributes', value: { verb: 'get', path: '/metrics' } },
    });
    assert.equal(nonResource.allowed, true);

    const who = await call<WhoAmIResponse>(reviews('node1'), 'whoAmI', {});
    assert.equal(who.userInfo?.username, 'system:node:node-1');
    assert.deepEqual([...(who.userInfo?.groups ?? [])].sort(), ['system:authenticated', 'system:nodes']);
  });
  test('whctl auth can-i and whoami', async () => {
    const whctl = async (who: string, ...args: string[]) => {
      const config = join(cluster.dir, `${who}.yaml`);
      writeClientConfig(config, { ...as[who]!, serverName: 'localhost' });
      const io = testIo({ cwd: cluster.dir });
      const code = await runWhctl([...args, '--config', config], io);
      return { code, out: io.out(), err: io.err() };
    };
    assert.deepEqual(await whctl('alice', 'auth', 'can-i', 'list', 'pods'), {
      code: 0,
      out: 'yes\n',
      err: '',
    });
    assert.deepEqual(await whctl('alice', 'auth', 'can-i', 'list', 'po', '-n', 'kube-system'), {
      code: 1,
      out: 'no\n',
      err: '',
    });
    assert.equal((await whctl('alice', 'auth', 'can-i', 'get', 'pods/log')).out, 'no\n');
    assert.equal(
      (await whctl('admin', 'auth', 'can-i', 'create', 'deployments.apps', '--as', 'alice')).out,
      'no\n',
    );
    assert.equal(
      (
        await whctl(
          'admin',
          'auth',
          'can-i',
          'update',
          'nodes',
          'node-1',
          '--as',
          'system:node:node-1',
          '--as-group',
          'system:nodes',
        )
      ).out,
      'yes\n',
    );
    const refused = await whctl('alice', 'auth', 'can-i', 'get', 'pods', '--as', 'bob');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /Forbidden/);
    // --list: the pod-reader RoleBinding shows in its namespace only; basic-user's rules everywhere.
    const listed = await whctl('alice', 'auth', 'can-i', '--list');
    assert.equal(listed.code, 0, listed.err);
    const lines = listed.out.split('\n');
    assert.match(lines[0] ?? '', /^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs$/);
    assert.ok(
      lines.some((l) => /^pods\s+\[\]\s+\[\]\s+\[get\b/.test(l)),
      listed.out,
    );
    assert.ok(
      lines.some((l) =>
        /^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/.test(l),
      ),
      listed.out,
    );
    const everything = (await whctl('admin', 'auth', 'can-i', '--list', '--no-headers')).out;
    assert.match(everything, /^\*\.\*\s+\[\]\s+\[\]\s+\[\*\]$/m);
    const elsewhere = await whctl('alice', 'auth', 'can-i', '--list', '-n', 'kube-system', '--no-headers');
    assert.ok(!/^pods\s/m.test(elsewhere.out), elsewhere.out);
    assert.match(elsewhere.out, /^selfsubjectaccessreviews/m);
    const me = await whctl('alice', 'auth', 'whoami');
    assert.equal(me.code, 0);
    assert.match(
      me.out,
      /^ATTRIBUTE\s+VALUE\nUsername\s+alice\nUID\s+u-alice\nGroups\s+\[system:authenticated\]\n$/,
    );
  });
});
