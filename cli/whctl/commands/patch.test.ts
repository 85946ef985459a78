/**
 * `whctl patch` against real store and apiserver processes: each patch type, the
 * messages kubectl prints, dry runs, the status subresource, -f, -o and the errors.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ConfigMap } from '../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { deployment } from '../../../test/objects.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';
import { patchTypeOf } from './patch.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const run = async (args: string[], stdin?: string): Promise<TestIo & { code: number }> => {
  const config = join(cluster.dir, 'whctl.yaml');
  writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config }, ...(stdin ? { stdin } : {}) });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};

const getDeploy = async (name: string) =>
  (
    await call<{ deployment: Deployment }>(cluster.client('deployments'), 'getDeployment', {
      namespace: 'default',
      name,
    })
  ).deployment;

describe('whctl patch', () => {
  it('patches with a strategic merge patch by default: one container of two changes', async () => {
    const two = deployment('web', 1);
    two.spec?.template?.spec?.containers.push({
      ...structuredClone(two.spec.template.spec.containers[0]!),
      name: 'sidecar',
      image: 'busybox:1.36',
    });
    await call(cluster.client('deployments'), 'createDeployment', { deployment: two });
    const res = await run([
      'patch',
      'deployment',
      'web',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}',
    ]);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'deployment.apps/web patched\n');
    const images = (await getDeploy('web')).spec?.template?.spec?.containers.map(
      (c) => `${c.name}=${c.image}`,
    );
    assert.deepEqual(images, ['web=nginx:1.27', 'sidecar=busybox:1.37']);

    const again = await run(['patch', 'deploy/web', '-p', '{"spec":{"replicas":1}}']);
    assert.equal(again.out(), 'deployment.apps/web patched (no change)\n');
  });

  it('takes merge and JSON patches, in JSON or YAML, from -p or --patch-file', async () => {
    await call(cluster.client('configmaps'), 'createConfigMap', {
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'cfg', namespace: 'default' },
        data: { a: '1' },
      },
    });
    const merge = await run([
      'patch',
      'configmap',
      'cfg',
      '--type',
      'merge',
      '-p',
      'data: {a: null, b: "2"}',
    ]);
    assert.equal(merge.out(), 'configmap/cfg patched\n', merge.err());
    const file = join(cluster.dir, 'ops.json');
    writeFileSync(file, JSON.stringify([{ op: 'add', path: '/data/c', value: '3' }]));
    const json = await run(['patch', 'cm/cfg', '--type=json', '--patch-file', 'ops.json', '-o', 'json']);
    assert.equal(json.code, 0, json.err());
    const printed = JSON.parse(json.out()) as { kind: string; data: Record<string, string> };
    assert.equal(printed.kind, 'ConfigMap');
    assert.deepEqual(printed.data, { b: '2', c: '3' });
    const name = await run(['patch', 'cm/cfg', '--type=merge', '-p', '{"data":{"d":"4"}}', '-o', 'name']);
    assert.equal(name.out(), 'configmap/cfg\n');
    const yaml = await run(['patch', 'cm/cfg', '--type=merge', '-p', '{"data":{"e":"5"}}', '-o', 'yaml']);
    assert.match(yaml.out(), /^apiVersion: v1\nkind: ConfigMap\n/);
    assert.match(yaml.out(), /\n {2}e: "5"\n/);
  });

  it('dry runs: server validates without writing; client applies the patch locally', async () => {
    await call(cluster.client('deployments'), 'createDeployment', { deployment: deployment('dry', 2) });
    const before = await getDeploy('dry');
    const server = await run([
      'patch',
      'deploy/dry',
      '-p',
      '{"spec":{"replicas":5}}',
      '--dry-run=server',
      '-o',
      'yaml',
    ]);
    assert.equal(server.code, 0, server.err());
    assert.match(server.out(), /\n {2}replicas: 5\n/);
    const msg = await run(['patch', 'deploy/dry', '-p', '{"spec":{"replicas":5}}', '--dry-run']);
    assert.equal(msg.out(), 'deployment.apps/dry patched (server dry run)\n');
    const client = await run([
      'patch',
      'deploy/dry',
      '--type=json',
      '-p',
      '[{"op":"replace","path":"/spec/replicas","value":7}]',
      '--dry-run=client',
    ]);
    assert.equal(client.out(), 'deployment.apps/dry patched (dry run)\n', client.err());
    const after = await getDeploy('dry');
    assert.equal(after.spec?.replicas, 2);
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion);
    const invalid = await run(['patch', 'deploy/dry', '-p', '{"spec":{"replicas":-1}}', '--dry-run=server']);
    assert.equal(invalid.code, 1);
    assert.match(invalid.err(), /^Error from server \(Invalid\)/);
    assert.match(invalid.err(), /spec\.replicas/);
  });

  it('patches the status subresource with --subresource status', async () => {
    await call(cluster.client('deployments'), 'createDeployment', { deployment: deployment('st', 1) });
    const res = await run([
      'patch',
      'deploy/st',
      '--subresource=status',
      '--type=merge',
      '-p',
      '{"status":{"replicas":4},"spec":{"replicas":9}}',
    ]);
    assert.equal(res.out(), 'deployment.apps/st patched\n', res.err());
    const d = await getDeploy('st');
    assert.equal(d.status?.replicas, 4);
    assert.equal(d.spec?.replicas, 1);
  });

  it('patches the objects of a manifest with -f', async () => {
    await call(cluster.client('configmaps'), 'createConfigMap', {
      configMap: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'from-file', namespace: 'default' },
      },
    });
    writeFileSync(
      join(cluster.dir, 'cm.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-file\n',
    );
    const res = await run(['patch', '-f', 'cm.yaml', '-p', '{"metadata":{"labels":{"x":"y"}}}']);
    assert.equal(res.out(), 'configmap/from-file patched\n', res.err());
    const { configMap } = await call<{ configMap: ConfigMap }>(cluster.client('configmaps'), 'getConfigMap', {
      namespace: 'default',
      name: 'from-file',
    });
    assert.deepEqual(configMap.metadata?.labels, { x: 'y' });
  });

  it('says what is wrong: usage, the server, the patch', async () => {
    const cases: [string[], RegExp][] = [
      [['patch', 'deploy/web'], /must specify -p \(or --patch-file\) to patch/],
      [['patch', 'deploy/web', '-p', '{}', '--patch-file', 'x'], /either -p or --patch-file/],
      [
        ['patch', 'deploy/web', '-p', '{}', '--type', 'apply'],
        /--type must be one of "json", "merge" or "strategic"/,
      ],
      [['patch', '-p', '{}'], /you must specify the resource to patch/],
      [['patch', 'deploy/web', '-p', '{"spec":'], /the patch is neither JSON nor YAML/],
      [['patch', 'deploy/web', '-p', '{}', '--subresource', 'scale'], /--subresource must be "status"/],
      [['patch', 'deploy/none', '-p', '{}'], /^Error from server \(NotFound\)/],
      [
        ['patch', 'deploy/web', '-p', '{"spec":{"replicas":"many"}}'],
        /^Error from server \(Invalid\).*spec\.replicas/s,
      ],
      [
        ['patch', 'deploy/web', '--type=json', '-p', '[{"op":"test","path":"/spec/replicas","value":3}]'],
        /test failed/,
      ],
      [['patch', 'deploy/web', '--type=json', '-p', '{"op":"add"}'], /must be an array of operations/],
    ];
    for (const [args, message] of cases) {
      const res = await run(args);
      assert.equal(res.code, 1, args.join(' '));
      assert.match(res.err(), message, args.join(' '));
    }
  });

  it('label, scale and rollout send patches: preconditions hold, other fields are kept', async () => {
    await call(cluster.client('deployments'), 'createDeployment', { deployment: deployment('pre', 2) });
    const rv = (await getDeploy('pre')).metadata?.resourceVersion ?? '';
    assert.equal(
      (await run(['label', 'deploy/pre', 'a=1', '--resource-version', rv])).out(),
      'deployment.apps/pre labeled\n',
    );
    const stale = await run(['label', 'deploy/pre', 'b=2', '--resource-version', rv]);
    assert.equal(stale.code, 1);
    assert.match(stale.err(), /^Error from server \(Conflict\)/);
    const staleScale = await run(['scale', 'deploy/pre', '--replicas=3', '--resource-version', rv]);
    assert.equal(staleScale.code, 1);
    assert.match(staleScale.err(), /^Error from server \(Conflict\)/);
    const fresh = (await getDeploy('pre')).metadata?.resourceVersion ?? '';
    assert.equal((await run(['scale', 'deploy/pre', '--replicas=3', '--resource-version', fresh])).code, 0);
    assert.equal((await getDeploy('pre')).spec?.replicas, 3);

    assert.equal((await run(['rollout', 'pause', 'deploy/pre'])).out(), 'deployment.apps/pre paused\n');
    assert.equal((await getDeploy('pre')).spec?.paused, true);
    assert.equal((await run(['rollout', 'resume', 'deploy/pre'])).out(), 'deployment.apps/pre resumed\n');
    assert.equal((await run(['rollout', 'restart', 'deploy/pre'])).out(), 'deployment.apps/pre restarted\n');
    const d = await getDeploy('pre');
    assert.equal(d.spec?.paused, false);
    assert.deepEqual(d.metadata?.labels, { a: '1' });
    assert.equal(d.spec?.replicas, 3);
    assert.ok(d.spec?.template?.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt']);
    assert.deepEqual(d.spec?.template?.metadata?.labels, { app: 'pre' }, 'the template keeps its labels');
  });

  it('--type names the patch types', () => {
    assert.equal(patchTypeOf(undefined), patchTypeOf('strategic'));
    assert.notEqual(patchTypeOf('merge'), patchTypeOf('json'));
  });
});
