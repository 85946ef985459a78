import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { useCluster, waitFor } from '../shared/testing.js';
import {
  edit,
  replicaSetsOf,
  setImage,
  startDeploymentController,
  waitSettled,
  webDeployment,
} from './testing.js';

/**
 * The ReplicaSet controller's status writes landing between the Deployment controller's
 * decision to scale an old ReplicaSet down and its write: the controller runs alone and a
 * status write is made by hand right before each scale-down patch reaches the apiserver.
 */
describe('Deployment controller: a scale-down racing a status write', { timeout: 120_000 }, () => {
  const env = useCluster();
  const rsc = () => env.admin.kind<ReplicaSet>('ReplicaSet');

  /** Reports `rs`'s 4 pods with `available` of them available, as the ReplicaSet controller would. */
  const report = async (name: string, available: number) => {
    const current = await rsc().get('default', name);
    await rsc().updateStatus(
      ReplicaSet.fromPartial({
        ...current,
        status: {
          replicas: 4,
          fullyLabeledReplicas: 4,
          readyReplicas: available,
          availableReplicas: available,
          observedGeneration: current.metadata?.generation ?? '0',
        },
      }),
    );
  };

  /**
   * A rollout of 4 pods with maxSurge 0 and maxUnavailable 1: its first step scales the
   * old ReplicaSet from 4 to 3. `before` runs ahead of every scale-down patch.
   */
  async function rollout(name: string, before: (rsName: string, attempt: number) => Promise<void>) {
    const attempts = new Map<string, number>();
    const controller = startDeploymentController(env.cluster, {
      wrap: (api) => ({
        ...api,
        async patch(info, namespace, rsName, type, patch, opts) {
          const scaleDown =
            info.kind === 'ReplicaSet' &&
            Array.isArray(patch) &&
            patch.some((op) => (op as { path?: string }).path === '/status/availableReplicas');
          if (scaleDown) {
            const attempt = attempts.get(rsName) ?? 0;
            attempts.set(rsName, attempt + 1);
            await before(rsName, attempt);
          }
          return api.patch(info, namespace, rsName, type, patch, opts);
        },
      }),
    });
    const dc = env.admin.kind<Deployment>('Deployment');
    await dc.create(webDeployment(name, 4, { maxSurge: 0, maxUnavailable: 1 }));
    const old = await waitSettled(env.admin, controller, name);
    const oldName = old.metadata?.name ?? '';
    await report(oldName, 4);
    await waitFor('4 available', async () =>
      (await dc.get('default', name)).status?.availableReplicas === 4 ? true : undefined,
    );
    await edit(env.admin, name, setImage('nginx:1.28'));
    return { controller, oldName, attempts, dc };
  }

  test('a status write the step survives: decided again in the same sync, no error', async () => {
    const { controller, oldName, attempts, dc } = await rollout('once', async (rsName, attempt) => {
      // One pod of the old ReplicaSet became unavailable since the step was decided.
      if (attempt === 0) await report(rsName, 3);
    });
    try {
      const old = await waitFor('the old ReplicaSet scaled down', async () => {
        const rs = await rsc().get('default', oldName);
        return rs.spec?.replicas === 3 ? rs : undefined;
      });
      assert.equal(old.status?.availableReplicas, 3);
      assert.equal(attempts.get(oldName), 2, 'refused once, then written');
      assert.equal(
        await controller.counter('controller_runtime_reconcile_errors_total'),
        0,
        'reconcile errors',
      );
      const rss = await replicaSetsOf(env.admin, await dc.get('default', 'once'));
      assert.equal(rss.length, 2);
    } finally {
      await controller.stop();
    }
  });

  test('availability that falls again before the second write is refused: the sync fails, no resize', async () => {
    // The pods available fall before both writes of one sync (3, then 2); the next sync
    // finds them still.
    let sizeAtNextSync: number | undefined;
    const { controller, oldName, attempts } = await rollout('falling', async (rsName, attempt) => {
      if (attempt < 2) await report(rsName, 3 - attempt);
      else if (attempt === 2) sizeAtNextSync = (await rsc().get('default', rsName)).spec?.replicas;
    });
    try {
      await waitFor('the old ReplicaSet scaled down', async () =>
        (await rsc().get('default', oldName)).spec?.replicas === 3 ? true : undefined,
      );
      assert.equal(sizeAtNextSync, 4, 'no resize went through in the sync that failed');
      assert.ok((attempts.get(oldName) ?? 0) >= 3, `${attempts.get(oldName)} writes`);
      assert.equal(
        await controller.counter('controller_runtime_reconcile_errors_total'),
        1,
        'reconcile errors',
      );
    } finally {
      await controller.stop();
    }
  });
});
