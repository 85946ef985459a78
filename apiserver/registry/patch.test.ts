/**
 * Patch<Kind> through real store and apiserver processes: each patch type, concurrency,
 * preconditions, dry run, the status subresource, RBAC's `patch` verb and the errors.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import type { ClientConfig } from '../../sdk/client-config.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { deployment } from '../../test/objects.js';
import { outcome } from '../../test/outcome.js';

const rbac = 'rbac.authorization.k8s.io';
const {
  PATCH_TYPE_JSON: JSON_PATCH,
  PATCH_TYPE_MERGE: MERGE,
  PATCH_TYPE_STRATEGIC_MERGE: STRATEGIC,
} = PatchType;

async function refusal(p: Promise<unknown>, code: Code): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    assert.equal(Code[err.code], Code[code], err.message);
    return err;
  }
  assert.fail(`expected ${Code[code]}, the call succeeded`);
}

describe('apiserver: Patch', () => {
  let cluster: Cluster;
  let tokens = '';
  const as: Record<string, ClientConfig> = {};
  const clients: Client[] = [];

  before(async () => {
    tokens = join(process.env.TMPDIR ?? '/tmp', `wheelhouse-patch-tokens-${process.pid}.csv`);
    writeFileSync(tokens, ['updater-token,updater,u-1', 'patcher-token,patcher,u-2'].join('\n'), {
      mode: 0o600,
    });
    cluster = await startCluster({
      apiserverArgs: ['--authorization-mode', 'Node,RBAC', '--token-auth-file', tokens],
    });
    const token = (t: string): ClientConfig => ({
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      token: t,
    });
    const kubelet = cluster.pki.kubelets['node-1'];
    assert.ok(kubelet);
    as.updater = token('updater-token');
    as.patcher = token('patcher-token');
    as.node1 = {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: kubelet.client.certFile,
      clientKey: kubelet.client.keyFile,
    };
  });
  after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
    rmSync(tokens, { force: true });
  });

  const client = (resource: string, who?: string) => {
    const c = cluster.client(resource, who ? as[who] : undefined);
    clients.push(c);
    return c;
  };
  const patchCm = (
    c: Client,
    name: string,
    type: PatchType,
    patch: unknown,
    opts: { dryRun?: boolean; namespace?: string } = {},
  ) =>
    call<{ configMap: ConfigMap }>(c, 'patchConfigMap', {
      namespace: opts.namespace ?? 'default',
      name,
      type,
      patch: typeof patch === 'string' ? patch : JSON.stringify(patch),
      dryRun: opts.dryRun ?? false,
    }).then((r) => r.configMap);
  const createCm = async (name: string, data: Record<string, string>) =>
    (
      await call<{ configMap: ConfigMap }>(client('configmaps'), 'createConfigMap', {
        configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data },
      })
    ).configMap;
  const getCm = async (name: string) =>
    (
      await call<{ configMap: ConfigMap }>(client('configmaps'), 'getConfigMap', {
        namespace: 'default',
        name,
      })
    ).configMap;
  const patchDeploy = (name: string, type: PatchType, patch: unknown, opts: { status?: boolean } = {}) =>
    call<{ deployment: Deployment }>(client('deployments'), 'patchDeployment', {
      namespace: 'default',
      name,
      type,
      patch: JSON.stringify(patch),
      status: opts.status ?? false,
    }).then((r) => r.deployment);

  test('a merge patch adds, changes and (with null) removes keys; the rest stays', async () => {
    const created = await createCm('merge', { a: '1', b: '2', c: '3' });
    const patched = await patchCm(client('configmaps'), 'merge', MERGE, {
      metadata: { labels: { tier: 'web' } },
      data: { a: 'one', b: null, d: '4' },
    });
    assert.deepEqual(patched.data, { a: 'one', c: '3', d: '4' });
    assert.deepEqual(patched.metadata?.labels, { tier: 'web' });
    assert.equal(patched.metadata?.uid, created.metadata?.uid);
    assert.ok(Number(patched.metadata?.resourceVersion) > Number(created.metadata?.resourceVersion));
    assert.deepEqual((await getCm('merge')).data, patched.data, 'stored as returned');
  });

  test('a patch that changes nothing writes nothing: the resourceVersion stays', async () => {
    const created = await createCm('same', { a: '1' });
    const patched = await patchCm(client('configmaps'), 'same', MERGE, { data: { a: '1' } });
    assert.equal(patched.metadata?.resourceVersion, created.metadata?.resourceVersion);
  });

  test('a JSON patch applies its operations in order, all or nothing', async () => {
    await call(client('deployments'), 'createDeployment', { deployment: deployment('jp', 2) });
    const patched = await patchDeploy('jp', JSON_PATCH, [
      { op: 'test', path: '/spec/replicas', value: 2 },
      { op: 'replace', path: '/spec/replicas', value: 4 },
      { op: 'add', path: '/metadata/annotations', value: { 'example.com/owner': 'team-a' } },
      { op: 'copy', from: '/spec/template/spec/containers/0', path: '/spec/template/spec/containers/-' },
      { op: 'replace', path: '/spec/template/spec/containers/1/name', value: 'copy' },
    ]);
    assert.equal(patched.spec?.replicas, 4);
    assert.deepEqual(patched.metadata?.annotations, { 'example.com/owner': 'team-a' });
    assert.deepEqual(
      patched.spec?.template?.spec?.containers.map((c) => c.name),
      ['web', 'copy'],
    );
    assert.equal(patched.metadata?.generation, '2', 'a spec change bumps the generation');

    // A failed test is an invalid request (Kubernetes' 422), and nothing before it applies.
    const err = await refusal(
      patchDeploy('jp', JSON_PATCH, [
        { op: 'replace', path: '/spec/replicas', value: 9 },
        { op: 'test', path: '/spec/replicas', value: 2 },
      ]),
      Code.INVALID_ARGUMENT,
    );
    assert.match(err.message, /operation 1 \(test \/spec\/replicas\): test failed/);
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['/spec/replicas'],
    );
    const missing = await refusal(
      patchDeploy('jp', JSON_PATCH, [{ op: 'remove', path: '/spec/nope/x' }]),
      Code.INVALID_ARGUMENT,
    );
    assert.match(missing.message, /"\/spec\/nope" does not exist/);
    const { deployment: stored } = await call<{ deployment: Deployment }>(
      client('deployments'),
      'getDeployment',
      {
        namespace: 'default',
        name: 'jp',
      },
    );
    assert.equal(stored.spec?.replicas, 4);
    assert.equal(stored.metadata?.resourceVersion, patched.metadata?.resourceVersion);
  });

  test("a strategic merge patch changes one container's image of two; a merge patch replaces the list", async () => {
    const two = deployment('sm', 1);
    two.spec?.template?.spec?.containers.push({
      ...structuredClone(two.spec.template.spec.containers[0]!),
      name: 'sidecar',
      image: 'busybox:1.36',
    });
    await call(client('deployments'), 'createDeployment', { deployment: two });
    const patched = await patchDeploy('sm', STRATEGIC, {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.37' }] } } },
    });
    const images = (d: Deployment) => d.spec?.template?.spec?.containers.map((c) => `${c.name}=${c.image}`);
    assert.deepEqual(images(patched), ['web=nginx:1.27', 'sidecar=busybox:1.37']);

    // As in Kubernetes, a JSON merge patch knows no merge keys: the list is replaced whole.
    const merged = await patchDeploy('sm', MERGE, {
      spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'busybox:1.38' }] } } },
    });
    assert.deepEqual(images(merged), ['sidecar=busybox:1.38']);
  });

  test('10 clients patching one ConfigMap at once: every change survives', async () => {
    await createCm('contended', {});
    const writers = 10;
    const rounds = 5;
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        const c = client('configmaps'); // A connection of its own.
        for (let r = 0; r < rounds; r++) {
          await patchCm(c, 'contended', r % 2 === 0 ? MERGE : STRATEGIC, {
            data: { [`w${i}-${r}`]: String(r) },
          });
        }
      }),
    );
    const data = (await getCm('contended')).data;
    assert.equal(Object.keys(data).length, writers * rounds, JSON.stringify(data));
  });

  test('metadata.resourceVersion in a patch is a precondition: ABORTED once stale, no retry', async () => {
    const created = await createCm('pinned', { a: '1' });
    const rv = created.metadata?.resourceVersion ?? '';
    await patchCm(client('configmaps'), 'pinned', MERGE, { data: { b: '2' } }); // Someone else.
    const err = await refusal(
      patchCm(client('configmaps'), 'pinned', MERGE, { metadata: { resourceVersion: rv }, data: { a: 'x' } }),
      Code.ABORTED,
    );
    assert.match(err.message, /pinned/);
    const stale = await refusal(
      patchCm(client('configmaps'), 'pinned', JSON_PATCH, [
        { op: 'replace', path: '/metadata/resourceVersion', value: rv },
        { op: 'replace', path: '/data/a', value: 'x' },
      ]),
      Code.ABORTED,
    );
    assert.ok(stale);
    const current = await getCm('pinned');
    assert.equal(current.data.a, '1');
    const ok = await patchCm(client('configmaps'), 'pinned', MERGE, {
      metadata: { resourceVersion: current.metadata?.resourceVersion },
      data: { a: 'x' },
    });
    assert.equal(ok.data.a, 'x');
    await refusal(
      patchCm(client('configmaps'), 'pinned', MERGE, { metadata: { resourceVersion: 'soon' } }),
      Code.INVALID_ARGUMENT,
    );
  });

  test('a dry run answers with the patched object and writes nothing', async () => {
    const created = await createCm('dry', { a: '1' });
    const answer = await patchCm(client('configmaps'), 'dry', MERGE, { data: { a: '2' } }, { dryRun: true });
    assert.equal(answer.data.a, '2');
    const stored = await getCm('dry');
    assert.equal(stored.data.a, '1');
    assert.equal(stored.metadata?.resourceVersion, created.metadata?.resourceVersion);
    // A dry run is validated all the same.
    await refusal(
      patchCm(
        client('configmaps'),
        'dry',
        MERGE,
        { metadata: { labels: { 'bad label': 'x' } } },
        { dryRun: true },
      ),
      Code.INVALID_ARGUMENT,
    );
  });

  test('a status patch changes only status; a main patch leaves status alone', async () => {
    await call(client('deployments'), 'createDeployment', { deployment: deployment('st', 1) });
    const viaStatus = await patchDeploy(
      'st',
      MERGE,
      { spec: { replicas: 7 }, status: { replicas: 3, observedGeneration: 1 } },
      { status: true },
    );
    assert.equal(viaStatus.status?.replicas, 3);
    assert.equal(viaStatus.spec?.replicas, 1, 'spec is not the status endpoint’s');
    const viaMain = await patchDeploy('st', MERGE, { spec: { replicas: 2 }, status: { replicas: 99 } });
    assert.equal(viaMain.spec?.replicas, 2);
    assert.equal(viaMain.status?.replicas, 3, 'status is not the main endpoint’s');
    // A kind without a status subresource has nothing to patch there.
    await createCm('nostatus', {});
    await refusal(
      call(client('configmaps'), 'patchConfigMap', {
        namespace: 'default',
        name: 'nostatus',
        type: MERGE,
        patch: '{}',
        status: true,
      }),
      Code.UNIMPLEMENTED,
    );
  });

  test('errors: each with its code and the field it is about', async () => {
    await createCm('errs', { a: '1' });
    const cms = client('configmaps');
    const cases: [string, () => Promise<unknown>, Code, RegExp, string[]][] = [
      [
        'not JSON',
        () => patchCm(cms, 'errs', MERGE, '{data:'),
        Code.INVALID_ARGUMENT,
        /not valid JSON/,
        ['patch'],
      ],
      ['empty', () => patchCm(cms, 'errs', MERGE, ''), Code.INVALID_ARGUMENT, /empty/, ['patch']],
      [
        'a list as a merge patch',
        () => patchCm(cms, 'errs', MERGE, [{ op: 'add' }]),
        Code.INVALID_ARGUMENT,
        /must be a JSON object/,
        ['patch'],
      ],
      [
        'a malformed JSON patch',
        () => patchCm(cms, 'errs', JSON_PATCH, [{ op: 'add', path: '/data/b' }]),
        Code.INVALID_ARGUMENT,
        /"value" is required/,
        ['/0/value'],
      ],
      [
        'an unknown type',
        () => patchCm(cms, 'errs', 42 as PatchType, {}),
        Code.INVALID_ARGUMENT,
        /supported values/,
        ['type'],
      ],
      [
        'no type',
        () => patchCm(cms, 'errs', PatchType.PATCH_TYPE_UNSPECIFIED, {}),
        Code.INVALID_ARGUMENT,
        /Unsupported value/,
        ['type'],
      ],
      [
        'a missing object',
        () => patchCm(cms, 'nope', MERGE, { data: {} }),
        Code.NOT_FOUND,
        /"nope" not found/,
        [],
      ],
      [
        'a new name',
        () => patchCm(cms, 'errs', MERGE, { metadata: { name: 'other' } }),
        Code.INVALID_ARGUMENT,
        /metadata\.name/,
        ['metadata.name'],
      ],
      [
        'a new uid',
        () => patchCm(cms, 'errs', MERGE, { metadata: { uid: 'e9d1c6a4-0000-4000-8000-000000000000' } }),
        Code.INVALID_ARGUMENT,
        /metadata\.uid/,
        ['metadata.uid'],
      ],
      [
        'a new namespace',
        () =>
          patchCm(cms, 'errs', JSON_PATCH, [
            { op: 'replace', path: '/metadata/namespace', value: 'kube-system' },
          ]),
        Code.INVALID_ARGUMENT,
        /metadata\.namespace/,
        ['metadata.namespace'],
      ],
      [
        'an unknown field',
        () => patchCm(cms, 'errs', MERGE, { spec: { replicas: 1 } }),
        Code.INVALID_ARGUMENT,
        /unknown field "spec"/,
        ['spec'],
      ],
      [
        'a value of the wrong type',
        () => patchCm(cms, 'errs', MERGE, { data: { a: { b: 'c' } } }),
        Code.INVALID_ARGUMENT,
        /data/,
        ['data[a]'],
      ],
      [
        'another kind',
        () => patchCm(cms, 'errs', MERGE, { kind: 'Secret' }),
        Code.INVALID_ARGUMENT,
        /kind is string "Secret", expected "ConfigMap"/,
        ['kind'],
      ],
    ];
    for (const [what, p, code, message, fields] of cases) {
      const err = await refusal(p(), code).catch((e: unknown) => assert.fail(`${what}: ${e}`));
      assert.match(err.message, message, what);
      assert.deepEqual(
        err.causes.map((c) => c.field),
        fields,
        `${what}: ${err.message}`,
      );
    }
    await call(client('deployments'), 'createDeployment', { deployment: deployment('invalid', 1) });
    const invalid = await refusal(
      patchDeploy('invalid', MERGE, { spec: { replicas: -1 } }),
      Code.INVALID_ARGUMENT,
    );
    assert.deepEqual(
      invalid.causes.map((c) => c.field),
      ['spec.replicas'],
    );
    assert.deepEqual((await getCm('errs')).data, { a: '1' });
  });

  test('a patch that removes the last finalizer of an object being deleted deletes it', async () => {
    const cms = client('configmaps');
    await call(cms, 'createConfigMap', {
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] },
      },
    });
    await call(cms, 'deleteConfigMap', { namespace: 'default', name: 'held' });
    assert.ok((await getCm('held')).metadata?.deletionTimestamp, 'held by its finalizer');
    // Adding a finalizer to an object being deleted is refused, as in Kubernetes.
    await refusal(
      patchCm(cms, 'held', JSON_PATCH, [
        { op: 'add', path: '/metadata/finalizers/-', value: 'example.com/more' },
      ]),
      Code.INVALID_ARGUMENT,
    );
    await patchCm(cms, 'held', JSON_PATCH, [{ op: 'remove', path: '/metadata/finalizers/0' }]);
    await refusal(getCm('held'), Code.NOT_FOUND);
  });

  test('a JSON patch of more than 10000 operations is refused before it is applied', async () => {
    await createCm('big', {});
    const ops = Array.from({ length: 10_001 }, (_, i) => ({ op: 'add', path: `/data/k${i}`, value: 'v' }));
    const err = await refusal(patchCm(client('configmaps'), 'big', JSON_PATCH, ops), Code.INVALID_ARGUMENT);
    assert.match(err.message, /10001 operations, more than the 10000 allowed/);
  });

  test('RBAC: patch needs the patch verb; update alone is refused', async () => {
    await createCm('guarded', { a: '1' });
    const role = (name: string, verbs: string[]) => ({
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { namespace: 'default', name },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs }],
    });
    const bind = (name: string, user: string) => ({
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { namespace: 'default', name },
      subjects: [{ kind: 'User', name: user, apiGroup: rbac }],
      roleRef: { kind: 'Role', name, apiGroup: rbac },
    });
    await call(client('roles'), 'createRole', { role: role('cm-updater', ['get', 'update']) });
    await call(client('roles'), 'createRole', { role: role('cm-patcher', ['get', 'patch']) });
    await call(client('rolebindings'), 'createRoleBinding', { roleBinding: bind('cm-updater', 'updater') });
    await call(client('rolebindings'), 'createRoleBinding', { roleBinding: bind('cm-patcher', 'patcher') });

    const updater = client('configmaps', 'updater');
    const patcher = client('configmaps', 'patcher');
    // Both can read once the bindings are in the authorizer's cache (20 s only bounds a failure).
    const deadline = Date.now() + 20_000;
    for (const c of [updater, patcher]) {
      while (
        (await outcome(call(c, 'getConfigMap', { namespace: 'default', name: 'guarded' }))).code !== 'OK'
      ) {
        assert.ok(Date.now() < deadline, 'the RoleBindings took effect');
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const denied = await refusal(
      patchCm(updater, 'guarded', MERGE, { data: { a: '2' } }),
      Code.PERMISSION_DENIED,
    );
    assert.match(
      denied.message,
      /User "updater" cannot patch resource "configmaps" in the namespace "default"/,
    );
    const patched = await patchCm(patcher, 'guarded', MERGE, { data: { a: '3' } });
    assert.equal(patched.data.a, '3');
  });

  test("the node authorizer lets a kubelet patch its own Node's status, not another's", async () => {
    const nodes = client('nodes');
    for (const name of ['node-1', 'node-2']) {
      await call(nodes, 'createNode', { node: { apiVersion: 'v1', kind: 'Node', metadata: { name } } });
    }
    const kubelet = client('nodes', 'node1');
    const patch = (name: string) =>
      call<{ node: Node }>(kubelet, 'patchNode', {
        name,
        type: STRATEGIC,
        patch: JSON.stringify({ status: { capacity: { cpu: '4' } } }),
        status: true,
      });
    const { node } = await patch('node-1');
    assert.equal(node.status?.capacity?.cpu, '4');
    await refusal(patch('node-2'), Code.PERMISSION_DENIED);
  });
});
