import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Registry } from 'prom-client';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { type Clientset, createClientset, typedClient } from '../../sdk/client/index.js';
import { apiEventSink } from '../../sdk/events/event-sink.js';
import { createEventRecorder } from '../../sdk/events/index.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { controllerManagerConfig } from '../garbage-collector/testing.js';
import { adminClients, waitFor } from '../shared/testing.js';
import { runReplicaSetController } from './replica-set-controller.js';

/**
 * Clients whose ReplicaSet status writes first run `before`: what lands between the
 * controller's read and its write, every attempt of it, as a resize by the Deployment
 * controller does under load.
 */
function interleaving(clients: Clientset, before: () => Promise<void>): Clientset {
  const api: ApiClient = {
    ...clients.api,
    async updateStatus(info, obj) {
      if (info.kind === 'ReplicaSet') await before();
      return clients.api.updateStatus(info, obj);
    },
    async patch(info, namespace, name, type, patch, opts) {
      if (info.kind === 'ReplicaSet' && opts?.status) await before();
      return clients.api.patch(info, namespace, name, type, patch, opts);
    },
  };
  return { api, kind: (kind) => typedClient(api, kind), close: () => clients.close() };
}

describe('ReplicaSet controller: status writes and spec changes', { timeout: 120_000 }, () => {
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

  test('a spec change before each status write does not fail the sync; status stays exact', async () => {
    const logger = createLogger('controller-manager', { level: 'warn' });
    const registry = new Registry();
    const rsc = admin.kind<ReplicaSet>('ReplicaSet');
    // The first writes each find the spec changed since the read (a new template
    // annotation: a new generation, the same pods); later ones find it as read.
    let changes = 0;
    const changeSpec = async () => {
      if (changes >= 3) return;
      changes++;
      const current = await rsc.get('default', 'raced');
      const template = current.spec?.template;
      if (template?.metadata)
        template.metadata.annotations = { ...template.metadata.annotations, change: String(changes) };
      await rsc.update(current);
    };
    const base = createClientset(controllerManagerConfig(cluster), { component: 'controller-manager' });
    const clients = interleaving(base, changeSpec);
    const informers = new InformerFactory(base.api, { logger });
    const events = createEventRecorder(apiEventSink(base.api), { component: 'controller-manager', logger });
    const stop = new AbortController();
    informers.start(stop.signal);
    const running = runReplicaSetController(
      { informers, clients, events, logger, registry, workers: 1 },
      stop.signal,
    );
    const errors = async () =>
      (await registry.getSingleMetric('controller_runtime_reconcile_errors_total')?.get())?.values.reduce(
        (a, v) => a + v.value,
        0,
      ) ?? 0;
    try {
      await rsc.create(
        ReplicaSet.fromPartial({
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: { name: 'raced', namespace: 'default' },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'raced' } },
            template: {
              metadata: { labels: { app: 'raced' } },
              spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
            },
          },
        }),
      );
      const settled = await waitFor(
        'status of 2 pods at the last generation',
        async () => {
          const rs = await rsc.get('default', 'raced');
          const s = rs.status;
          return changes === 3 &&
            s?.replicas === 2 &&
            s.fullyLabeledReplicas === 2 &&
            s.observedGeneration === rs.metadata?.generation
            ? rs
            : undefined;
        },
        {
          timeoutMs: 60_000,
          describe: async () => `spec changes ${changes}, reconcile errors ${await errors()}`,
        },
      );
      assert.equal(settled.metadata?.generation, '4', 'three spec changes after the create');
      assert.deepEqual(settled.status?.conditions, [], 'no ReplicaFailure');
      assert.equal(await errors(), 0, 'reconcile errors (status writes that conflicted with a spec change)');
    } finally {
      stop.abort();
      await running;
      await events.flush();
      base.close();
    }
  });
});
