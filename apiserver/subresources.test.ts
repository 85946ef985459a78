import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../sdk/errors.js';
import type { Scale } from '../sdk/gen/wheelhouse/apps/v1/scale.js';
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Event } from '../sdk/gen/wheelhouse/core/v1/event.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { GetPodLogsRequest } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { deployment, pod } from '../test/objects.js';
import { watch } from '../test/watch.js';

async function code(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return { code: Code[err.code] ?? String(err.code), message: err.message };
    throw err;
  }
  return { code: 'OK', message: '' };
}

describe('apiserver: subresources and deletion', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ apiserverArgs: ['--event-ttl', '2s'] });
  });
  after(() => cluster.stop());

  test('binding sets spec.nodeName once, with the PodScheduled condition', async () => {
    const pods = cluster.client('pods');
    await call(pods, 'createPod', { pod: pod('bind-me') });
    const binding = {
      metadata: { name: 'bind-me', namespace: 'default' },
      target: { kind: 'Node', name: 'node-1' },
    };
    const { pod: bound } = await call<{ pod: Pod }>(pods, 'bindPod', { binding });
    assert.equal(bound.spec?.nodeName, 'node-1');
    const scheduled = bound.status?.conditions.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');
    const again = await code(
      call(pods, 'bindPod', { binding: { ...binding, target: { kind: 'Node', name: 'node-2' } } }),
    );
    assert.equal(again.code, 'FAILED_PRECONDITION');
    assert.match(again.message, /already assigned to node "node-1"/);
    // The main endpoint cannot move it either.
    const moved = structuredClone(bound);
    moved.spec!.nodeName = 'node-2';
    assert.equal((await code(call(pods, 'updatePod', { pod: moved }))).code, 'INVALID_ARGUMENT');
    // A binding that names another uid is for a pod this one replaced.
    await call(pods, 'createPod', { pod: pod('replaced') });
    const stale = await code(
      call(pods, 'bindPod', {
        binding: {
          metadata: { name: 'replaced', namespace: 'default', uid: 'not-its-uid' },
          target: { kind: 'Node', name: 'node-1' },
        },
      }),
    );
    assert.equal(stale.code, 'ABORTED');
    assert.match(stale.message, /names pod uid not-its-uid/);
  });

  test('pod status: the status endpoint changes only status, the main endpoint never does', async () => {
    const pods = cluster.client('pods');
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: pod('status-me') });
    const withStatus = structuredClone(created);
    withStatus.status = { ...withStatus.status!, phase: 'Running', podIp: '10.0.0.7' };
    withStatus.metadata!.labels = { sneaky: 'yes' };
    const { pod: st } = await call<{ pod: Pod }>(pods, 'updatePodStatus', { pod: withStatus });
    assert.equal(st.status?.phase, 'Running');
    assert.equal(st.status?.podIp, '10.0.0.7');
    assert.deepEqual(st.metadata?.labels, { app: 'web' }, 'labels are not changed through status');
    const viaMain = structuredClone(st);
    viaMain.status!.phase = 'Failed';
    viaMain.spec!.containers[0]!.image = 'nginx:1.28';
    const { pod: main } = await call<{ pod: Pod }>(pods, 'updatePod', { pod: viaMain });
    assert.equal(main.status?.phase, 'Running');
    assert.equal(main.spec?.containers[0]?.image, 'nginx:1.28', 'the image may change');
  });

  test('scale reads and writes replicas of Deployments and ReplicaSets', async () => {
    const deploys = cluster.client('deployments');
    await call(deploys, 'createDeployment', { deployment: deployment('scaled', 2) });
    const { scale } = await call<{ scale: Scale }>(deploys, 'getDeploymentScale', {
      namespace: 'default',
      name: 'scaled',
    });
    assert.equal(scale.spec?.replicas, 2);
    assert.equal(scale.status?.selector, 'app=scaled');
    scale.spec!.replicas = 7;
    const { scale: updated } = await call<{ scale: Scale }>(deploys, 'updateDeploymentScale', { scale });
    assert.equal(updated.spec?.replicas, 7);
    assert.equal(
      (await code(call(deploys, 'updateDeploymentScale', { scale }))).code,
      'ABORTED',
      'stale scale resourceVersion',
    );
    const neg = { ...updated, spec: { replicas: -1 } };
    assert.equal(
      (await code(call(deploys, 'updateDeploymentScale', { scale: neg }))).code,
      'INVALID_ARGUMENT',
    );
  });

  test('pod logs: a pod without a node, or whose node has no kubelet registered, is answered clearly', async () => {
    const pods = cluster.client('pods');
    const stream = (name: string) =>
      new Promise<string>((resolve) => {
        const s = (pods as unknown as { getPodLogs(r: unknown): NodeJS.EventEmitter }).getPodLogs(
          GetPodLogsRequest.fromPartial({ namespace: 'default', name }),
        );
        s.on('data', () => undefined);
        s.on('error', (e: { code: number; details: string }) => resolve(`${Code[e.code]}: ${e.details}`));
        s.on('end', () => resolve('OK'));
      });
    assert.match(await stream('bind-me'), /^UNAVAILABLE: .*node-1/);
    await call(pods, 'createPod', { pod: pod('unbound-logs') });
    assert.match(await stream('unbound-logs'), /^FAILED_PRECONDITION: .*host assigned/);
  });

  test('graceful deletion: a bound pod stays with a deletionTimestamp until its node confirms; an unbound one goes at once', async () => {
    const pods = cluster.client('pods');
    const { pod: gone } = await call<{ pod: Pod }>(pods, 'deletePod', {
      namespace: 'default',
      name: 'unbound-logs',
    });
    assert.equal(gone.metadata?.name, 'unbound-logs');
    assert.equal(
      (await code(call(pods, 'getPod', { namespace: 'default', name: 'unbound-logs' }))).code,
      'NOT_FOUND',
    );

    const { pod: marked } = await call<{ pod: Pod }>(pods, 'deletePod', {
      namespace: 'default',
      name: 'bind-me',
    });
    assert.ok(marked.metadata?.deletionTimestamp, 'deletionTimestamp set');
    assert.equal(marked.metadata?.deletionGracePeriodSeconds, '30');
    const { pod: still } = await call<{ pod: Pod }>(pods, 'getPod', {
      namespace: 'default',
      name: 'bind-me',
    });
    assert.ok(still.metadata?.deletionTimestamp);
    // The kubelet confirms with a zero grace period.
    await call(pods, 'deletePod', {
      namespace: 'default',
      name: 'bind-me',
      options: { gracePeriodSeconds: 0 },
    });
    assert.equal(
      (await code(call(pods, 'getPod', { namespace: 'default', name: 'bind-me' }))).code,
      'NOT_FOUND',
    );
  });

  test('finalizers hold an object until they are empty; preconditions guard deletes', async () => {
    const cms = cluster.client('configmaps');
    const { configMap } = await call<{ configMap: ConfigMap }>(cms, 'createConfigMap', {
      configMap: {
        metadata: { name: 'held', namespace: 'default', finalizers: ['example.com/hold'] },
        data: { a: '1' },
      },
    });
    const wrongUid = await code(
      call(cms, 'deleteConfigMap', {
        namespace: 'default',
        name: 'held',
        options: { preconditions: { uid: 'nope' } },
      }),
    );
    assert.equal(wrongUid.code, 'ABORTED');
    assert.match(wrongUid.message, /Precondition failed: UID/);
    const { configMap: marked } = await call<{ configMap: ConfigMap }>(cms, 'deleteConfigMap', {
      namespace: 'default',
      name: 'held',
      options: {
        preconditions: { uid: configMap.metadata!.uid, resourceVersion: configMap.metadata!.resourceVersion },
      },
    });
    assert.ok(marked.metadata?.deletionTimestamp);
    assert.deepEqual(marked.metadata?.finalizers, ['example.com/hold']);
    marked.metadata!.finalizers = [];
    await call(cms, 'updateConfigMap', { configMap: marked });
    assert.equal(
      (await code(call(cms, 'getConfigMap', { namespace: 'default', name: 'held' }))).code,
      'NOT_FOUND',
    );
  });

  test('propagation policies: Orphan and Foreground hold the owner through their finalizers; Background deletes it', async () => {
    const deploys = cluster.client('deployments');
    for (const name of ['orphan-me', 'fg-me', 'bg-me'])
      await call(deploys, 'createDeployment', { deployment: deployment(name) });
    const orphan = await call<{
      deployment: { metadata: { finalizers: string[]; deletionTimestamp?: Date } };
    }>(deploys, 'deleteDeployment', {
      namespace: 'default',
      name: 'orphan-me',
      options: { propagationPolicy: 'Orphan' },
    });
    assert.deepEqual(orphan.deployment.metadata.finalizers, ['orphan']);
    const fg = await call<{ deployment: { metadata: { finalizers: string[] } } }>(
      deploys,
      'deleteDeployment',
      {
        namespace: 'default',
        name: 'fg-me',
        options: { propagationPolicy: 'Foreground' },
      },
    );
    assert.deepEqual(fg.deployment.metadata.finalizers, ['foregroundDeletion']);
    await call(deploys, 'deleteDeployment', {
      namespace: 'default',
      name: 'bg-me',
      options: { propagationPolicy: 'Background' },
    });
    assert.equal(
      (await code(call(deploys, 'getDeployment', { namespace: 'default', name: 'bg-me' }))).code,
      'NOT_FOUND',
    );
    const bad = await code(
      call(deploys, 'deleteDeployment', {
        namespace: 'default',
        name: 'fg-me',
        options: { propagationPolicy: 'Sideways' },
      }),
    );
    assert.equal(bad.code, 'INVALID_ARGUMENT');
  });

  test('dryRun on every write changes nothing', async () => {
    const cms = cluster.client('configmaps');
    const { configMap } = await call<{ configMap: ConfigMap }>(cms, 'createConfigMap', {
      configMap: { metadata: { name: 'dry', namespace: 'default' }, data: { a: '1' } },
    });
    configMap.data = { a: '2' };
    await call(cms, 'updateConfigMap', { configMap, dryRun: true });
    await call(cms, 'deleteConfigMap', { namespace: 'default', name: 'dry', options: { dryRun: true } });
    const { configMap: after } = await call<{ configMap: ConfigMap }>(cms, 'getConfigMap', {
      namespace: 'default',
      name: 'dry',
    });
    assert.deepEqual(after.data, { a: '1' });
    assert.equal(after.metadata?.resourceVersion, configMap.metadata?.resourceVersion);
  });

  test('events expire after their time-to-live', async () => {
    const events = cluster.client('events');
    const w = watch<Event>(events, 'watchEvents', { namespace: 'default', options: {} });
    await w.started();
    await call(events, 'createEvent', {
      event: {
        metadata: { name: 'ev-1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'x', namespace: 'default', apiVersion: 'v1' },
        reason: 'Tested',
        message: 'an event that expires',
        type: 'Normal',
      },
    });
    const seen = await w.until((e) => e.some((x) => x.type === 'DELETED'), 15_000);
    assert.deepEqual(
      seen.map((e) => e.type),
      ['ADDED', 'DELETED'],
    );
    w.cancel();
    assert.equal(
      (await code(call(events, 'getEvent', { namespace: 'default', name: 'ev-1' }))).code,
      'NOT_FOUND',
    );
  });
});
