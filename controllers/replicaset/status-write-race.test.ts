import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { runControllerInProcess, useCluster, waitFor } from '../shared/testing.js';
import { runReplicaSetController } from './replica-set-controller.js';

/**
 * `api` with its ReplicaSet status writes first running `before`: what lands between the
 * controller's read and its write, every attempt of it, as a resize by the Deployment
 * controller does under load.
 */
function interleaving(api: ApiClient, before: () => Promise<void>): ApiClient {
  return {
    ...api,
    async updateStatus(info, obj) {
      if (info.kind === 'ReplicaSet') await before();
      return api.updateStatus(info, obj);
    },
    async patch(info, namespace, name, type, patch, opts) {
      if (info.kind === 'ReplicaSet' && opts?.status) await before();
      return api.patch(info, namespace, name, type, patch, opts);
    },
  };
}

describe('ReplicaSet controller: status writes and spec changes', { timeout: 120_000 }, () => {
  const suite = useCluster();

  test('a spec change before each status write does not fail the sync; status stays exact', async () => {
    const rsc = suite.admin.kind<ReplicaSet>('ReplicaSet');
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
    const controller = runControllerInProcess(
      suite.cluster,
      (ctx) => runReplicaSetController({ ...ctx, workers: 1 }, ctx.signal),
      { wrap: (api) => interleaving(api, changeSpec) },
    );
    const errors = () => controller.counter('controller_runtime_reconcile_errors_total');
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
      await controller.stop();
    }
  });
});
