import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Deployment } from '../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { listPods, waitFor } from '../shared/testing.js';
import {
  edit,
  replicaSetsOf,
  setImage,
  useDeploymentCluster,
  waitComplete,
  webDeployment,
} from './testing.js';

/** Whether a pod can become ready: those of a `broken` image never do, so their rollouts cannot progress. */
const healthy = (p: Pod) => !(p.spec?.containers[0]?.image ?? '').includes('broken');

describe('Deployment controller: paused, deadlines, Recreate, proportional scaling', {
  timeout: 180_000,
}, () => {
  const env = useDeploymentCluster({ ready: healthy });
  const dc = () => env.admin.kind<Deployment>('Deployment');
  const condition = async (name: string, type: string) =>
    (await dc().get('default', name)).status?.conditions.find((c) => c.type === type);

  test('a paused Deployment does not roll out, but still scales; resumed, it does', async () => {
    await dc().create(webDeployment('paused', 2));
    await waitComplete(env.admin, 'paused');
    await edit(env.admin, 'paused', (d) => {
      if (d.spec) d.spec.paused = true;
    });
    await waitFor('Progressing DeploymentPaused', async () => {
      const c = await condition('paused', 'Progressing');
      return c?.reason === 'DeploymentPaused' && c.status === 'Unknown' ? c : undefined;
    });
    const d = await edit(env.admin, 'paused', (x) => {
      setImage('nginx:1.28')(x);
      if (x.spec) x.spec.replicas = 4;
    });
    await waitFor('scaled to 4 while paused', async () => {
      const pods = await listPods(env.admin, 'default', 'app=paused');
      return pods.length === 4 ? pods : undefined;
    });
    const rss = await replicaSetsOf(env.admin, d);
    assert.equal(rss.length, 1, 'no new ReplicaSet while paused');
    assert.ok(
      (await listPods(env.admin, 'default', 'app=paused')).every(
        (p) => p.spec?.containers[0]?.image === 'nginx:1.27',
      ),
    );
    await edit(env.admin, 'paused', (x) => {
      if (x.spec) x.spec.paused = false;
    });
    const done = await waitComplete(env.admin, 'paused');
    assert.equal(done.status?.updatedReplicas, 4);
    assert.ok(
      (await listPods(env.admin, 'default', 'app=paused')).every(
        (p) => p.spec?.containers[0]?.image === 'nginx:1.28',
      ),
    );
  });

  test('a rollout that makes no progress past progressDeadlineSeconds is reported failed', async () => {
    const d = webDeployment('stuck', 2, { maxUnavailable: 0, maxSurge: 1 });
    if (d.spec) d.spec.progressDeadlineSeconds = 3;
    await dc().create(d);
    await waitComplete(env.admin, 'stuck');
    await edit(env.admin, 'stuck', setImage('nginx:broken'));
    const started = Date.now();
    const c = await waitFor('ProgressDeadlineExceeded', async () => {
      const x = await condition('stuck', 'Progressing');
      return x?.reason === 'ProgressDeadlineExceeded' ? x : undefined;
    });
    assert.equal(c.status, 'False');
    assert.match(c.message, /has timed out progressing/);
    assert.ok(Date.now() - started >= 2_500, 'not before the deadline');
    const available = await condition('stuck', 'Available');
    assert.equal(available?.status, 'True', 'the old pods still serve');
    assert.equal((await listPods(env.admin, 'default', 'app=stuck')).filter((p) => healthy(p)).length, 2);
  });

  test('Recreate deletes every old pod before creating new ones', async () => {
    const d = webDeployment('recreate', 3);
    if (d.spec) d.spec.strategy = { type: 'Recreate', rollingUpdate: undefined };
    await dc().create(d);
    await waitComplete(env.admin, 'recreate');
    let mixed = false;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const images = new Set(
          (await listPods(env.admin, 'default', 'app=recreate')).map((p) => p.spec?.containers[0]?.image),
        );
        if (images.size > 1) mixed = true;
      }
    })();
    await edit(env.admin, 'recreate', setImage('nginx:1.28'));
    await waitComplete(env.admin, 'recreate');
    sampling = false;
    await sampler;
    assert.equal(mixed, false, 'old and new pods never ran together');
  });

  test('scaling mid-rollout spreads the new replicas proportionally', async () => {
    await dc().create(webDeployment('prop', 10, { maxSurge: 3, maxUnavailable: 2 }));
    await waitComplete(env.admin, 'prop');
    await edit(env.admin, 'prop', setImage('nginx:broken'));
    // The new pods never get ready: 3 surge + 2 unavailable = 5 new, 8 old.
    const d = await waitFor('rollout stuck at 8 old + 5 new', async () => {
      const x = await dc().get('default', 'prop');
      const rss = await replicaSetsOf(env.admin, x);
      const sizes = rss.map((rs) => rs.spec?.replicas ?? 0).sort((a, b) => a - b);
      return JSON.stringify(sizes) === '[5,8]' ? x : undefined;
    });
    await edit(env.admin, 'prop', (x) => {
      if (x.spec) x.spec.replicas = 20;
    });
    // Allowed 20 + 3 = 23 over 13: old 8 → 8·23/13 ≈ 14, new 5 → 23 − 14 = 9.
    const sizes = await waitFor('proportional sizes', async () => {
      const rss = await replicaSetsOf(env.admin, d);
      const s = rss.map((rs) => rs.spec?.replicas ?? 0).sort((a, b) => a - b);
      return JSON.stringify(s) === '[9,14]' ? s : undefined;
    });
    assert.deepEqual(sizes, [9, 14]);
    const rss = await replicaSetsOf(env.admin, d);
    assert.ok(
      rss.every((rs) => rs.metadata?.annotations['deployment.kubernetes.io/desired-replicas'] === '20'),
    );
  });

  test('revisionHistoryLimit keeps that many old ReplicaSets', async () => {
    await dc().create(webDeployment('hist', 1, { revisionHistoryLimit: 1 }));
    await waitComplete(env.admin, 'hist');
    for (const tag of ['1.28', '1.29', '1.30']) {
      await edit(env.admin, 'hist', setImage(`nginx:${tag}`));
      await waitComplete(env.admin, 'hist');
    }
    const d = await dc().get('default', 'hist');
    const rss = await waitFor('old revisions cleaned up', async () => {
      const list = await replicaSetsOf(env.admin, d);
      return list.length === 2 ? list : undefined;
    });
    const revisions = rss.map((rs) => rs.metadata?.annotations['deployment.kubernetes.io/revision']).sort();
    assert.deepEqual(revisions, ['3', '4']);
  });
});
