/**
 * Losing etcd's quorum: with two members of three down, a write through the apiserver
 * fails with UNAVAILABLE in bounded time (it neither hangs nor half-applies), reads of
 * what was written stay intact, and writes succeed again once a member is back.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { type EtcdCluster, startEtcdCluster } from '../../store/testing/etcd-cluster.js';
import { outcome } from '../outcome.js';
import { skipUnlessInstalled } from '../requirements.js';
import { type HaCluster, startHaCluster } from './ha-cluster.js';
import { eventually } from './processes.js';

// See failures.test.ts: etcd 3.4's own progress notifications, often enough for a test.
process.env.ETCD_EXPERIMENTAL_WATCH_PROGRESS_NOTIFY_INTERVAL ??= '500ms';

describe('etcd quorum loss', { skip: skipUnlessInstalled(['/usr/bin/etcd']) }, () => {
  let etcd: EtcdCluster;
  let cluster: HaCluster;
  let clients: Clientset;

  before(async () => {
    etcd = await startEtcdCluster({ size: 3 });
    cluster = await startHaCluster({ apiservers: 1, stores: 1, storeBackend: etcd.url('/wheelhouse') });
    clients = createClientset(cluster.admin, { component: 'ha-quorum' });
  });
  after(async () => {
    clients?.close();
    await cluster?.stop();
    await etcd?.close();
  });

  const create = (name: string) =>
    clients
      .kind<ConfigMap>('ConfigMap')
      .create(ConfigMap.fromPartial({ metadata: { name, namespace: 'default' }, data: { k: name } }));

  it('refuses writes with UNAVAILABLE without quorum and recovers with it', async () => {
    await create('before');
    const leader = await etcd.leader();
    const down = [0, 1, 2].filter((i) => i !== leader).slice(0, 1);
    down.push(leader);
    for (const i of down) await etcd.kill(i);

    const t0 = Date.now();
    const refused = await outcome(create('during'));
    const took = Date.now() - t0;
    assert.equal(refused.code, 'UNAVAILABLE', refused.message);
    assert.ok(took < 20_000, `the refusal took ${took} ms`);

    for (const i of down) await etcd.restart(i);
    await etcd.healthy();
    await eventually(
      'writes to succeed again',
      async () => (await outcome(create('after'))).code === 'OK' || undefined,
      30_000,
    );
    const got = await clients.kind<ConfigMap>('ConfigMap').get('default', 'before');
    assert.equal(got.data.k, 'before');
    // The refused write did not land later behind the client's back.
    const during = await outcome(clients.kind<ConfigMap>('ConfigMap').get('default', 'during'));
    assert.equal(during.code, 'NOT_FOUND', 'a write refused as UNAVAILABLE was applied');
  });
});
