/**
 * HorizontalPodAutoscaler served at autoscaling/v1 beside the stored autoscaling/v2, with
 * real kubectl 1.32 (whose `autoscale` writes v1 as protobuf) and plain HTTPS: what v1
 * writes lands in the stored v2 object, v1 reads, lists and watches show the v1 view, a v1
 * patch or update keeps what only v2 can say, and discovery lists both versions with v2
 * preferred.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';
import { type HttpOptions, httpRequest } from '../../../test/rest-clients/https.js';

const run = promisify(execFile);
const KUBECTL = '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';
const v1Resource = 'horizontalpodautoscalers.v1.autoscaling';
const v1Path = '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers';
const v2Path = '/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers';

interface Hpa {
  apiVersion: string;
  metadata: { resourceVersion: string; annotations?: Record<string, string> };
  spec: Record<string, unknown> & { metrics?: { resource?: { name: string; target: unknown } }[] };
}

describe('HorizontalPodAutoscaler at autoscaling/v1, a view of the stored autoscaling/v2', {
  skip: skipUnlessInstalled([KUBECTL]),
}, () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ rest: true });
  });
  after(() => cluster?.stop());

  const kubectl = async (...args: string[]) => {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', cluster.kubeconfig, ...args], {
      env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache') },
      timeout: 30_000,
    });
    return stdout;
  };
  const req = (path: string, opts: HttpOptions = {}) =>
    httpRequest(cluster.rest, cluster.pki.caFile, path, { ...opts, admin: cluster.pki.admin });
  const stored = async () => {
    const answer = await req(`${v2Path}/web`);
    assert.equal(answer.status, 200, answer.text);
    return answer.json<Hpa>();
  };
  const metricsOf = (hpa: Hpa) => hpa.spec.metrics?.map((m) => [m.resource?.name, m.resource?.target]);

  it('kubectl 1.32 autoscale writes autoscaling/v1; the stored v2 object has the cpu metric', async () => {
    await kubectl('create', 'deployment', 'web', '--image=nginx');
    assert.match(
      await kubectl('autoscale', 'deployment', 'web', '--min=1', '--max=5', '--cpu-percent=50'),
      /^horizontalpodautoscaler.autoscaling\/web autoscaled$/m,
    );
    const hpa = await stored();
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.deepEqual(metricsOf(hpa), [['cpu', { type: 'Utilization', averageUtilization: 50 }]]);
    assert.match(await kubectl('get', 'hpa'), /^web +Deployment\/web +cpu: <unknown>\/50% +1 +5 +0 +\S+$/m);
  });

  // The resource's full name: kubectl drops the version of a short name (hpa.v1.autoscaling
  // is read at the preferred v2), against Kubernetes too.
  it('get horizontalpodautoscalers.v1.autoscaling shows the v1 view', async () => {
    const hpa = JSON.parse(await kubectl('get', v1Resource, 'web', '-o', 'json'));
    assert.equal(hpa.apiVersion, 'autoscaling/v1');
    assert.deepEqual(hpa.spec, {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 1,
      maxReplicas: 5,
      targetCPUUtilizationPercentage: 50,
    });
    const list = (await req(v1Path)).json<{ kind: string; apiVersion: string; items: Hpa[] }>();
    assert.equal(list.kind, 'HorizontalPodAutoscalerList');
    assert.equal(list.apiVersion, 'autoscaling/v1');
    assert.equal(list.items[0]?.spec.targetCPUUtilizationPercentage, 50);
  });

  it('a v1 merge patch, or a v1 update, keeps a memory metric and a behavior added through v2', async () => {
    const added = await req(`${v2Path}/web`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: {
        spec: {
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
            {
              type: 'Resource',
              resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '200Mi' } },
            },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        },
      },
    });
    assert.equal(added.status, 200, added.text);
    assert.match(
      await kubectl('patch', v1Resource, 'web', '--type=merge', '-p', '{"spec":{"maxReplicas":7}}'),
      /horizontalpodautoscaler.autoscaling\/web patched/,
    );
    let hpa = await stored();
    assert.equal(hpa.spec.maxReplicas, 7);
    const memory = ['memory', { type: 'AverageValue', averageValue: '200Mi' }];
    assert.deepEqual(metricsOf(hpa), [['cpu', { type: 'Utilization', averageUtilization: 50 }], memory]);

    // An update of the whole v1 object (kubectl replace sends what it read, with its resourceVersion).
    const view = JSON.parse(await kubectl('get', v1Resource, 'web', '-o', 'json'));
    view.spec.targetCPUUtilizationPercentage = 65;
    const file = join(cluster.dir, 'web-v1.json');
    writeFileSync(file, JSON.stringify(view));
    assert.match(await kubectl('replace', '-f', file), /horizontalpodautoscaler.autoscaling\/web replaced/);
    hpa = await stored();
    assert.deepEqual(metricsOf(hpa), [['cpu', { type: 'Utilization', averageUtilization: 65 }], memory]);
    assert.equal(
      (hpa.spec.behavior as { scaleDown: { stabilizationWindowSeconds: number } }).scaleDown
        .stabilizationWindowSeconds,
      60,
    );

    // The object it replaced is gone by now: the same resourceVersion again is a conflict.
    const stale = await req(`${v1Path}/web`, { method: 'PUT', body: view });
    assert.equal(stale.status, 409, stale.text);
  });

  it('a watch through v1 sends autoscaling/v1 objects', async () => {
    const initial = 'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';
    const answer = await req(`${v1Path}?watch=true&timeoutSeconds=1&${initial}`);
    assert.equal(answer.status, 200, answer.text);
    const events = answer.text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; object: Hpa });
    assert.equal(events[0]?.type, 'ADDED');
    assert.equal(events[0]?.object.apiVersion, 'autoscaling/v1');
    assert.equal(events[0]?.object.spec.targetCPUUtilizationPercentage, 65);
    assert.equal(events[0]?.object.spec.metrics, undefined);
    assert.deepEqual(
      events.map((e) => [e.type, e.object.apiVersion]),
      [
        ['ADDED', 'autoscaling/v1'],
        ['BOOKMARK', 'autoscaling/v1'],
      ],
    );
  });

  it('refuses server-side apply through v1, naming the version to apply at', async () => {
    const answer = await req(`${v1Path}/web?fieldManager=me`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/apply-patch+yaml' },
      body: 'apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: web}\n',
    });
    assert.equal(answer.status, 415, answer.text);
    assert.match(answer.json<{ message: string }>().message, /apply the object as autoscaling\/v2/);
  });

  it('discovery lists autoscaling v2 (preferred) and v1', async () => {
    const group = (await req('/apis/autoscaling')).json<{
      versions: { version: string }[];
      preferredVersion: { version: string };
    }>();
    assert.deepEqual(
      group.versions.map((v) => v.version),
      ['v2', 'v1'],
    );
    assert.equal(group.preferredVersion.version, 'v2');
    const resources = (await req('/apis/autoscaling/v1')).json<{
      resources: { name: string; kind: string; shortNames?: string[] }[];
    }>();
    assert.deepEqual(
      resources.resources.map((r) => [r.name, r.kind]),
      [
        ['horizontalpodautoscalers', 'HorizontalPodAutoscaler'],
        ['horizontalpodautoscalers/status', 'HorizontalPodAutoscaler'],
      ],
    );
    const aggregated = (
      await req('/apis', {
        headers: { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' },
      })
    ).json<{ items: { metadata: { name: string }; versions: { version: string }[] }[] }>();
    const autoscaling = aggregated.items.find((i) => i.metadata.name === 'autoscaling');
    assert.deepEqual(
      autoscaling?.versions.map((v) => v.version),
      ['v2', 'v1'],
    );
    assert.match(await kubectl('api-versions'), /^autoscaling\/v1\nautoscaling\/v2$/m);
  });
});
