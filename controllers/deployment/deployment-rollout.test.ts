import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import { isPodReady } from '../shared/pod-state.js';
import { listPods } from '../shared/testing.js';
import { computeHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';
import {
  edit,
  replicaSetsOf,
  setImage,
  useDeploymentCluster,
  waitComplete,
  webDeployment,
} from './testing.js';

describe('Deployment controller: rollouts', { timeout: 180_000 }, () => {
  const env = useDeploymentCluster();
  const dc = () => env.admin.kind<Deployment>('Deployment');

  test('a Deployment becomes a ReplicaSet named by its template hash, with revision and status', async () => {
    await dc().create(webDeployment('hello', 3));
    const d = await waitComplete(env.admin, 'hello');
    const [rs, ...more] = await replicaSetsOf(env.admin, d);
    assert.ok(rs);
    assert.equal(more.length, 0);
    const hash = computeHash(d.spec?.template);
    assert.equal(rs.metadata?.name, `hello-${hash}`);
    assert.equal(rs.metadata?.labels[POD_TEMPLATE_HASH_LABEL], hash);
    assert.equal(rs.spec?.selector?.matchLabels[POD_TEMPLATE_HASH_LABEL], hash);
    assert.deepEqual(
      {
        revision: rs.metadata?.annotations['deployment.kubernetes.io/revision'],
        desired: rs.metadata?.annotations['deployment.kubernetes.io/desired-replicas'],
        max: rs.metadata?.annotations['deployment.kubernetes.io/max-replicas'],
        deploymentRevision: d.metadata?.annotations['deployment.kubernetes.io/revision'],
      },
      { revision: '1', desired: '3', max: '4', deploymentRevision: '1' },
    );
    const ref = rs.metadata?.ownerReferences[0];
    assert.deepEqual([ref?.kind, ref?.controller, ref?.blockOwnerDeletion], ['Deployment', true, true]);
    const pods = await listPods(env.admin, 'default', 'app=hello');
    assert.equal(pods.length, 3);
    assert.ok(pods.every((p) => p.metadata?.labels[POD_TEMPLATE_HASH_LABEL] === hash));
    const available = d.status?.conditions.find((c) => c.type === 'Available');
    assert.deepEqual([available?.status, available?.reason], ['True', 'MinimumReplicasAvailable']);
    const events = (await env.admin.kind<Event>('Event').list('default')).items.filter(
      (e) => e.involvedObject?.kind === 'Deployment' && e.involvedObject.name === 'hello',
    );
    assert.ok(
      events.some(
        (e) =>
          e.reason === 'ScalingReplicaSet' &&
          e.message.startsWith(`Scaled up replica set hello-${hash} to 3`),
      ),
      JSON.stringify(events.map((e) => e.message)),
    );
  });

  test('a rolling update of 10 with maxSurge 25% and maxUnavailable 1 stays within 13 pods and 9 available', async () => {
    await dc().create(webDeployment('roll', 10, { maxSurge: '25%', maxUnavailable: 1 }));
    const before = await waitComplete(env.admin, 'roll');
    let maxPods = 0;
    let minReady = Number.POSITIVE_INFINITY;
    let samples = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const pods = await listPods(env.admin, 'default', 'app=roll');
        maxPods = Math.max(maxPods, pods.length);
        minReady = Math.min(minReady, pods.filter(isPodReady).length);
        samples++;
      }
    })();
    await edit(env.admin, 'roll', setImage('nginx:1.28'));
    const after = await waitComplete(env.admin, 'roll');
    sampling = false;
    await sampler;
    assert.ok(samples > 5, `sampled ${samples} times`);
    assert.ok(maxPods <= 13, `at most 13 pods, saw ${maxPods}`);
    assert.ok(minReady >= 9, `at least 9 ready pods, saw ${minReady}`);
    const rss = await replicaSetsOf(env.admin, after);
    assert.equal(rss.length, 2);
    const current = rss.find((rs) => rs.metadata?.annotations['deployment.kubernetes.io/revision'] === '2');
    const old = rss.find((rs) => rs.metadata?.annotations['deployment.kubernetes.io/revision'] === '1');
    assert.equal(current?.spec?.replicas, 10);
    assert.equal(old?.spec?.replicas, 0);
    assert.equal(after.metadata?.annotations['deployment.kubernetes.io/revision'], '2');
    const pods = await listPods(env.admin, 'default', 'app=roll');
    assert.equal(pods.length, 10);
    assert.ok(pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.28'));
    assert.notEqual(before.metadata?.uid, undefined);
  });

  test('a rollback to an earlier revision reuses its ReplicaSet as the newest revision', async () => {
    await dc().create(webDeployment('back', 2));
    await waitComplete(env.admin, 'back');
    await edit(env.admin, 'back', setImage('nginx:1.28'));
    const d = await waitComplete(env.admin, 'back');
    const first = (await replicaSetsOf(env.admin, d)).find(
      (rs) => rs.metadata?.annotations['deployment.kubernetes.io/revision'] === '1',
    );
    assert.ok(first);
    // What `whctl rollout undo` does: the old ReplicaSet's template, without its hash label.
    await edit(env.admin, 'back', (x) => {
      const template = structuredClone(first.spec?.template);
      if (template?.metadata) delete template.metadata.labels[POD_TEMPLATE_HASH_LABEL];
      if (x.spec && template) x.spec.template = template;
    });
    const back = await waitComplete(env.admin, 'back');
    const rss = await replicaSetsOf(env.admin, back);
    assert.equal(rss.length, 2, 'no new ReplicaSet for a template seen before');
    const reused = rss.find((rs) => rs.metadata?.uid === first.metadata?.uid);
    assert.equal(reused?.metadata?.annotations['deployment.kubernetes.io/revision'], '3');
    assert.equal(reused?.spec?.replicas, 2);
    assert.equal(back.metadata?.annotations['deployment.kubernetes.io/revision'], '3');
    const pods = await listPods(env.admin, 'default', 'app=back');
    assert.ok(pods.length === 2 && pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.27'));
  });
});
