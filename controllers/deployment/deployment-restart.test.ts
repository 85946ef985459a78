import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { listPods, waitFor } from '../shared/testing.js';
import {
  edit,
  replicaSetsOf,
  setImage,
  useDeploymentCluster,
  waitComplete,
  webDeployment,
} from './testing.js';

describe('Deployment controller: convergence after SIGKILL', { timeout: 180_000 }, () => {
  const env = useDeploymentCluster({ controllers: '*' });
  const dc = () => env.admin.kind<Deployment>('Deployment');

  /** Exactly `replicas` pods, all of the current template's ReplicaSet, and no other ReplicaSet with pods. */
  async function assertConverged(name: string, replicas: number, image: string) {
    const d = await waitComplete(env.admin, name, 40_000).catch(async (err: unknown) => {
      const x = await dc().get('default', name);
      const rss = (await replicaSetsOf(env.admin, x)).map((rs) => ({
        name: rs.metadata?.name,
        spec: rs.spec?.replicas,
        status: rs.status,
      }));
      const pods = (await listPods(env.admin, 'default', `app=${name}`)).map(
        (p) => `${p.metadata?.name} ${p.status?.phase}`,
      );
      throw new Error(
        `${(err as Error).message}\n${JSON.stringify(rss)}\n${pods.join('\n')}\n${env.cm.output().slice(-3000)}`,
      );
    });
    const pods = await listPods(env.admin, 'default', `app=${name}`);
    assert.equal(pods.length, replicas, 'no duplicate pods, none left over');
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === image));
    const rss = await replicaSetsOf(env.admin, d);
    const active = rss.filter((rs) => (rs.spec?.replicas ?? 0) > 0);
    assert.equal(active.length, 1);
    assert.equal(active[0]?.status?.replicas, replicas);
    assert.equal(new Set(pods.map((p) => p.metadata?.ownerReferences[0]?.uid)).size, 1);
  }

  test('the controller manager killed mid-rollout: its successor finishes it', async () => {
    await dc().create(webDeployment('cmkill', 12, { maxSurge: 4, maxUnavailable: 2 }));
    await waitComplete(env.admin, 'cmkill');
    await edit(env.admin, 'cmkill', setImage('nginx:1.28'));
    await waitFor('rollout under way', async () => {
      const pods = await listPods(env.admin, 'default', 'app=cmkill');
      return pods.some((p) => p.spec?.containers[0]?.image === 'nginx:1.28') ? true : undefined;
    });
    // The successor waits out the dead leader's Lease (3 s in tests), then takes over.
    await env.restartControllerManager('SIGKILL');
    await assertConverged('cmkill', 12, 'nginx:1.28');
  });

  test('the apiserver killed mid-rollout: the controllers resume when it returns', async () => {
    await dc().create(webDeployment('apikill', 12, { maxSurge: 4, maxUnavailable: 2 }));
    await waitComplete(env.admin, 'apikill');
    await edit(env.admin, 'apikill', setImage('nginx:1.28'));
    await waitFor('rollout under way', async () => {
      const pods = await listPods(env.admin, 'default', 'app=apikill');
      return pods.some((p) => p.spec?.containers[0]?.image === 'nginx:1.28') ? true : undefined;
    });
    await env.cluster.restartApiserver({ signal: 'SIGKILL' });
    await assertConverged('apikill', 12, 'nginx:1.28');
  });
});
