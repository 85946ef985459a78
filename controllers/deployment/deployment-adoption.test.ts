import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { controllerOf } from '../../sdk/owner-references.js';
import { waitFor } from '../shared/testing.js';
import { useDeploymentCluster, waitComplete, webDeployment } from './testing.js';

/** A ReplicaSet of `replicas` pods labelled `app`, controlled by `owner` when given. */
function replicaSet(
  name: string,
  app: string,
  replicas: number,
  owner?: { kind: string; name: string; uid: string },
): ReplicaSet {
  return ReplicaSet.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      labels: { app },
      ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', ...owner, controller: true }] } : {}),
    },
    spec: {
      replicas,
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] },
      },
    },
  });
}

describe('Deployment controller: adoption', { timeout: 120_000 }, () => {
  const env = useDeploymentCluster();
  const rsc = () => env.admin.kind<ReplicaSet>('ReplicaSet');

  test('adopts an orphan ReplicaSet its selector matches and leaves one another controller holds', async () => {
    const orphan = await rsc().create(replicaSet('adopt-orphan', 'adopt', 1));
    const foreignOwner = {
      kind: 'Deployment',
      name: 'someone-else',
      uid: 'd6f0c1a2-0000-4000-8000-000000000001',
    };
    await rsc().create(replicaSet('adopt-foreign', 'adopt', 0, foreignOwner));

    const d = await env.admin.kind<Deployment>('Deployment').create(webDeployment('adopt', 2));
    const adopted = await waitFor('the orphan to be adopted', async () => {
      const rs = await rsc().get('default', 'adopt-orphan');
      return controllerOf(rs)?.uid === d.metadata?.uid ? rs : undefined;
    });
    assert.equal(adopted.metadata?.uid, orphan.metadata?.uid);
    const ref = controllerOf(adopted);
    assert.deepEqual([ref?.kind, ref?.name, ref?.blockOwnerDeletion], ['Deployment', 'adopt', true]);

    // The adopted ReplicaSet is an old revision (another template): the rollout scales it away.
    await waitComplete(env.admin, 'adopt');
    const old = await waitFor('the adopted ReplicaSet to be scaled to 0', async () => {
      const rs = await rsc().get('default', 'adopt-orphan');
      return rs.spec?.replicas === 0 ? rs : undefined;
    });
    assert.equal(controllerOf(old)?.uid, d.metadata?.uid);
    const foreign = await rsc().get('default', 'adopt-foreign');
    assert.equal(controllerOf(foreign)?.uid, foreignOwner.uid);
    assert.equal(foreign.spec?.replicas, 0);
  });
});
