/**
 * A term of the ReplicaSet controller ends (its leadership is lost) while its caches are
 * syncing: it must return and create nothing. Before, its workers started anyway — the
 * work queue only hears of an abort that comes after its run() starts — so the term never
 * ended, the controller manager never ran for leader again, and a scale-up stalled for good
 * (seen by `npm run bench:controllers` on a loaded machine, where the Lease is easily lost).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/index.js';
import { apiEventSink, createEventRecorder } from '../../sdk/events/index.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { controllerManagerClients, useCluster } from '../shared/testing.js';
import { runReplicaSetController } from './replica-set-controller.js';

describe('ReplicaSet controller term', { timeout: 60_000 }, () => {
  let clients: Clientset;
  const suite = useCluster({
    prepare: async ({ cluster, signal }) => {
      clients = controllerManagerClients(cluster);
      signal.addEventListener('abort', () => clients.close());
    },
  });

  test('a term that ended while its caches synced starts no workers and returns', async () => {
    await clients.kind<ReplicaSet>('ReplicaSet').create(
      ReplicaSet.fromPartial({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'late', namespace: 'default' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'late' } },
          template: {
            metadata: { labels: { app: 'late' } },
            spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] },
          },
        },
      }),
    );
    // The caches of the term are synced, and the term is already over when the controller
    // gets to start its workers.
    const informers = new InformerFactory(clients.api);
    const pods = informers.informerFor<Pod>('Pod');
    const replicaSets = informers.informerFor<ReplicaSet>('ReplicaSet');
    informers.start(suite.signal);
    assert.ok(await pods.waitForSync(suite.signal));
    assert.ok(await replicaSets.waitForSync(suite.signal));
    const term = new AbortController();
    term.abort();

    const logger = createLogger('controller-manager');
    const run = runReplicaSetController(
      {
        informers,
        clients,
        events: createEventRecorder(apiEventSink(clients.api), { component: 'controller-manager', logger }),
        logger,
        workers: 2,
      },
      term.signal,
    );
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      run.then(() => 'returned'),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('still running 10 s after its term ended'), 10_000);
      }),
    ]);
    clearTimeout(timer);
    assert.equal(outcome, 'returned');
    const created = (await clients.kind<Pod>('Pod').list('default', { labelSelector: 'app=late' })).items;
    assert.deepEqual(
      created.map((p) => p.metadata?.name),
      [],
      'no pod is created by a term that has ended',
    );
  });
});
