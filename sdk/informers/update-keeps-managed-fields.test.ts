/**
 * Objects from an informer without managed fields, written back through a real
 * apiserver: an update (and a status update) of such an object keeps the managed fields
 * stored, and adds the writer's own, as when the object carried them.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { pod } from '../../test/objects.js';
import { createApiClient } from '../client/dynamic-client.js';
import { connectionFor } from '../client/index.js';
import { type ConfigMap, ConfigMap as ConfigMapFns } from '../gen/wheelhouse/core/v1/config_map.js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import type { KindObject } from '../kind-registry.js';
import { type KindInfo, resolveResource } from '../kinds.js';
import { listWatchOf } from './list-watch.js';
import { SharedInformer } from './shared-informer.js';

const configMaps = resolveResource('configmaps') as KindInfo;
const pods = resolveResource('pods') as KindInfo;

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const managers = (o: KindObject) =>
  (o.metadata?.managedFields ?? []).map((e) => `${e.manager} ${e.operation} ${e.subresource}`.trim()).sort();

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('an update of an object read without managed fields keeps the stored ones', async () => {
  const creator = createApiClient(connectionFor(cluster.admin, { component: 'creator' }));
  const updater = createApiClient(connectionFor(cluster.admin, { component: 'updater' }));
  const ac = new AbortController();
  try {
    await creator.create(
      configMaps,
      ConfigMapFns.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'kept', namespace: 'default', labels: { app: 'web' } },
        data: { a: '1' },
      }),
    );
    await creator.create(pods, pod('kept'));
    const stored = {
      configMap: await creator.get(configMaps, 'default', 'kept'),
      pod: await creator.get(pods, 'default', 'kept'),
    };
    assert.deepEqual(managers(stored.configMap), ['wheelhouse-creator Update']);
    assert.deepEqual(managers(stored.pod), ['wheelhouse-creator Update']);

    const cmInformer = new SharedInformer<ConfigMap>(
      listWatchOf(updater, configMaps, { namespace: 'default', managedFields: false }),
      { name: 'configmaps' },
    );
    const podInformer = new SharedInformer<Pod>(
      listWatchOf(updater, pods, { namespace: 'default', managedFields: false }),
      { name: 'pods' },
    );
    void cmInformer.run(ac.signal);
    void podInformer.run(ac.signal);
    assert.ok(await cmInformer.waitForSync(ac.signal));
    assert.ok(await podInformer.waitForSync(ac.signal));

    const cm = cmInformer.indexer.get('default/kept') as ConfigMap;
    assert.deepEqual(cm.metadata?.managedFields, []);
    assert.deepEqual(cm.data, { a: '1' });
    await updater.update(configMaps, { ...cm, data: { ...cm.data, b: '2' } } as KindObject);

    const p = podInformer.indexer.get('default/kept') as Pod;
    assert.deepEqual(p.metadata?.managedFields, []);
    await updater.updateStatus(pods, { ...p, status: { ...p.status, phase: 'Running' } } as KindObject);

    const after = {
      configMap: await creator.get(configMaps, 'default', 'kept'),
      pod: await creator.get(pods, 'default', 'kept'),
    };
    // The creator's entry is still there: the update's empty list left the stored ones be.
    assert.deepEqual(managers(after.configMap), ['wheelhouse-creator Update', 'wheelhouse-updater Update']);
    assert.deepEqual(managers(after.pod), ['wheelhouse-creator Update', 'wheelhouse-updater Update status']);

    // The informer's copies of the new versions come without them too.
    const seen = await until('the update in the informer', () => {
      const o = cmInformer.indexer.get('default/kept') as ConfigMap | undefined;
      return o?.data.b === '2' ? o : undefined;
    });
    assert.deepEqual(seen.metadata?.managedFields, []);
  } finally {
    ac.abort();
    creator.close();
    updater.close();
  }
});
