/**
 * The official JavaScript client, @kubernetes/client-node, unchanged against the REST
 * API: its typed CoreV1Api and AppsV1Api, and its informer, which must keep its cache
 * right across a restart of the apiserver (it lists and watches again by itself).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { type Cluster, startCluster } from '../cluster.js';

let cluster: Cluster;
let config: k8s.KubeConfig;
const ns = 'client-node';

before(async () => {
  cluster = await startCluster({ rest: true });
  config = new k8s.KubeConfig();
  config.loadFromFile(cluster.kubeconfig);
});
after(async () => {
  await cluster?.stop();
});

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const podOf = (name: string): k8s.V1Pod => ({
  metadata: { name, labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1.14.2' }] },
});

describe('@kubernetes/client-node', () => {
  it('creates, reads and lists through the typed API', async () => {
    const core = config.makeApiClient(k8s.CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const created = await core.createNamespacedPod({ namespace: ns, body: podOf('one') });
    assert.equal(created.metadata?.namespace, ns);
    assert.ok(created.metadata?.uid);
    assert.ok(created.metadata?.creationTimestamp instanceof Date);
    const read = await core.readNamespacedPod({ namespace: ns, name: 'one' });
    assert.equal(read.spec?.containers[0]?.image, 'nginx:1.14.2');
    assert.equal(read.status?.phase, 'Pending');
    const list = await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' });
    assert.deepEqual(
      list.items.map((p) => p.metadata?.name),
      ['one'],
    );
    assert.match(list.metadata?.resourceVersion ?? '', /^\d+$/);

    const apps = config.makeApiClient(k8s.AppsV1Api);
    const deployment = await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'web2' } },
          template: { metadata: { labels: { app: 'web2' } }, spec: podOf('x').spec! },
        },
      },
    });
    assert.equal(deployment.spec?.replicas, 2);
    // int-or-string as the client expects it: the default rolling update of 25%.
    assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxSurge, '25%');

    await assert.rejects(
      core.createNamespacedPod({ namespace: ns, body: podOf('one') }),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 409,
    );
    await assert.rejects(
      core.readNamespacedPod({ namespace: ns, name: 'absent' }),
      (err: unknown) => err instanceof k8s.ApiException && err.code === 404,
    );
  });

  it('keeps an informer running across an apiserver restart', async () => {
    const core = config.makeApiClient(k8s.CoreV1Api);
    const informer = k8s.makeInformer(config, `/api/v1/namespaces/${ns}/pods`, () =>
      core.listNamespacedPod({ namespace: ns }),
    );
    const seen = new Set<string>();
    informer.on('add', (p) => seen.add(p.metadata?.name ?? ''));
    // Once stopped, a late error must not start it again: that would keep the file running.
    let stopped = false;
    informer.on('error', () => {
      // The informer is told of the broken watch; it is restarted as client-go users do.
      setTimeout(() => {
        if (!stopped) void informer.start().catch(() => {});
      }, 200);
    });
    await informer.start();
    try {
      await until('the informer to list pod one', () =>
        informer.list(ns).some((p) => p.metadata?.name === 'one'),
      );
      await core.createNamespacedPod({ namespace: ns, body: podOf('two') });
      await until('the informer to see pod two', () => seen.has('two'));

      await cluster.restartApiserver();
      await core.createNamespacedPod({ namespace: ns, body: podOf('three') });
      await until('the informer to see pod three after the restart', () =>
        informer.list(ns).some((p) => p.metadata?.name === 'three'),
      );
      await core.deleteNamespacedPod({ namespace: ns, name: 'two', gracePeriodSeconds: 0 });
      await until(
        'the informer to drop pod two',
        () => !informer.list(ns).some((p) => p.metadata?.name === 'two'),
      );
    } finally {
      stopped = true;
      await informer.stop();
    }
  });
});
