/**
 * Real kubectl 1.32 server-side apply against the apiserver's REST API: applies twice over
 * a created object, then another field manager's conflicting change is refused with
 * kubectl's conflict message, and `--force-conflicts` takes the field.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { skipUnlessInstalled } from '../../test/requirements.js';

const exec = promisify(execFile);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

const manifest = (replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: {app: ssa}
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ssa}
  template:
    metadata:
      labels: {app: ssa}
    spec:
      containers:
      - name: web
        image: nginx:1.27
`;

describe('kubectl apply --server-side', { skip: skipUnlessInstalled([KUBECTL]) }, () => {
  let cluster: Cluster;
  const kubectl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await exec(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
        timeout: 30_000,
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };
  const file = (name: string, text: string) => {
    const path = join(cluster.dir, name);
    writeFileSync(path, text);
    return path;
  };

  before(async () => {
    cluster = await startCluster({ rest: true });
  });
  after(() => cluster?.stop());

  it('applies twice, refuses another manager’s conflicting change as kubectl reports it, then forces it', async () => {
    const created = await kubectl('create', '-f', file('create.yaml', manifest(2)));
    assert.equal(created.stderr, '');
    const first = await kubectl('apply', '--server-side', '-f', file('a.yaml', manifest(2)));
    assert.equal(first.stderr, '');
    assert.equal(first.stdout, 'deployment.apps/ssa serverside-applied\n');
    const second = await kubectl('apply', '--server-side', '-f', file('b.yaml', manifest(2)));
    assert.equal(second.stdout, 'deployment.apps/ssa serverside-applied\n', second.stderr);

    // replicas is shared by the creator and kubectl's apply (the same value): both conflict.
    const other = file('other.yaml', manifest(7));
    const refused = await kubectl('apply', '--server-side', '--field-manager', 'autoscaler', '-f', other);
    assert.notEqual(refused.code, 0);
    assert.match(
      refused.stderr,
      /^error: Apply failed with 2 conflicts: conflicts with "kubectl":\n- \.spec\.replicas\nconflicts with "[^"]+" using apps\/v1:\n- \.spec\.replicas\nPlease review the fields above--they currently have other managers/,
    );
    const got = await kubectl('get', 'deployment', 'ssa', '-o', 'jsonpath={.spec.replicas}');
    assert.equal(got.stdout, '2');

    const forced = await kubectl(
      'apply',
      '--server-side',
      '--field-manager',
      'autoscaler',
      '--force-conflicts',
      '-f',
      other,
    );
    assert.equal(forced.stdout, 'deployment.apps/ssa serverside-applied\n', forced.stderr);
    const managed = await kubectl('get', 'deployment', 'ssa', '-o', 'json', '--show-managed-fields');
    const entries = (
      JSON.parse(managed.stdout) as {
        metadata: {
          managedFields: {
            manager: string;
            operation: string;
            fieldsV1: Record<string, Record<string, unknown>>;
          }[];
        };
      }
    ).metadata.managedFields;
    const autoscaler = entries.find((e) => e.manager === 'autoscaler');
    assert.deepEqual(autoscaler?.fieldsV1['f:spec']?.['f:replicas'], {});
    const mine = entries.find((e) => e.manager === 'kubectl' && e.operation === 'Apply');
    assert.ok(mine && !('f:replicas' in (mine.fieldsV1['f:spec'] ?? {})), 'kubectl lost replicas');
  });
});
