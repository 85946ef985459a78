/**
 * Server-side apply and managedFields through real store and apiserver processes, over
 * gRPC: Patch<Kind> with PATCH_TYPE_APPLY, conflicts between managers, force, fields an
 * applier drops, the upgrade from client-side apply, and the Update entries every other
 * write records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { type ManagedFieldsEntry, PatchType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { treeOfFieldsV1 as treeOf } from '../../sdk/patch/fields-v1.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { deployment } from '../../test/objects.js';

type Tree = Record<string, object> | undefined;

const APPLY = PatchType.PATCH_TYPE_APPLY;
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

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

const deploymentYaml = (name: string, replicas: number, labels: Record<string, string> = {}) =>
  [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(Object.keys(labels).length > 0
      ? ['  labels:', ...Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`)]
      : []),
    'spec:',
    `  replicas: ${replicas}`,
    '  selector:',
    '    matchLabels: {app: web}',
    '  template:',
    '    metadata:',
    '      labels: {app: web}',
    '    spec:',
    '      containers:',
    '      - name: web',
    '        image: nginx:1.27',
    '',
  ].join('\n');

const entryOf = (
  obj: { metadata?: { managedFields: ManagedFieldsEntry[] } },
  manager: string,
  operation = 'Apply',
) => obj.metadata?.managedFields.find((e) => e.manager === manager && e.operation === operation);

describe('apiserver: server-side apply', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  const applyDeploy = (
    name: string,
    patch: string,
    fieldManager: string,
    opts: { force?: boolean; dryRun?: boolean } = {},
  ) =>
    call<{ deployment: Deployment }>(cluster.client('deployments'), 'patchDeployment', {
      namespace: 'default',
      name,
      type: APPLY,
      patch,
      fieldManager,
      force: opts.force ?? false,
      dryRun: opts.dryRun ?? false,
    }).then((r) => r.deployment);
  const getDeploy = (name: string) =>
    call<{ deployment: Deployment }>(cluster.client('deployments'), 'getDeployment', {
      namespace: 'default',
      name,
    }).then((r) => r.deployment);

  test('apply creates a missing object, owned by the applier; the same apply again writes nothing', async () => {
    const created = await applyDeploy('created', deploymentYaml('created', 2), 'alice');
    assert.equal(created.spec?.replicas, 2);
    assert.ok(created.metadata?.uid);
    const entry = entryOf(created, 'alice');
    assert.ok(entry, JSON.stringify(created.metadata?.managedFields));
    assert.equal(entry.apiVersion, 'apps/v1');
    assert.equal(entry.fieldsType, 'FieldsV1');
    assert.equal(created.metadata?.managedFields.length, 1, 'defaults the server filled in are nobody’s');
    assert.deepEqual(treeOf(entry.fieldsV1), {
      'f:spec': {
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': { 'f:app': {} } },
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    const again = await applyDeploy('created', deploymentYaml('created', 2), 'alice');
    assert.equal(again.metadata?.resourceVersion, created.metadata?.resourceVersion);
    assert.deepEqual(await getDeploy('created'), created, 'stored as returned');
  });

  test('two managers on replicas: a conflict names the owner and the field; force takes it', async () => {
    await applyDeploy('shared', deploymentYaml('shared', 2), 'alice');
    const bob = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: shared}',
      'spec: {replicas: 5}',
    ].join('\n');
    const err = await refusal(applyDeploy('shared', bob, 'bob'), Code.ABORTED);
    assert.equal(err.message, 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    assert.deepEqual(err.causes, [
      { reason: 'FieldManagerConflict', message: 'conflict with "alice"', field: '.spec.replicas' },
    ]);
    assert.equal((await getDeploy('shared')).spec?.replicas, 2, 'nothing written');

    const forced = await applyDeploy('shared', bob, 'bob', { force: true });
    assert.equal(forced.spec?.replicas, 5);
    assert.deepEqual(treeOf(entryOf(forced, 'bob')?.fieldsV1), { 'f:spec': { 'f:replicas': {} } });
    assert.ok(
      !('f:replicas' in ((treeOf(entryOf(forced, 'alice')?.fieldsV1) as Tree)?.['f:spec'] ?? {})),
      'alice lost replicas',
    );

    // Now alice's unchanged apply conflicts with bob.
    const back = await refusal(applyDeploy('shared', deploymentYaml('shared', 2), 'alice'), Code.ABORTED);
    assert.match(back.message, /conflict with "bob": \.spec\.replicas/);
  });

  test('a label the applier drops is removed; one another manager also applies stays', async () => {
    await applyDeploy('labels', deploymentYaml('labels', 1, { team: 'a', tier: 'web', keep: 'x' }), 'alice');
    const carol = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: labels, labels: {keep: x}}',
    ].join('\n');
    await applyDeploy('labels', carol, 'carol');
    const dropped = await applyDeploy('labels', deploymentYaml('labels', 1, { team: 'a' }), 'alice');
    assert.deepEqual(dropped.metadata?.labels, { team: 'a', keep: 'x' });
    assert.deepEqual(treeOf(entryOf(dropped, 'carol')?.fieldsV1), {
      'f:metadata': { 'f:labels': { 'f:keep': {} } },
    });
  });

  test('every other write records an Update entry: its manager from the request or the user agent', async () => {
    const deploys = cluster.client('deployments');
    const created = (
      await call<{ deployment: Deployment }>(deploys, 'createDeployment', {
        deployment: deployment('updates', 1),
      })
    ).deployment;
    const creator = created.metadata?.managedFields[0];
    assert.ok(creator, 'the create is recorded');
    assert.equal(creator.operation, 'Update');
    assert.match(creator.manager, /^grpc-node-js$/, 'the user agent up to its first "/"');
    assert.ok('f:replicas' in ((treeOf(creator.fieldsV1) as Tree)?.['f:spec'] ?? {}));
    assert.ok(creator.time instanceof Date);

    const patched = (
      await call<{ deployment: Deployment }>(deploys, 'patchDeployment', {
        namespace: 'default',
        name: 'updates',
        type: PatchType.PATCH_TYPE_MERGE,
        patch: JSON.stringify({ spec: { replicas: 3 } }),
        fieldManager: 'scaler',
      })
    ).deployment;
    assert.deepEqual(treeOf(entryOf(patched, 'scaler', 'Update')?.fieldsV1), {
      'f:spec': { 'f:replicas': {} },
    });
    assert.ok(
      !(
        'f:replicas' in
        ((treeOf(entryOf(patched, 'grpc-node-js', 'Update')?.fieldsV1) as Tree)?.['f:spec'] ?? {})
      ),
    );

    const updated = (
      await call<{ deployment: Deployment }>(deploys, 'updateDeployment', {
        deployment: { ...patched, spec: { ...patched.spec, paused: true } },
      })
    ).deployment;
    assert.ok(
      'f:paused' in
        ((treeOf(entryOf(updated, 'grpc-node-js', 'Update')?.fieldsV1) as Tree)?.['f:spec'] ?? {}),
    );

    // An apply of replicas by someone else now conflicts with the scaler, named with its apiVersion.
    const err = await refusal(
      applyDeploy(
        'updates',
        ['apiVersion: apps/v1', 'kind: Deployment', 'spec: {replicas: 9}'].join('\n'),
        'dave',
      ),
      Code.ABORTED,
    );
    assert.equal(
      err.message,
      'Apply failed with 1 conflict: conflict with "scaler" using apps/v1: .spec.replicas',
    );
  });

  test('an update that sends managedFields back unchanged keeps them; [{}] clears them', async () => {
    const cms = cluster.client('configmaps');
    const cm = (
      await call<{ configMap: ConfigMap }>(cms, 'createConfigMap', {
        configMap: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'mf', namespace: 'default' },
          data: { a: '1' },
        },
      })
    ).configMap;
    const same = (await call<{ configMap: ConfigMap }>(cms, 'updateConfigMap', { configMap: cm })).configMap;
    assert.equal(same.metadata?.resourceVersion, cm.metadata?.resourceVersion, 'a no-op stays one');
    const cleared = (
      await call<{ configMap: ConfigMap }>(cms, 'updateConfigMap', {
        configMap: { ...cm, metadata: { ...cm.metadata, managedFields: [{}] } },
      })
    ).configMap;
    assert.deepEqual(cleared.metadata?.managedFields, []);
  });

  test('client-side apply upgrades: the fields still as last applied pass to whctl without conflict', async () => {
    const manifest = deployment('upgrade', 2);
    const lastApplied = JSON.stringify({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'upgrade', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'upgrade' } } },
    });
    await call(cluster.client('deployments'), 'createDeployment', {
      deployment: {
        ...manifest,
        metadata: { ...manifest.metadata, annotations: { [LAST_APPLIED]: lastApplied } },
      },
    });
    const config = [
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: upgrade}',
      'spec: {replicas: 4}',
    ].join('\n');
    await refusal(applyDeploy('upgrade', config, 'someone-else'), Code.ABORTED);
    const upgraded = await applyDeploy('upgrade', config, 'whctl');
    assert.equal(upgraded.spec?.replicas, 4);
    assert.deepEqual(JSON.parse(upgraded.metadata?.annotations[LAST_APPLIED] ?? '{}'), {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'upgrade' },
      spec: { replicas: 4 },
    });
  });

  test('the status subresource is applied as its own manager entry', async () => {
    await applyDeploy('status', deploymentYaml('status', 1), 'alice');
    const status = (
      await call<{ deployment: Deployment }>(cluster.client('deployments'), 'patchDeployment', {
        namespace: 'default',
        name: 'status',
        type: APPLY,
        patch: JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          status: { observedGeneration: 1 },
        }),
        fieldManager: 'kcm',
        status: true,
      })
    ).deployment;
    const entry = status.metadata?.managedFields.find((e) => e.manager === 'kcm');
    assert.equal(entry?.subresource, 'status');
    assert.deepEqual(treeOf(entry?.fieldsV1), { 'f:status': { 'f:observedGeneration': {} } });
    assert.ok(entryOf(status, 'alice'), 'the main entry survives');
  });

  test('refusals: no field manager, force on another patch type, a name that is not the request’s, a bad list', async () => {
    const none = await refusal(applyDeploy('x', deploymentYaml('x', 1), ''), Code.INVALID_ARGUMENT);
    assert.match(none.message, /fieldManager: Required value/);
    const force = await refusal(
      call(cluster.client('deployments'), 'patchDeployment', {
        namespace: 'default',
        name: 'x',
        type: PatchType.PATCH_TYPE_MERGE,
        patch: '{}',
        force: true,
      }),
      Code.INVALID_ARGUMENT,
    );
    assert.match(force.message, /force: Forbidden/);
    const name = await refusal(applyDeploy('x', deploymentYaml('y', 1), 'alice'), Code.INVALID_ARGUMENT);
    assert.match(name.message, /metadata\.name/);
    const kind = await refusal(
      applyDeploy('x', 'apiVersion: v1\nkind: Pod\n', 'alice'),
      Code.INVALID_ARGUMENT,
    );
    assert.match(kind.message, /apiVersion/);
    const dup = await refusal(
      applyDeploy(
        'x',
        JSON.stringify({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          spec: { template: { spec: { containers: [{ name: 'a' }, { name: 'a' }] } } },
        }),
        'alice',
      ),
      Code.INVALID_ARGUMENT,
    );
    assert.match(dup.message, /duplicate entry/);
    await refusal(getDeploy('x'), Code.NOT_FOUND);
  });
});
