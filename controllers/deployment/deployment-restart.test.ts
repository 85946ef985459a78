import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import {
  adminClients,
  type ControllerManagerProcess,
  listPods,
  startControllerManager,
  startPodReadier,
  waitFor,
} from '../shared/testing.js';
import { edit, replicaSetsOf, setImage, waitComplete, webDeployment } from './testing.js';

describe('Deployment controller: convergence after SIGKILL', { timeout: 180_000 }, () => {
  let cluster: Cluster;
  let cm: ControllerManagerProcess | undefined;
  let clients: Clientset;
  const stop = new AbortController();
  const dc = () => clients.kind<Deployment>('Deployment');

  /** Exactly `replicas` pods, all of the current template's ReplicaSet, and no other ReplicaSet with pods. */
  async function assertConverged(name: string, replicas: number, image: string) {
    const d = await waitComplete(clients, name, 40_000).catch(async (err: unknown) => {
      const x = await dc().get('default', name);
      const rss = (await replicaSetsOf(clients, x)).map((rs) => ({
        name: rs.metadata?.name,
        spec: rs.spec?.replicas,
        status: rs.status,
      }));
      const pods = (await listPods(clients, 'default', `app=${name}`)).map(
        (p) => `${p.metadata?.name} ${p.status?.phase}`,
      );
      throw new Error(
        `${(err as Error).message}\n${JSON.stringify(rss)}\n${pods.join('\n')}\n${cm?.output().slice(-3000)}`,
      );
    });
    const pods = await listPods(clients, 'default', `app=${name}`);
    assert.equal(pods.length, replicas, 'no duplicate pods, none left over');
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === image));
    const rss = await replicaSetsOf(clients, d);
    const active = rss.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    assert.equal(active.length, 1);
    assert.equal(active[0]?.status?.replicas, replicas);
    assert.equal(new Set(pods.map((p) => p.metadata?.ownerReferences[0]?.uid)).size, 1);
  }

  before(async () => {
    cluster = await startCluster();
    cm = await startControllerManager(cluster);
    clients = adminClients(cluster);
    await startPodReadier(clients, 'default', stop.signal);
  });
  after(async () => {
    stop.abort();
    clients?.close();
    await cm?.stop();
    await cluster?.stop();
  });

  test('the controller manager killed mid-rollout: its successor finishes it', async () => {
    await dc().create(webDeployment('cmkill', 12, { maxSurge: 4, maxUnavailable: 2 }));
    await waitComplete(clients, 'cmkill');
    await edit(clients, 'cmkill', setImage('nginx:1.28'));
    await waitFor('rollout under way', async () => {
      const pods = await listPods(clients, 'default', 'app=cmkill');
      return pods.some((p) => p.spec?.containers[0]?.image === 'nginx:1.28') ? true : undefined;
    });
    await cm?.stop('SIGKILL');
    // The successor waits out the dead leader's Lease (3 s in tests), then takes over.
    cm = await startControllerManager(cluster);
    await assertConverged('cmkill', 12, 'nginx:1.28');
  });

  test('the apiserver killed mid-rollout: the controllers resume when it returns', async () => {
    await dc().create(webDeployment('apikill', 12, { maxSurge: 4, maxUnavailable: 2 }));
    await waitComplete(clients, 'apikill');
    await edit(clients, 'apikill', setImage('nginx:1.28'));
    await waitFor('rollout under way', async () => {
      const pods = await listPods(clients, 'default', 'app=apikill');
      return pods.some((p) => p.spec?.containers[0]?.image === 'nginx:1.28') ? true : undefined;
    });
    await cluster.restartApiserver({ signal: 'SIGKILL' });
    await assertConverged('apikill', 12, 'nginx:1.28');
  });
});
