import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { useCluster, waitFor } from '../shared/testing.js';
import { startDeploymentController, waitSettled, webDeployment } from './testing.js';

describe('Deployment controller: a sync reads its own last write', { timeout: 120_000 }, () => {
  const env = useCluster();

  test('two status writes in a row before the watch shows the first: no conflict', async () => {
    const controller = startDeploymentController(env.cluster);
    const dc = env.admin.kind<Deployment>('Deployment');
    const rsc = env.admin.kind<ReplicaSet>('ReplicaSet');
    const cached = () =>
      controller.informers.informerFor<Deployment>('Deployment').indexer.get('default/twice');
    const errors = () => controller.counter('controller_runtime_reconcile_errors_total');
    try {
      await dc.create(webDeployment('twice', 2));
      // Settled: the ReplicaSet made, the status written, and the informer showing it all.
      const rs = await waitSettled(env.admin, controller, 'twice');
      const seen = cached()?.metadata?.resourceVersion;
      controller.watch.hold();

      // The ReplicaSet controller's part, by hand: each status change of the ReplicaSet
      // queues a sync of the Deployment, which writes its status.
      const report = async (available: number) => {
        const current = await rsc.get('default', rs.metadata?.name ?? '');
        await rsc.updateStatus(
          ReplicaSet.fromPartial({
            ...current,
            status: {
              replicas: 2,
              fullyLabeledReplicas: 2,
              readyReplicas: available,
              availableReplicas: available,
              observedGeneration: current.metadata?.generation ?? '0',
            },
          }),
        );
        await waitFor(
          `the Deployment's status to show ${available} available`,
          async () =>
            (await dc.get('default', 'twice')).status?.availableReplicas === available ? true : undefined,
          { timeoutMs: 10_000, describe: async () => `reconcile errors: ${await errors()}` },
        );
      };
      await report(1);
      await report(2);
      assert.equal(cached()?.metadata?.resourceVersion, seen, 'the informer did not see the writes');
      assert.equal(await errors(), 0, 'reconcile errors (conflicts with its own writes)');
    } finally {
      await controller.stop();
    }
  });
});
