import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { type Clientset, createClientset } from '../../sdk/client/index.js';
import { apiEventSink } from '../../sdk/events/event-sink.js';
import { createEventRecorder } from '../../sdk/events/index.js';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { controllerManagerConfig } from '../garbage-collector/testing.js';
import { adminClients, waitFor } from '../shared/testing.js';
import { runDeploymentController } from './deployment-controller.js';
import { holdingDeploymentWatch, replicaSetsOf, webDeployment } from './testing.js';

describe('Deployment controller: a sync reads its own last write', { timeout: 120_000 }, () => {
  let cluster: Cluster;
  let admin: Clientset;
  before(async () => {
    cluster = await startCluster();
    admin = adminClients(cluster);
  });
  after(async () => {
    admin?.close();
    await cluster?.stop();
  });

  test('two status writes in a row before the watch shows the first: no conflict', async () => {
    const logger = createLogger('controller-manager', { level: 'warn' });
    const registry = new Registry();
    const clients = createClientset(controllerManagerConfig(cluster), { component: 'controller-manager' });
    const watch = holdingDeploymentWatch(clients.api);
    const informers = new InformerFactory(watch.client, { logger });
    const events = createEventRecorder(apiEventSink(clients.api), {
      component: 'controller-manager',
      logger,
    });
    const stop = new AbortController();
    informers.start(stop.signal);
    const running = runDeploymentController(
      { informers, clients: { ...clients, api: watch.client }, events, logger, registry, workers: 1 },
      stop.signal,
    );
    const dc = admin.kind<Deployment>('Deployment');
    const rsc = admin.kind<ReplicaSet>('ReplicaSet');
    const cached = () => informers.informerFor<Deployment>('Deployment').indexer.get('default/twice');
    const errors = async () =>
      (await registry.getSingleMetric('controller_runtime_reconcile_errors_total')?.get())?.values.reduce(
        (a, v) => a + v.value,
        0,
      ) ?? 0;
    try {
      await dc.create(webDeployment('twice', 2));
      // Settled: the ReplicaSet made, the status written, and the informer showing it all.
      const rs = await waitFor('the ReplicaSet and a settled Deployment', async () => {
        const d = await dc.get('default', 'twice');
        const [made] = await replicaSetsOf(admin, d);
        const rv = d.metadata?.resourceVersion;
        if (!made || d.status?.observedGeneration !== d.metadata?.generation) return undefined;
        await new Promise((r) => setTimeout(r, 300));
        const again = await dc.get('default', 'twice');
        return again.metadata?.resourceVersion === rv && cached()?.metadata?.resourceVersion === rv
          ? made
          : undefined;
      });
      const seen = cached()?.metadata?.resourceVersion;
      watch.hold();

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
      watch.release();
      stop.abort();
      await running;
      await events.flush();
      clients.close();
    }
  });
});
