/**
 * managedFields recorded by writes through subresources, through real store and
 * apiserver processes over gRPC, as Kubernetes records them: the status subresource an
 * Update entry with subresource "status"; scale an Update entry with subresource
 * "scale" owning spec.replicas (the parent's apiVersion, no time), taken from its
 * previous owner; a binding nothing at all.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ManagedFieldsEntry } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { treeOfFieldsV1 as treeOf } from '../../sdk/patch/fields-v1.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { deployment, pod } from '../../test/objects.js';

type Tree = Record<string, object> | undefined;

const managed = (o: { metadata?: { managedFields: ManagedFieldsEntry[] } }) =>
  o.metadata?.managedFields ?? [];

describe('apiserver: managedFields of subresource writes', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('scale: spec.replicas passes to an Update entry with subresource "scale"', async () => {
    const deploys = cluster.client('deployments');
    const { deployment: created } = await call<{ deployment: Deployment }>(deploys, 'createDeployment', {
      deployment: deployment('scaled', 2),
    });
    const [creator] = managed(created);
    assert.ok(
      creator && 'f:replicas' in ((treeOf(creator.fieldsV1) as Tree)?.['f:spec'] ?? {}),
      'the creator owns spec.replicas',
    );

    await call(deploys, 'updateDeploymentScale', {
      scale: { metadata: { name: 'scaled', namespace: 'default' }, spec: { replicas: 5 } },
    });
    const { deployment: scaled } = await call<{ deployment: Deployment }>(deploys, 'getDeployment', {
      namespace: 'default',
      name: 'scaled',
    });
    assert.equal(scaled.spec?.replicas, 5);
    const entries = managed(scaled);
    const scaleEntry = entries.find((e) => e.subresource === 'scale');
    assert.ok(scaleEntry, `an entry with subresource "scale": ${JSON.stringify(entries)}`);
    assert.equal(scaleEntry.operation, 'Update');
    // Named after the client's user agent, as every other write is.
    assert.equal(scaleEntry.manager, creator.manager);
    assert.equal(scaleEntry.apiVersion, 'apps/v1');
    assert.equal(scaleEntry.time, undefined, 'Kubernetes records no time for the scale subresource');
    assert.deepEqual(treeOf(scaleEntry.fieldsV1), { 'f:spec': { 'f:replicas': {} } });
    const after = entries.find((e) => e.manager === creator.manager && e.subresource === '');
    assert.ok(after, 'the creator keeps its other fields');
    assert.ok(
      !('f:replicas' in ((treeOf(after.fieldsV1) as Tree)?.['f:spec'] ?? {})),
      'spec.replicas is no longer the creator’s',
    );
    assert.deepEqual(after.time, creator.time, 'the creator’s entry is otherwise as it was');

    // The same replicas again changes nothing: no write, no new entry.
    await call(deploys, 'updateDeploymentScale', {
      scale: { metadata: { name: 'scaled', namespace: 'default' }, spec: { replicas: 5 } },
    });
    const { deployment: again } = await call<{ deployment: Deployment }>(deploys, 'getDeployment', {
      namespace: 'default',
      name: 'scaled',
    });
    assert.equal(again.metadata?.resourceVersion, scaled.metadata?.resourceVersion);
    assert.deepEqual(managed(again), entries);
  });

  test('status: an Update entry with subresource "status" owning what it changed', async () => {
    const pods = cluster.client('pods');
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: pod('status-owner') });
    const status = { ...created, status: { ...created.status, phase: 'Running', podIp: '10.0.0.9' } };
    const { pod: updated } = await call<{ pod: Pod }>(pods, 'updatePodStatus', { pod: status });
    const entry = managed(updated).find((e) => e.subresource === 'status');
    assert.ok(entry, `an entry with subresource "status": ${JSON.stringify(managed(updated))}`);
    assert.equal(entry.operation, 'Update');
    assert.deepEqual(treeOf(entry.fieldsV1), { 'f:status': { 'f:phase': {}, 'f:podIP': {} } });
    assert.ok(entry.time instanceof Date && entry.time.getMilliseconds() === 0, 'time to the whole second');
  });

  test('binding: spec.nodeName is set with no managedFields entry, as Kubernetes binds', async () => {
    const pods = cluster.client('pods');
    const { pod: created } = await call<{ pod: Pod }>(pods, 'createPod', { pod: pod('bound') });
    const { pod: bound } = await call<{ pod: Pod }>(pods, 'bindPod', {
      binding: {
        metadata: { name: 'bound', namespace: 'default' },
        target: { kind: 'Node', name: 'node-1' },
      },
    });
    assert.equal(bound.spec?.nodeName, 'node-1');
    assert.deepEqual(managed(bound), managed(created));
  });
});
