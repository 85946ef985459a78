/**
 * The garbage collector and the namespace controller through the real
 * `wheelhouse controller-manager` process, with its own identity and leader election.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { controllerRef } from '../../sdk/owner-references.js';
import { deployment } from '../../test/objects.js';
import { isGone, useCluster, waitFor } from '../shared/testing.js';

describe('garbage collector and namespace controller in the controller manager', { timeout: 120_000 }, () => {
  const suite = useCluster({ controllerManager: ['--controllers', 'garbage-collector,namespace'] });

  it('a foreground delete of a Deployment completes once its ReplicaSet is gone', async () => {
    const d = await suite.admin.kind<Deployment>('Deployment').create(deployment('web'));
    const rss = suite.admin.kind<ReplicaSet>('ReplicaSet');
    await rss.create(
      ReplicaSet.fromPartial({
        metadata: {
          name: 'web-1',
          namespace: 'default',
          ownerReferences: [{ ...controllerRef(d), apiVersion: 'apps/v1', kind: 'Deployment' }],
        },
        spec: {
          replicas: 0,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'c', image: 'nginx' }] },
          },
        },
      }),
    );
    await suite.admin
      .kind<Deployment>('Deployment')
      .delete('default', 'web', { propagationPolicy: 'Foreground' });
    await waitFor(
      'the Deployment to go',
      async () => ((await isGone(suite.admin.kind('Deployment').get('default', 'web'))) ? true : undefined),
      { timeoutMs: 60_000 },
    ).catch((err: unknown) => assert.fail(`${String(err)}\n${suite.cm.output().slice(-3000)}`));
    assert.ok(await isGone(rss.get('default', 'web-1')));
  });

  it('a deleted namespace is emptied and goes', async () => {
    const namespaces = suite.admin.kind<Namespace>('Namespace');
    await namespaces.create(Namespace.fromPartial({ metadata: { name: 'scratch' } }));
    await suite.admin
      .kind<ConfigMap>('ConfigMap')
      .create(ConfigMap.fromPartial({ metadata: { name: 'c', namespace: 'scratch' } }));
    await namespaces.delete('', 'scratch');
    await waitFor(
      'the namespace to go',
      async () => ((await isGone(namespaces.get('', 'scratch'))) ? true : undefined),
      { timeoutMs: 60_000 },
    ).catch((err: unknown) => assert.fail(`${String(err)}\n${suite.cm.output().slice(-3000)}`));
  });
});
