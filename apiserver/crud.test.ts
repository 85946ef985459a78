import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { ApiError, Code } from '../sdk/errors.js';
import type { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { Lease } from '../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Namespace } from '../sdk/gen/wheelhouse/core/v1/namespace.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ListMeta } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { StoreClient } from '../store/client.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { deployment, pod } from '../test/objects.js';

async function rejects(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<ApiError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(Code[err.code], Code[code], err.message);
  if (pattern) assert.match(err.message, pattern);
  return err;
}

describe('apiserver: objects through real processes', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test('the system namespaces exist at start', async () => {
    const res = await call<{ items: Namespace[] }>(cluster.client('namespaces'), 'listNamespaces', {});
    const names = res.items.map((n) => n.metadata?.name);
    for (const n of ['default', 'kube-system', 'kube-public', 'kube-node-lease'])
      assert.ok(names.includes(n), n);
    assert.equal(res.items.find((n) => n.metadata?.name === 'default')?.status?.phase, 'Active');
  });

  test('create fills in metadata; objects are stored as Protobuf under /registry/<resource>/<ns>/<name>', async () => {
    const pods = cluster.client('pods');
    const input = pod('meta-1');
    input.metadata!.uid = 'client-chosen';
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: input });
    assert.match(created.metadata!.uid, /^[0-9a-f-]{36}$/);
    assert.notEqual(created.metadata!.uid, 'client-chosen');
    assert.ok(created.metadata!.creationTimestamp instanceof Date);
    assert.match(created.metadata!.resourceVersion, /^[1-9][0-9]*$/);
    assert.equal(created.metadata!.generation, '0', 'pods have no generation (Kubernetes 1.32)');
    assert.equal(created.spec!.restartPolicy, 'Always', 'defaults applied');

    const store = new StoreClient({
      address: `127.0.0.1:${cluster.storePort}`,
      credentials: credentials.createSsl(
        readFileSync(cluster.pki.store.caFile),
        readFileSync(cluster.pki.store.clientKeyFile),
        readFileSync(cluster.pki.store.clientCertFile),
      ),
    });
    try {
      const { kv } = await store.get('/registry/pods/default/meta-1');
      assert.ok(kv, 'stored under the Kubernetes key');
      assert.equal(String(kv.modRevision), created.metadata!.resourceVersion);
      assert.equal(Pod.decode(kv.value).metadata?.uid, created.metadata!.uid);
    } finally {
      store.close();
    }

    const gen = await call<{ pod: Pod }>(pods, 'createPod', {
      pod: Pod.fromPartial({ ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } }),
    });
    assert.match(gen.pod.metadata!.name, /^web-[a-z0-9]{5}$/);

    const rvSet = pod('meta-2');
    rvSet.metadata!.resourceVersion = '12';
    await rejects(call(pods, 'createPod', { pod: rvSet }), Code.INVALID_ARGUMENT, /resourceVersion/);
    await rejects(
      call(pods, 'createPod', { pod: pod('meta-1') }),
      Code.ALREADY_EXISTS,
      /pods "meta-1" already exists/,
    );
    await rejects(
      call(pods, 'getPod', { namespace: 'default', name: 'nope' }),
      Code.NOT_FOUND,
      /pods "nope" not found/,
    );
  });

  test('validation reports every failure with its field path', async () => {
    const bad = Pod.fromPartial({
      metadata: { name: 'Bad_Name', namespace: 'default', labels: { 'bad key!': 'x' } },
      spec: {
        restartPolicy: 'Sometimes',
        containers: [
          { name: 'a', image: '' },
          { name: 'a', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } },
        ],
      },
    });
    const err = await rejects(call(cluster.client('pods'), 'createPod', { pod: bad }), Code.INVALID_ARGUMENT);
    const fields = err.causes.map((c) => c.field);
    for (const f of [
      'metadata.name',
      'spec.restartPolicy',
      'spec.containers[0].image',
      'spec.containers[1].name',
    ]) {
      assert.ok(fields.includes(f), `${f} reported in ${JSON.stringify(fields)}`);
    }
    assert.ok(
      fields.some((f) => f.startsWith('metadata.labels')),
      'label key reported',
    );
    assert.ok(
      fields.some((f) => f.startsWith('spec.containers[1].resources')),
      'requests > limits reported',
    );
    assert.match(err.message, /spec\.containers\[0\]\.image: Required value/);

    const noContainers = Pod.fromPartial({ metadata: { name: 'empty', namespace: 'default' }, spec: {} });
    await rejects(
      call(cluster.client('pods'), 'createPod', { pod: noContainers }),
      Code.INVALID_ARGUMENT,
      /spec\.containers: Required value/,
    );
  });

  test('creating in a missing namespace is NOT_FOUND; a terminating namespace refuses new objects', async () => {
    await rejects(
      call(cluster.client('pods'), 'createPod', { pod: pod('x', { namespace: 'ghost' }) }),
      Code.NOT_FOUND,
      /namespaces "ghost" not found/,
    );
    const nsClient = cluster.client('namespaces');
    await call(nsClient, 'createNamespace', { namespace: { metadata: { name: 'doomed' } } });
    await call(cluster.client('pods'), 'createPod', { pod: pod('inside', { namespace: 'doomed' }) });
    const { namespace: deleted } = await call<{ namespace: Namespace }>(nsClient, 'deleteNamespace', {
      name: 'doomed',
    });
    assert.ok(deleted.metadata?.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(deleted.status?.phase, 'Terminating');
    const again = await call<{ namespace: Namespace }>(nsClient, 'getNamespace', { name: 'doomed' });
    assert.equal(
      again.namespace.status?.phase,
      'Terminating',
      'the namespace stays until its contents are gone',
    );
    await rejects(
      call(cluster.client('pods'), 'createPod', { pod: pod('late', { namespace: 'doomed' }) }),
      Code.FAILED_PRECONDITION,
      /being terminated/,
    );
    await rejects(call(nsClient, 'deleteNamespace', { name: 'kube-system' }), Code.PERMISSION_DENIED);
  });

  test('spec.finalizers change through finalize only; a terminating namespace without them goes', async () => {
    const nsClient = cluster.client('namespaces');
    await call(nsClient, 'createNamespace', { namespace: { metadata: { name: 'finalizable' } } });
    const { namespace: deleting } = await call<{ namespace: Namespace }>(nsClient, 'deleteNamespace', {
      name: 'finalizable',
    });
    assert.deepEqual(deleting.spec?.finalizers, ['kubernetes']);
    const { namespace: updated } = await call<{ namespace: Namespace }>(nsClient, 'updateNamespace', {
      namespace: { ...deleting, spec: { finalizers: [] } },
    });
    assert.deepEqual(updated.spec?.finalizers, ['kubernetes'], 'an update keeps spec.finalizers');
    await rejects(
      call(nsClient, 'finalizeNamespace', { namespace: { ...updated, spec: { finalizers: ['cleanup'] } } }),
      Code.INVALID_ARGUMENT,
      /spec\.finalizers\[0\]: Invalid value: "cleanup"/,
    );
    await call(nsClient, 'finalizeNamespace', { namespace: { ...updated, spec: { finalizers: [] } } });
    await rejects(call(nsClient, 'getNamespace', { name: 'finalizable' }), Code.NOT_FOUND);
  });

  test('updates: stale resourceVersion is ABORTED; generation moves only with the spec; status is ignored', async () => {
    const deploys = cluster.client('deployments');
    const { deployment: d } = await call<{ deployment: Deployment }>(deploys, 'createDeployment', {
      deployment: deployment('gen'),
    });
    assert.equal(d.metadata!.generation, '1');
    d.metadata!.labels = { team: 'a' };
    const { deployment: labelled } = await call<{ deployment: Deployment }>(deploys, 'updateDeployment', {
      deployment: d,
    });
    assert.equal(labelled.metadata!.generation, '1', 'metadata changes keep the generation');
    assert.notEqual(labelled.metadata!.resourceVersion, d.metadata!.resourceVersion);

    labelled.spec!.replicas = 5;
    labelled.status = { ...labelled.status!, replicas: 99 };
    const { deployment: scaled } = await call<{ deployment: Deployment }>(deploys, 'updateDeployment', {
      deployment: labelled,
    });
    assert.equal(scaled.metadata!.generation, '2');
    assert.equal(scaled.status?.replicas ?? 0, 0, 'status changes through the main endpoint are ignored');

    await rejects(
      call(deploys, 'updateDeployment', { deployment: labelled }),
      Code.ABORTED,
      /the object has been modified/,
    );

    const changedSelector = structuredClone(scaled);
    changedSelector.spec!.selector = { matchLabels: { app: 'other' }, matchExpressions: [] };
    changedSelector.spec!.template!.metadata!.labels = { app: 'other' };
    await rejects(
      call(deploys, 'updateDeployment', { deployment: changedSelector }),
      Code.INVALID_ARGUMENT,
      /spec\.selector.*immutable/,
    );

    // Deployments, like in Kubernetes, accept an update without resourceVersion (last write wins);
    // Leases do not.
    const noRv = structuredClone(scaled);
    noRv.metadata!.resourceVersion = '';
    noRv.metadata!.annotations = { note: 'unconditional' };
    const { deployment: unconditional } = await call<{ deployment: Deployment }>(
      deploys,
      'updateDeployment',
      {
        deployment: noRv,
      },
    );
    assert.equal(unconditional.metadata?.annotations.note, 'unconditional');
    const leases = cluster.client('leases');
    const { lease } = await call<{ lease: Lease }>(leases, 'createLease', {
      lease: {
        metadata: { name: 'holder', namespace: 'default' },
        spec: { holderIdentity: 'a', leaseDurationSeconds: 15 },
      },
    });
    lease.metadata!.resourceVersion = '';
    await rejects(call(leases, 'updateLease', { lease }), Code.INVALID_ARGUMENT, /resourceVersion/);

    const withStatus = structuredClone(unconditional);
    withStatus.status = { ...withStatus.status!, replicas: 3, observedGeneration: '2' };
    withStatus.spec!.replicas = 1;
    const { deployment: st } = await call<{ deployment: Deployment }>(deploys, 'updateDeploymentStatus', {
      deployment: withStatus,
    });
    assert.equal(st.status?.replicas, 3);
    assert.equal(st.spec?.replicas, 5, 'the status endpoint ignores spec changes');
  });

  test('many clients incrementing a counter with read-modify-write-retry lose no increment', async () => {
    const cms = cluster.client('configmaps');
    await call(cms, 'createConfigMap', {
      configMap: { metadata: { name: 'counter', namespace: 'default', annotations: { count: '0' } } },
    });
    const workers = 8;
    const perWorker = 10;
    let conflicts = 0;
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let i = 0; i < perWorker; i++) {
          for (;;) {
            const { configMap } = await call<{
              configMap: { metadata: { annotations: Record<string, string> } };
            }>(cms, 'getConfigMap', {
              namespace: 'default',
              name: 'counter',
            });
            configMap.metadata.annotations.count = String(Number(configMap.metadata.annotations.count) + 1);
            try {
              await call(cms, 'updateConfigMap', { configMap });
              break;
            } catch (err) {
              if (!(err instanceof ApiError) || err.code !== Code.ABORTED) throw err;
              conflicts++;
            }
          }
        }
      }),
    );
    const { configMap } = await call<{ configMap: { metadata: { annotations: Record<string, string> } } }>(
      cms,
      'getConfigMap',
      {
        namespace: 'default',
        name: 'counter',
      },
    );
    assert.equal(Number(configMap.metadata.annotations.count), workers * perWorker);
    assert.ok(conflicts > 0, 'the test produced conflicts, so it checked something');
  });

  test('cluster-scoped kinds take no namespace; dryRun writes nothing', async () => {
    await rejects(
      call(cluster.client('clusterroles'), 'createClusterRole', {
        clusterRole: {
          metadata: { name: 'r', namespace: 'default' },
          rules: [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }],
        },
      }),
      Code.INVALID_ARGUMENT,
      /cluster-scoped/,
    );
    const dry = await call<{ pod: Pod }>(cluster.client('pods'), 'createPod', {
      pod: pod('dry'),
      dryRun: true,
    });
    assert.equal(dry.pod.metadata?.name, 'dry');
    await rejects(
      call(cluster.client('pods'), 'getPod', { namespace: 'default', name: 'dry' }),
      Code.NOT_FOUND,
    );
  });

  test('lists report the snapshot revision', async () => {
    const res = await call<{ metadata: ListMeta; items: Pod[] }>(cluster.client('pods'), 'listPods', {
      namespace: 'default',
    });
    assert.match(res.metadata.resourceVersion, /^[1-9][0-9]*$/);
  });

  test('the apiserver process shows its flags in the process list', () => {
    const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    assert.match(ps, /wheelhouse\.js apiserver --store-servers 127\.0\.0\.1:\d+ .*--secure-port/);
  });
});
