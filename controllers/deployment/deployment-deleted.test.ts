import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import { type Clientset, createClientset } from '../../sdk/client/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
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

describe('Deployment controller: a Deployment deleted under a sync', { timeout: 120_000 }, () => {
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

  test('a status write that finds it gone ends the sync without an error', async () => {
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
    const cached = () => informers.informerFor<Deployment>('Deployment').indexer.get('default/doomed');
    const counter = async (name: string) =>
      (await registry.getSingleMetric(name)?.get())?.values.reduce((a, v) => a + v.value, 0) ?? 0;
    try {
      await dc.create(webDeployment('doomed', 2));
      const rs = await waitFor('the ReplicaSet and a settled Deployment', async () => {
        const d = await dc.get('default', 'doomed');
        const [made] = await replicaSetsOf(admin, d);
        const rv = d.metadata?.resourceVersion;
        if (!made || d.status?.observedGeneration !== d.metadata?.generation) return undefined;
        await new Promise((r) => setTimeout(r, 300));
        const again = await dc.get('default', 'doomed');
        return again.metadata?.resourceVersion === rv && cached()?.metadata?.resourceVersion === rv
          ? made
          : undefined;
      });

      // The informer keeps showing the Deployment after its deletion.
      watch.hold();
      await dc.delete('default', 'doomed');
      await assert.rejects(
        dc.get('default', 'doomed'),
        (e) => e instanceof ApiError && e.code === Code.NOT_FOUND,
      );
      assert.ok(cached(), 'the informer still holds the deleted Deployment');

      // A status change of its ReplicaSet queues a sync, which writes the Deployment's status.
      const syncs = await counter('controller_runtime_reconcile_total');
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
        (await counter('controller_runtime_reconcile_total')) > syncs ? true : undefined,
      );
      assert.equal(await counter('controller_runtime_reconcile_errors_total'), 0, 'reconcile errors');
    } finally {
      watch.release();
      stop.abort();
      await running;
      await events.flush();
      clients.close();
    }
  });
});
