import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { useCluster, waitFor } from '../shared/testing.js';
import { startDeploymentController, waitSettled, webDeployment } from './testing.js';

describe('Deployment controller: a Deployment deleted under a sync', { timeout: 120_000 }, () => {
  const env = useCluster();

  test('a status write that finds it gone ends the sync without an error', async () => {
    const controller = startDeploymentController(env.cluster);
    const dc = env.admin.kind<Deployment>('Deployment');
    const rsc = env.admin.kind<ReplicaSet>('ReplicaSet');
    const cached = () =>
      controller.informers.informerFor<Deployment>('Deployment').indexer.get('default/doomed');
    try {
      await dc.create(webDeployment('doomed', 2));
      const rs = await waitSettled(env.admin, controller, 'doomed');

      // The informer keeps showing the Deployment after its deletion.
      controller.watch.hold();
      await dc.delete('default', 'doomed');
      await assert.rejects(
        dc.get('default', 'doomed'),
        (e) => e instanceof ApiError && e.code === Code.NOT_FOUND,
      );
      assert.ok(cached(), 'the informer still holds the deleted Deployment');

      // A status change of its ReplicaSet queues a sync, which writes the Deployment's status.
      const syncs = await controller.counter('controller_runtime_reconcile_total');
      const current = await rsc.get('default', rs.metadata?.name ?? '');
      await rsc.updateStatus(
        ReplicaSet.fromPartial({
          ...current,
          status: {
            replicas: 2,
            fullyLabeledReplicas: 2,
            readyReplicas: 1,
            availableReplicas: 1,
            observedGeneration: current.metadata?.generation ?? '0',
          },
        }),
      );
      await waitFor('a sync of the deleted Deployment', async () =>
        (await controller.counter('controller_runtime_reconcile_total')) > syncs ? true : undefined,
      );
      assert.equal(
        await controller.counter('controller_runtime_reconcile_errors_total'),
        0,
        'reconcile errors',
      );
    } finally {
      await controller.stop();
    }
  });
});
