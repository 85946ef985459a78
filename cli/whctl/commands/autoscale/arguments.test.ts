/**
 * `whctl autoscale` in process against the in-memory apiserver double: how the target is
 * named (TYPE NAME, TYPE/NAME, short and group-qualified names, -f), what is read and
 * sent, the dry runs and outputs, and the refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { writeClientConfig } from '../../../../sdk/client-config.js';
import { Deployment } from '../../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { StatefulSet } from '../../../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { HorizontalPodAutoscaler } from '../../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { ConfigMap } from '../../../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { resolveResource } from '../../../../sdk/kinds.js';
import { type FakeApiserver, startFakeApiserver } from '../../../../sdk/testing/fake-apiserver.js';
import { runWhctl } from '../../main.js';
import { type TestIo, testIo } from '../../test-io.js';

const kind = (name: string) => {
  const info = resolveResource(name);
  if (!info) throw new Error(`no kind ${name}`);
  return info;
};
const deployments = kind('deployments');
const statefulSets = kind('statefulsets');
const configMaps = kind('configmaps');
const hpas = kind('hpa');

describe('whctl autoscale', () => {
  let api: FakeApiserver;
  let dir: string;

  const run = async (args: string[]): Promise<TestIo & { code: number }> => {
    const io = testIo({ cwd: dir, env: { WHEELHOUSE_CONFIG: join(dir, 'config.yaml') } });
    const code = await runWhctl(['autoscale', ...args], io);
    return Object.assign(io, { code });
  };
  const hpa = (name: string, namespace = 'default') =>
    api.objects.get(`HorizontalPodAutoscaler/${namespace}/${name}`) as HorizontalPodAutoscaler | undefined;
  const created = () => api.requests.filter((r) => r.method === 'createHorizontalPodAutoscaler');

  before(async () => {
    api = await startFakeApiserver([deployments, statefulSets, configMaps, hpas]);
  });
  after(async () => {
    await api.stop();
  });
  beforeEach(() => {
    api.objects.clear();
    api.requests.length = 0;
    dir = mkdtempSync(join(tmpdir(), 'whctl-autoscale-'));
    writeClientConfig(join(dir, 'config.yaml'), { server: api.address, insecure: true });
    api.put(deployments, Deployment.fromPartial({ metadata: { name: 'web', namespace: 'default' } }));
    api.put(deployments, Deployment.fromPartial({ metadata: { name: 'api', namespace: 'shop' } }));
    api.put(statefulSets, StatefulSet.fromPartial({ metadata: { name: 'db', namespace: 'default' } }));
    api.put(configMaps, ConfigMap.fromPartial({ metadata: { name: 'settings', namespace: 'default' } }));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads the target, then creates the autoscaler named after it and prints kubectl's line", async () => {
    const res = await run(['deployment', 'web', '--min=1', '--max=5', '--cpu-percent=50']);
    assert.equal(res.err(), '');
    assert.equal(res.out(), 'horizontalpodautoscaler.autoscaling/web autoscaled\n');
    assert.equal(res.code, 0);
    assert.deepEqual(
      api.requests.map((r) => r.method),
      ['getDeployment', 'createHorizontalPodAutoscaler'],
    );
    const stored = hpa('web');
    assert.deepEqual(stored?.spec?.scaleTargetRef, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
    });
    assert.equal(stored?.spec?.minReplicas, 1);
    assert.equal(stored?.spec?.maxReplicas, 5);
    assert.deepEqual(
      stored?.spec?.metrics.map((m) => [m.type, m.resource?.name, m.resource?.target]),
      [['Resource', 'cpu', { type: 'Utilization', value: '', averageValue: '', averageUtilization: 50 }]],
    );
  });

  it('takes TYPE/NAME, short and group-qualified names, several names, -n and --name', async () => {
    assert.equal(
      (await run(['sts/db', '--max=3'])).out(),
      'horizontalpodautoscaler.autoscaling/db autoscaled\n',
    );
    const db = hpa('db');
    assert.deepEqual(db?.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' });
    // Left to the server: no minimum, no metric.
    assert.equal(db?.spec?.minReplicas, undefined);
    assert.deepEqual(db?.spec?.metrics, []);

    const named = await run(['deployments.apps', 'api', '-n', 'shop', '--max=2', '--name=api-hpa']);
    assert.equal(named.out(), 'horizontalpodautoscaler.autoscaling/api-hpa autoscaled\n');
    assert.equal(hpa('api-hpa', 'shop')?.spec?.scaleTargetRef?.name, 'api');

    api.objects.delete('HorizontalPodAutoscaler/default/web');
    api.put(deployments, Deployment.fromPartial({ metadata: { name: 'admin', namespace: 'default' } }));
    const two = await run(['deploy', 'web', 'admin', '--max=4']);
    assert.equal(
      two.out(),
      'horizontalpodautoscaler.autoscaling/web autoscaled\nhorizontalpodautoscaler.autoscaling/admin autoscaled\n',
    );
  });

  it('-f takes the target from the manifest as written, without reading it', async () => {
    writeFileSync(
      join(dir, 'deploy.yaml'),
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec: {selector: {matchLabels: {app: api}}}\n',
    );
    const res = await run(['-f', 'deploy.yaml', '--max=3']);
    assert.equal(res.out(), 'horizontalpodautoscaler.autoscaling/api autoscaled\n', res.err());
    assert.deepEqual(
      api.requests.map((r) => r.method),
      ['createHorizontalPodAutoscaler'],
    );
    assert.equal(hpa('api', 'shop')?.spec?.maxReplicas, 3);
    const elsewhere = await run(['-f', 'deploy.yaml', '--max=3', '-n', 'dev']);
    assert.equal(elsewhere.code, 1);
    assert.match(
      elsewhere.err(),
      /the namespace from the provided object "shop" does not match the namespace "dev"/,
    );
  });

  it('dry runs: client prints "created (dry run)" and sends nothing; server sends a dry run', async () => {
    const client = await run(['deploy', 'web', '--max=5', '--dry-run=client']);
    assert.equal(client.out(), 'horizontalpodautoscaler.autoscaling/web created (dry run)\n');
    assert.equal(created().length, 0);
    const server = await run(['deploy', 'web', '--max=5', '--dry-run=server']);
    assert.equal(server.out(), 'horizontalpodautoscaler.autoscaling/web autoscaled (server dry run)\n');
    assert.equal(created()[0]?.request.dryRun, true);
    assert.equal(hpa('web'), undefined);
  });

  it('-o prints the autoscaler: name, yaml, json (the client dry run as built)', async () => {
    const json = await run([
      'deploy/web',
      '--max=5',
      '--min=2',
      '--cpu-percent=70',
      '--dry-run=client',
      '-o',
      'json',
    ]);
    assert.deepEqual(JSON.parse(json.out()), {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
          },
        ],
      },
    });
    const yaml = await run(['deploy/web', '--max=5', '-o', 'yaml']);
    assert.match(yaml.out(), /^apiVersion: autoscaling\/v2\nkind: HorizontalPodAutoscaler\n/);
    assert.match(yaml.out(), /^ {2}maxReplicas: 5$/m);
    const name = await run(['sts', 'db', '--max=5', '-o', 'name']);
    assert.equal(name.out(), 'horizontalpodautoscaler.autoscaling/db\n');
  });

  it('--save-config records the autoscaler for apply', async () => {
    assert.equal((await run(['deploy', 'web', '--max=5', '--save-config'])).code, 0);
    const record =
      hpa('web')?.metadata?.annotations['kubectl.kubernetes.io/last-applied-configuration'] ?? '';
    assert.deepEqual(JSON.parse(record).spec.maxReplicas, 5);
  });

  it("refuses what kubectl refuses, with kubectl's words, before sending anything it need not", async () => {
    const refused = async (args: string[]) => {
      const res = await run(args);
      assert.equal(res.code, 1, `autoscale ${args.join(' ')} should fail`);
      return res.err();
    };
    assert.match(await refused(['deploy', 'web']), /^error: required flag\(s\) "max" not set\n/);
    assert.equal(
      await refused(['deploy', 'web', '--max=0']),
      'error: --max=MAXPODS is required and must be at least 1, max: 0\n',
    );
    assert.equal(
      await refused(['deploy', 'web', '--max=2', '--min=3']),
      'error: --max=MAXPODS must be larger or equal to --min=MINPODS, max: 2, min: 3\n',
    );
    assert.match(
      await refused(['--max=2']),
      /^error: You must provide one or more resources by argument or filename\./,
    );
    assert.match(
      await refused(['deploy', '--max=2']),
      /resource\(s\) were provided, but no name was specified/,
    );
    assert.match(await refused(['-f', 'x.yaml', 'deploy', 'web', '--max=2']), /either -f or resource names/);
    assert.match(await refused(['deploy', 'web', '--max=2', '--dry-run=maybe']), /--dry-run must be/);
    assert.match(await refused(['deploy', 'web', '--max=2', '-o', 'wide']), /unable to match a printer/);
    assert.equal(api.requests.length, 0);

    assert.match(
      await refused(['deploy', 'missing', '--max=2']),
      /^Error from server \(NotFound\): deployments "missing" not found\n$/,
    );
    assert.equal(
      await refused(['configmap', 'settings', '--max=2']),
      'error: cannot autoscale a ConfigMap: could not find scale subresource for /v1, Resource=configmaps in discovery information\n',
    );
    assert.equal(created().length, 0);
    assert.equal((await run(['deploy', 'web', '--max=2'])).code, 0);
    assert.match(await refused(['deploy', 'web', '--max=2']), /^Error from server \(AlreadyExists\)/);
  });
});
