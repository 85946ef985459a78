import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { pod as podOf } from '../../test/objects.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import { isPodReady } from '../shared/pod-state.js';
import { listPods, markPodReady, startPodReadier, useCluster, waitFor } from '../shared/testing.js';
import { POD_INDEX_LABEL, POD_NAME_LABEL } from './stateful-pod.js';

/** Namespace where the test marks pods ready by hand; in `auto` every pod is marked ready as it appears. */
const MANUAL = 'manual';
const AUTO = 'auto';

interface SetOptions {
  replicas: number;
  namespace?: string;
  policy?: 'OrderedReady' | 'Parallel';
  onDelete?: boolean;
  partition?: number;
  maxUnavailable?: number;
  historyLimit?: number;
  image?: string;
  ordinalsStart?: number;
}

function statefulSet(name: string, opts: SetOptions): StatefulSet {
  return StatefulSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace: opts.namespace ?? AUTO },
    spec: {
      replicas: opts.replicas,
      serviceName: `${name}-svc`,
      podManagementPolicy: opts.policy ?? 'OrderedReady',
      ...(opts.historyLimit !== undefined ? { revisionHistoryLimit: opts.historyLimit } : {}),
      ...(opts.ordinalsStart !== undefined ? { ordinals: { start: opts.ordinalsStart } } : {}),
      updateStrategy: opts.onDelete
        ? { type: 'OnDelete' }
        : {
            type: 'RollingUpdate',
            rollingUpdate: {
              partition: opts.partition ?? 0,
              ...(opts.maxUnavailable !== undefined
                ? { maxUnavailable: { value: { $case: 'intVal', value: opts.maxUnavailable } } }
                : {}),
            },
          },
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'main', image: opts.image ?? 'nginx:1.27' }] },
      },
    },
  });
}

describe('StatefulSet controller', { timeout: 150_000 }, () => {
  /** Pod events in the order the apiserver delivered them: `ADDED auto/web-0 <revision>`. */
  const podLog: string[] = [];
  const setClient = () => suite.admin.kind<StatefulSet>('StatefulSet');
  const podClient = () => suite.admin.kind<Pod>('Pod');
  const getSet = (name: string, ns = AUTO) => setClient().get(ns, name);
  const podNames = async (set: string, ns = AUTO) =>
    (await listPods(suite.admin, ns, `app=${set}`))
      .filter((p) => p.metadata?.deletionTimestamp === undefined)
      .map((p) => p.metadata?.name ?? '')
      .sort();
  const revisionsOf = async (set: string, ns = AUTO) =>
    (
      await suite.admin
        .kind<ControllerRevision>('ControllerRevision')
        .list(ns, { labelSelector: `app=${set}` })
    ).items;
  const eventsOf = async (set: string, ns = AUTO) =>
    (await suite.admin.kind<Event>('Event').list(ns)).items.filter((e) => e.involvedObject?.name === set);
  const logOf = (prefix: string) => podLog.filter((l) => l.includes(` ${prefix}`));
  const describeSet =
    (name: string, ns = AUTO) =>
    async () =>
      `set: ${JSON.stringify((await getSet(name, ns)).status)}\npods: ${(await podNames(name, ns)).join(' ')}\nlog: ${logOf(`${ns}/${name}-`).join(', ')}\n${suite.cm.output().slice(-2000)}`;
  /** Waits until the controller has written a status for the set's current generation matching `want`. */
  const waitForStatus = (name: string, want: (s: StatefulSet) => boolean, ns = AUTO, timeoutMs = 30_000) =>
    waitFor(
      `status of ${ns}/${name}`,
      async () => {
        const set = await getSet(name, ns);
        return set.status?.observedGeneration === set.metadata?.generation && want(set) ? set : undefined;
      },
      { timeoutMs, describe: describeSet(name, ns) },
    );
  /** Changes the set's spec, retrying on conflicts with the controller's status writes. */
  const patchSpec = async (name: string, change: (s: StatefulSet) => void, ns = AUTO) => {
    for (;;) {
      const set = await getSet(name, ns);
      change(set);
      try {
        return await setClient().update(set);
      } catch (err) {
        if (!(err instanceof ApiError && err.code === Code.ABORTED)) throw err;
      }
    }
  };
  const updateTemplateImage = (name: string, image: string, ns = AUTO) =>
    patchSpec(
      name,
      (set) => {
        const container = set.spec?.template?.spec?.containers[0];
        if (container) container.image = image;
      },
      ns,
    );

  const suite = useCluster({
    prepare: async ({ admin, signal }) => {
      for (const ns of [MANUAL, AUTO]) {
        await admin
          .kind<Namespace>('Namespace')
          .create(Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      }
      await logPods(admin, signal);
      await startPodReadier(admin, AUTO, signal);
    },
    controllerManager: ['--controllers', 'statefulset,garbage-collector'],
  });
  /** Records pods added, turned Ready and deleted, in order, in `podLog`. */
  const logPods = async (admin: Clientset, signal: AbortSignal) => {
    const factory = new InformerFactory(admin.api);
    const pods = factory.informerFor<Pod>('Pod');
    const line = (type: string, p: Pod) =>
      `${type} ${p.metadata?.namespace}/${p.metadata?.name} ${p.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL] ?? ''}`;
    pods.addEventHandler({
      onAdd: (p) => podLog.push(line('ADDED', p)),
      onUpdate: (o, p) => {
        if (!isPodReady(o) && isPodReady(p)) podLog.push(line('READY', p));
      },
      onDelete: (p) => podLog.push(line('DELETED', 'object' in p ? p.object : p)),
    });
    factory.start(signal);
    await pods.waitForSync(signal);
  };

  test('OrderedReady creates one pod at a time, each after the one before is Ready', async () => {
    await setClient().create(statefulSet('web', { replicas: 3, namespace: MANUAL }));
    for (let i = 0; i < 3; i++) {
      const pod = await waitFor(`web-${i}`, () => podClient().get(MANUAL, `web-${i}`), {
        describe: describeSet('web', MANUAL),
      });
      // The controller has seen this pod and stopped: status counts it, the next one is absent.
      await waitForStatus('web', (s) => s.status?.replicas === i + 1, MANUAL);
      assert.deepEqual(
        await podNames('web', MANUAL),
        Array.from({ length: i + 1 }, (_, j) => `web-${j}`),
      );
      await markPodReady(suite.admin, pod);
    }
    const web = logOf(`${MANUAL}/web-`).map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(web, [
      'ADDED manual/web-0',
      'READY manual/web-0',
      'ADDED manual/web-1',
      'READY manual/web-1',
      'ADDED manual/web-2',
      'READY manual/web-2',
    ]);

    const set = await waitForStatus('web', (s) => s.status?.readyReplicas === 3, MANUAL);
    const pod = await podClient().get(MANUAL, 'web-1');
    const revision = set.status?.updateRevision ?? '';
    assert.match(revision, /^web-[a-z0-9]+$/);
    assert.deepEqual(
      {
        labels: pod.metadata?.labels,
        hostname: pod.spec?.hostname,
        subdomain: pod.spec?.subdomain,
        owner: pod.metadata?.ownerReferences.map((r) => [r.kind, r.name, r.uid, r.controller]),
      },
      {
        labels: {
          app: 'web',
          [POD_NAME_LABEL]: 'web-1',
          [POD_INDEX_LABEL]: '1',
          [CONTROLLER_REVISION_HASH_LABEL]: revision,
        },
        hostname: 'web-1',
        subdomain: 'web-svc',
        owner: [['StatefulSet', 'web', set.metadata?.uid, true]],
      },
    );
    const { generation, ...status } = {
      ...set.status,
      generation: set.metadata?.generation,
      conditions: undefined,
    };
    assert.deepEqual(status, {
      observedGeneration: generation,
      replicas: 3,
      readyReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
      availableReplicas: 3,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
      conditions: undefined,
    });
    const messages = (await eventsOf('web', MANUAL)).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(
      messages.includes('SuccessfulCreate: create Pod web-0 in StatefulSet web successful'),
      messages.join('\n'),
    );
  });

  test('OrderedReady halts at an unready pod and scales down from the highest ordinal', async () => {
    // web-1 stops being ready: scaling up to 4 waits for it.
    const web1 = await podClient().get(MANUAL, 'web-1');
    await podClient().updateStatus({
      ...web1,
      status: { ...web1.status, conditions: [] } as Pod['status'],
    });
    await waitForStatus('web', (s) => s.status?.readyReplicas === 2, MANUAL);
    await patchSpec('web', (s) => Object.assign(s.spec ?? {}, { replicas: 4 }), MANUAL);
    await waitForStatus('web', (s) => s.status?.readyReplicas === 2, MANUAL);
    assert.deepEqual(await podNames('web', MANUAL), ['web-0', 'web-1', 'web-2']);
    await markPodReady(suite.admin, await podClient().get(MANUAL, 'web-1'));
    const web3 = await waitFor('web-3', () => podClient().get(MANUAL, 'web-3'));
    await markPodReady(suite.admin, web3);
    await waitForStatus('web', (s) => s.status?.readyReplicas === 4, MANUAL);

    const before = podLog.length;
    await patchSpec('web', (s) => Object.assign(s.spec ?? {}, { replicas: 1 }), MANUAL);
    await waitForStatus('web', (s) => s.status?.replicas === 1, MANUAL);
    const deleted = podLog
      .slice(before)
      .filter((l) => l.startsWith('DELETED'))
      .map((l) => l.split(' ')[1]);
    assert.deepEqual(deleted, ['manual/web-3', 'manual/web-2', 'manual/web-1']);
    const messages = (await eventsOf('web', MANUAL)).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(messages.includes('SuccessfulDelete: delete Pod web-3 in StatefulSet web successful'));
  });

  test('Parallel creates every pod at once, ready or not', async () => {
    await setClient().create(statefulSet('par', { replicas: 4, namespace: MANUAL, policy: 'Parallel' }));
    await waitForStatus('par', (s) => s.status?.replicas === 4, MANUAL);
    assert.deepEqual(await podNames('par', MANUAL), ['par-0', 'par-1', 'par-2', 'par-3']);
    assert.equal(logOf(`${MANUAL}/par-`).filter((l) => l.startsWith('READY')).length, 0);
    await patchSpec('par', (s) => Object.assign(s.spec ?? {}, { replicas: 1 }), MANUAL);
    await waitForStatus('par', (s) => s.status?.replicas === 1, MANUAL);
    assert.deepEqual(await podNames('par', MANUAL), ['par-0']);
  });

  test('deleting a set takes its pods and revisions with it', async () => {
    const par = await getSet('par', MANUAL);
    assert.ok((await revisionsOf('par', MANUAL)).length > 0);
    await setClient().delete(MANUAL, 'par');
    await waitFor('the pods and revisions of par to go', async () => {
      const left = (await podNames('par', MANUAL)).length + (await revisionsOf('par', MANUAL)).length;
      return left === 0 ? true : undefined;
    });
    // A new set of the same name starts afresh.
    await setClient().create(statefulSet('par', { replicas: 1, namespace: MANUAL, policy: 'Parallel' }));
    const again = await waitForStatus('par', (s) => s.status?.replicas === 1, MANUAL);
    assert.notEqual(again.metadata?.uid, par.metadata?.uid);
    const pod = await podClient().get(MANUAL, 'par-0');
    assert.equal(pod.metadata?.ownerReferences[0]?.uid, again.metadata?.uid);
  });

  test('ordinals.start shifts the names', async () => {
    await setClient().create(
      statefulSet('shifted', { replicas: 2, ordinalsStart: 5, namespace: MANUAL, policy: 'Parallel' }),
    );
    await waitForStatus('shifted', (s) => s.status?.replicas === 2, MANUAL);
    assert.deepEqual(await podNames('shifted', MANUAL), ['shifted-5', 'shifted-6']);
  });

  test('a deleted pod comes back under the same name', async () => {
    await setClient().create(statefulSet('db', { replicas: 2 }));
    await waitForStatus('db', (s) => s.status?.readyReplicas === 2);
    const old = await podClient().get(AUTO, 'db-0');
    await podClient().delete(AUTO, 'db-0');
    const fresh = await waitFor('db-0 again', async () => {
      const p = await podClient().get(AUTO, 'db-0');
      return p.metadata?.uid !== old.metadata?.uid ? p : undefined;
    });
    assert.equal(fresh.spec?.hostname, 'db-0');
    assert.equal(fresh.metadata?.labels[POD_NAME_LABEL], 'db-0');
    await waitForStatus('db', (s) => s.status?.readyReplicas === 2);
  });

  test('a failed pod is replaced under the same name', async () => {
    const old = await podClient().get(AUTO, 'db-1');
    await podClient().updateStatus({ ...old, status: { ...old.status, phase: 'Failed' } as Pod['status'] });
    await waitFor('db-1 replaced', async () => {
      const p = await podClient().get(AUTO, 'db-1');
      return p.metadata?.uid !== old.metadata?.uid && isPodReady(p) ? p : undefined;
    });
  });

  test('a rolling update with partition 2 of 4 replaces 3 then 2 and stops', async () => {
    await setClient().create(statefulSet('roll', { replicas: 4, partition: 2 }));
    const first = await waitForStatus('roll', (s) => s.status?.readyReplicas === 4);
    const oldRevision = first.status?.currentRevision ?? '';
    const before = podLog.length;
    await updateTemplateImage('roll', 'nginx:1.28');
    const rolled = await waitForStatus(
      'roll',
      (s) => s.status?.updatedReplicas === 2 && s.status?.readyReplicas === 4,
    );
    const newRevision = rolled.status?.updateRevision ?? '';
    assert.notEqual(newRevision, oldRevision);
    assert.equal(rolled.status?.currentRevision, oldRevision);
    assert.equal(rolled.status?.currentReplicas, 2);
    assert.equal(rolled.status?.replicas, 4);
    const steps = podLog
      .slice(before)
      .filter((l) => l.includes(' auto/roll-'))
      .map((l) => l.split(' ').slice(0, 2).join(' '));
    assert.deepEqual(steps, [
      'DELETED auto/roll-3',
      'ADDED auto/roll-3',
      'READY auto/roll-3',
      'DELETED auto/roll-2',
      'ADDED auto/roll-2',
      'READY auto/roll-2',
    ]);
    const revisionOf = async (name: string) =>
      (await podClient().get(AUTO, name)).metadata?.labels[CONTROLLER_REVISION_HASH_LABEL];
    assert.deepEqual(await Promise.all(['roll-0', 'roll-1', 'roll-2', 'roll-3'].map(revisionOf)), [
      oldRevision,
      oldRevision,
      newRevision,
      newRevision,
    ]);
    assert.equal((await podClient().get(AUTO, 'roll-3')).spec?.containers[0]?.image, 'nginx:1.28');
    assert.equal((await podClient().get(AUTO, 'roll-0')).spec?.containers[0]?.image, 'nginx:1.27');

    // A pod below the partition that is deleted comes back at the current revision.
    const roll0 = await podClient().get(AUTO, 'roll-0');
    await podClient().delete(AUTO, 'roll-0');
    const back = await waitFor('roll-0 again', async () => {
      const p = await podClient().get(AUTO, 'roll-0');
      return p.metadata?.uid !== roll0.metadata?.uid ? p : undefined;
    });
    assert.equal(back.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], oldRevision);
    assert.equal(back.spec?.containers[0]?.image, 'nginx:1.27');

    // Partition 0: the rest follow and the rollout completes.
    await patchSpec('roll', (s) => {
      const rolling = s.spec?.updateStrategy?.rollingUpdate;
      if (rolling) rolling.partition = 0;
    });
    const done = await waitForStatus(
      'roll',
      (s) => s.status?.currentRevision === newRevision && s.status?.readyReplicas === 4,
    );
    assert.equal(done.status?.currentReplicas, 4);
    assert.equal(done.status?.updatedReplicas, 4);
    assert.equal(done.status?.updateRevision, newRevision);
  });

  test('maxUnavailable 2 replaces two pods at a time', async () => {
    await setClient().create(statefulSet('wide', { replicas: 4, maxUnavailable: 2, policy: 'Parallel' }));
    await waitForStatus('wide', (s) => s.status?.readyReplicas === 4);
    const before = podLog.length;
    await updateTemplateImage('wide', 'nginx:1.28');
    await waitForStatus(
      'wide',
      (s) => s.status?.currentRevision === s.status?.updateRevision && s.status?.readyReplicas === 4,
    );
    const lines = podLog
      .slice(before)
      .filter((l) => l.includes(' auto/wide-'))
      .map((l) => l.split(' ').slice(0, 2).join(' '));
    // The first two deletions come before any replacement is added.
    assert.deepEqual(new Set(lines.slice(0, 2)), new Set(['DELETED auto/wide-3', 'DELETED auto/wide-2']));
    let unavailable = 0;
    let most = 0;
    for (const l of lines) {
      if (l.startsWith('DELETED')) unavailable++;
      if (l.startsWith('READY')) unavailable--;
      most = Math.max(most, unavailable);
    }
    assert.equal(most, 2, lines.join('\n'));
  });

  test('OnDelete updates a pod only when it is deleted', async () => {
    await setClient().create(statefulSet('ond', { replicas: 2, onDelete: true }));
    const first = await waitForStatus('ond', (s) => s.status?.readyReplicas === 2);
    const oldRevision = first.status?.currentRevision ?? '';
    await updateTemplateImage('ond', 'nginx:1.28');
    const changed = await waitForStatus('ond', (s) => s.status?.updateRevision !== oldRevision);
    const newRevision = changed.status?.updateRevision ?? '';
    assert.equal(changed.status?.updatedReplicas, 0);
    assert.equal(changed.status?.currentReplicas, 2);
    const ond1 = await podClient().get(AUTO, 'ond-1');
    assert.equal(ond1.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], oldRevision);
    await podClient().delete(AUTO, 'ond-1');
    const back = await waitFor('ond-1 again', async () => {
      const p = await podClient().get(AUTO, 'ond-1');
      return p.metadata?.uid !== ond1.metadata?.uid ? p : undefined;
    });
    assert.equal(back.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], newRevision);
    const after = await waitForStatus(
      'ond',
      (s) => s.status?.updatedReplicas === 1 && s.status?.readyReplicas === 2,
    );
    assert.equal(after.status?.currentReplicas, 1);
    assert.equal(after.status?.currentRevision, oldRevision);
    assert.equal(
      (await podClient().get(AUTO, 'ond-0')).metadata?.labels[CONTROLLER_REVISION_HASH_LABEL],
      oldRevision,
    );
  });

  test('an orphan pod with a member name and matching labels is adopted, not replaced', async () => {
    const orphan = await podClient().create(podOf('keep-0', { namespace: AUTO, labels: { app: 'keep' } }));
    await setClient().create(statefulSet('keep', { replicas: 1, onDelete: true }));
    const set = await waitForStatus('keep', (s) => s.status?.readyReplicas === 1);
    const pod = await waitFor('keep-0 to get its identity', async () => {
      const p = await podClient().get(AUTO, 'keep-0');
      return p.metadata?.labels[POD_NAME_LABEL] === 'keep-0' ? p : undefined;
    });
    assert.equal(pod.metadata?.uid, orphan.metadata?.uid);
    assert.deepEqual(
      pod.metadata?.ownerReferences.map((r) => [r.uid, r.controller]),
      [[set.metadata?.uid, true]],
    );
    assert.equal(pod.metadata?.labels[POD_INDEX_LABEL], '0');
    // A pod named like a member but not matched by the selector is left alone.
    const stranger = await podClient().create(podOf('keep-1', { namespace: AUTO, labels: { app: 'other' } }));
    await patchSpec('keep', (s) => Object.assign(s.spec ?? {}, { replicas: 2 }));
    await waitFor('FailedCreate for keep-1', async () => {
      const events = await eventsOf('keep');
      return events.find((e) => e.reason === 'FailedCreate' && /keep-1/.test(e.message));
    });
    const still = await podClient().get(AUTO, 'keep-1');
    assert.equal(still.metadata?.uid, stranger.metadata?.uid);
    assert.equal(still.metadata?.ownerReferences.length, 0);
  });

  test('history beyond revisionHistoryLimit is deleted, live revisions kept', async () => {
    await setClient().create(statefulSet('hist', { replicas: 1, historyLimit: 1 }));
    await waitForStatus('hist', (s) => s.status?.readyReplicas === 1);
    const seen: string[] = [(await getSet('hist')).status?.updateRevision ?? ''];
    for (const image of ['nginx:1.28', 'nginx:1.29', 'nginx:1.30']) {
      await updateTemplateImage('hist', image);
      const set = await waitForStatus(
        'hist',
        (s) =>
          s.status?.currentRevision === s.status?.updateRevision &&
          s.status?.updatedReplicas === 1 &&
          s.status?.readyReplicas === 1 &&
          !seen.includes(s.status?.updateRevision ?? ''),
      );
      seen.push(set.status?.updateRevision ?? '');
    }
    // Live: the current revision; history: one more (the newest of the others).
    const names = await waitFor(
      'history to be truncated',
      async () => {
        const revs = await revisionsOf('hist');
        return revs.length === 2 ? revs.map((r) => r.metadata?.name ?? '').sort() : undefined;
      },
      {
        describe: async () =>
          (await revisionsOf('hist')).map((r) => `${r.metadata?.name}@${r.revision}`).join(' '),
      },
    );
    assert.deepEqual(names, [seen[2], seen[3]].sort());
    const numbers = (await revisionsOf('hist')).map((r) => Number(r.revision)).sort();
    assert.deepEqual(numbers, [3, 4]);

    // Back to an earlier template still in history: that revision is reused and renumbered.
    await updateTemplateImage('hist', 'nginx:1.29');
    const back = await waitForStatus('hist', (s) => s.status?.updateRevision === seen[2]);
    assert.equal(back.status?.updateRevision, seen[2]);
    const renumbered = (await revisionsOf('hist')).find((r) => r.metadata?.name === seen[2]);
    assert.equal(renumbered?.revision, '5');
  });
});
