/**
 * `whctl apply --server-side` against real store and apiserver processes: create, re-apply,
 * a conflict with another manager reported as kubectl reports it, --force-conflicts,
 * --field-manager, a dropped label removed, and the upgrade of an object applied
 * client-side before.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { runWhctl } from '../main.js';
import { type TestIo, testIo } from '../test-io.js';

const cluster: Cluster = await startCluster();
after(async () => {
  await cluster.stop();
});

const config = join(cluster.dir, 'whctl.yaml');
writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });

const run = async (args: string[]): Promise<TestIo & { code: number }> => {
  const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
  const code = await runWhctl(args, io);
  return Object.assign(io, { code });
};
const file = (name: string, text: string) => {
  writeFileSync(join(cluster.dir, name), text);
  return name;
};

interface Live {
  metadata: {
    resourceVersion: string;
    labels?: Record<string, string>;
    managedFields?: { manager: string; operation: string; fieldsV1: Record<string, unknown> }[];
  };
  spec: { replicas?: number };
}
const live = async (what: string, ...flags: string[]): Promise<Live> => {
  const got = await run(['get', what, '-o', 'json', ...flags]);
  assert.equal(got.err(), '');
  return JSON.parse(got.out()) as Live;
};

const deploymentYaml = (name: string, replicas: number, labels = 'app: web') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels: { ${labels} }
spec:
  replicas: ${replicas}
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: nginx:1.27
`;

describe('whctl apply --server-side', () => {
  it('creates, then re-applies; the fields are whctl’s', async () => {
    const f = file('ssa.yaml', deploymentYaml('ssa', 2));
    const created = await run(['apply', '--server-side', '-f', f]);
    assert.equal(created.err(), '');
    assert.equal(created.out(), 'deployment.apps/ssa serverside-applied\n');
    assert.equal(created.code, 0);
    const first = await live('deployment/ssa', '--show-managed-fields');
    const entry = first.metadata.managedFields?.find((e) => e.manager === 'whctl');
    assert.equal(entry?.operation, 'Apply');
    assert.ok(entry && 'f:replicas' in (entry.fieldsV1['f:spec'] as object));

    const again = await run(['apply', '--server-side', '-f', f]);
    assert.equal(again.out(), 'deployment.apps/ssa serverside-applied\n');
    assert.equal((await live('deployment/ssa')).metadata.resourceVersion, first.metadata.resourceVersion);
  });

  it('a conflict with another manager is reported as kubectl reports it; --force-conflicts takes the field', async () => {
    await run(['apply', '--server-side', '-f', file('c1.yaml', deploymentYaml('conflict', 2))]);
    const scaled = file('c2.yaml', deploymentYaml('conflict', 5));
    const refused = await run(['apply', '--server-side', '--field-manager', 'ops', '-f', scaled]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.err(),
      /^error: Apply failed with 1 conflict: conflict with "whctl": \.spec\.replicas\nPlease review the fields above/,
    );
    assert.match(refused.err(), /--force-conflicts/);
    assert.equal((await live('deployment/conflict')).spec.replicas, 2);

    const forced = await run([
      'apply',
      '--server-side',
      '--field-manager',
      'ops',
      '--force-conflicts',
      '-f',
      scaled,
    ]);
    assert.equal(forced.err(), '');
    assert.equal((await live('deployment/conflict')).spec.replicas, 5);
  });

  it('a label dropped from the manifest is removed', async () => {
    await run([
      'apply',
      '--server-side',
      '-f',
      file('l1.yaml', deploymentYaml('labels', 1, 'app: web, tier: front')),
    ]);
    await run(['apply', '--server-side', '-f', file('l2.yaml', deploymentYaml('labels', 1, 'app: web'))]);
    assert.deepEqual((await live('deployment/labels')).metadata.labels, { app: 'web' });
  });

  it('takes over an object applied client-side, without conflicts on the fields it still holds', async () => {
    const csa = await run(['apply', '-f', file('u1.yaml', deploymentYaml('upgrade', 2))]);
    assert.equal(csa.out(), 'deployment.apps/upgrade created\n');
    const ssa = await run(['apply', '--server-side', '-f', file('u2.yaml', deploymentYaml('upgrade', 3))]);
    assert.equal(ssa.err(), '');
    assert.equal((await live('deployment/upgrade')).spec.replicas, 3);
  });

  it('get hides managedFields unless asked, as kubectl does', async () => {
    assert.equal((await live('deployment/ssa')).metadata.managedFields, undefined);
    const yaml = await run(['get', 'deployment/ssa', '-o', 'yaml', '--show-managed-fields']);
    assert.match(
      yaml.out(),
      /managedFields:\n\s+- apiVersion: apps\/v1\n\s+fieldsType: FieldsV1\n\s+fieldsV1:\n\s+f:metadata:/,
    );
  });

  it('refuses --force-conflicts without --server-side', async () => {
    const got = await run(['apply', '--force-conflicts', '-f', 'ssa.yaml']);
    assert.equal(got.code, 1);
    assert.match(got.err(), /--force-conflicts only works with --server-side/);
  });
});
