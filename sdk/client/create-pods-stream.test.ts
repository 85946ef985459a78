/**
 * Pod creates over the apiserver's CreatePods stream: through a real apiserver, each
 * create answered with the name the apiserver chose, refusals (validation, RBAC)
 * answered for that Pod alone, and unary CreatePod against an apiserver without the
 * stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { Code } from '../errors.js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { kinds } from '../kinds.js';
import { startFakeApiserver } from '../testing/fake-apiserver.js';
import { createPodsStream } from './create-pods-stream.js';
import { clientsetAs, codeOf } from './testing.js';
import { createClientset } from './typed-client.js';

const template = (metadata: { name?: string; generateName?: string; namespace?: string }) =>
  Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default', labels: { app: 'stream' }, ...metadata },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
  });

describe('Pod creates over CreatePods', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const clientsOf = (identity: 'controllerManager' | 'scheduler') =>
    clientsetAs(cluster, cluster.pki[identity]);

  test('each create answers the name the apiserver generated; the Pods exist', async () => {
    const clients = clientsOf('controllerManager');
    const stream = createPodsStream(clients.api);
    try {
      const n = 300;
      const created = await Promise.all(
        Array.from({ length: n }, () => stream.create(template({ generateName: 'gen-' }))),
      );
      assert.equal(stream.streaming, true);
      const names = new Set(created.map((c) => c.name));
      assert.equal(names.size, n);
      for (const c of created) {
        assert.match(c.name, /^gen-[a-z0-9]{5}$/);
        assert.notEqual(c.resourceVersion, '');
      }
      const stored = await clients.kind<Pod>('Pod').list('default', { labelSelector: 'app=stream' });
      assert.deepEqual(new Set(stored.items.map((p) => p.metadata?.name)), names);
    } finally {
      stream.close();
      clients.close();
    }
  });

  test('an invalid Pod and a Pod the caller may not create fail alone; the stream goes on', async () => {
    const cm = clientsOf('controllerManager');
    const scheduler = clientsOf('scheduler');
    const cmStream = createPodsStream(cm.api);
    const schedulerStream = createPodsStream(scheduler.api);
    try {
      const invalid = template({ name: 'no-containers' });
      invalid.spec = Pod.fromPartial({}).spec;
      const [bad, good] = await Promise.all([
        codeOf(cmStream.create(invalid)),
        cmStream.create(template({ name: 'fine' })),
      ]);
      assert.equal(bad, Code.INVALID_ARGUMENT);
      assert.equal(good.name, 'fine');
      assert.equal(
        await codeOf(schedulerStream.create(template({ name: 'not-mine' }))),
        Code.PERMISSION_DENIED,
      );
      assert.equal((await cmStream.create(template({ name: 'after' }))).name, 'after');
      assert.equal(await codeOf(cmStream.create(template({ name: 'after' }))), Code.ALREADY_EXISTS);
    } finally {
      cmStream.close();
      schedulerStream.close();
      cm.close();
      scheduler.close();
    }
  });
});

test('against an apiserver without CreatePods, creates go through unary CreatePod', async () => {
  const info = kinds.find((k) => k.kind === 'Pod');
  assert.ok(info);
  const fake = await startFakeApiserver([info]);
  const clients = createClientset({ server: fake.address, insecure: true }, { component: 'test' });
  const stream = createPodsStream(clients.api);
  try {
    const created = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stream.create(template({ name: `u-${i}` }))),
    );
    assert.equal(stream.streaming, false);
    assert.deepEqual(
      created.map((c) => c.name),
      Array.from({ length: 10 }, (_, i) => `u-${i}`),
    );
    assert.equal(fake.requests.filter((r) => r.method === 'createPod').length, 10);
  } finally {
    stream.close();
    clients.close();
    await fake.stop();
  }
});
