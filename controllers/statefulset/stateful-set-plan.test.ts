import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { CONTROLLER_REVISION_HASH_LABEL } from '../shared/controller-history.js';
import {
  identityMatches,
  newStatefulSetPod,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  parentNameAndOrdinal,
  storageMatches,
} from './stateful-pod.js';
import { maxUnavailableOf, planStatefulSet, type StatefulSetAction } from './stateful-set-plan.js';
import { newRevision, revisionData, templateOf } from './stateful-set-revision.js';
import { completeRollingUpdate, statusChanged } from './stateful-set-status.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

interface SetOptions {
  replicas?: number;
  parallel?: boolean;
  onDelete?: boolean;
  partition?: number;
  maxUnavailable?: number | string;
  minReadySeconds?: number;
  start?: number;
  image?: string;
  claims?: string[];
}

function set(opts: SetOptions = {}): StatefulSet {
  const maxUnavailable = opts.maxUnavailable;
  return StatefulSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'ns', uid: 'uid-web', generation: '3' },
    spec: {
      replicas: opts.replicas ?? 3,
      serviceName: 'web-svc',
      podManagementPolicy: opts.parallel ? 'Parallel' : 'OrderedReady',
      minReadySeconds: opts.minReadySeconds ?? 0,
      ...(opts.start !== undefined ? { ordinals: { start: opts.start } } : {}),
      updateStrategy: opts.onDelete
        ? { type: 'OnDelete' }
        : {
            type: 'RollingUpdate',
            rollingUpdate: {
              partition: opts.partition ?? 0,
              ...(maxUnavailable === undefined
                ? {}
                : {
                    maxUnavailable: {
                      value:
                        typeof maxUnavailable === 'number'
                          ? { $case: 'intVal', value: maxUnavailable }
                          : { $case: 'strVal', value: maxUnavailable },
                    },
                  }),
            },
          },
      selector: { matchLabels: { app: 'web' } },
      volumeClaimTemplates: (opts.claims ?? []).map((name) => ({ metadata: { name } })),
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'main', image: opts.image ?? 'nginx:1' }] },
      },
    },
  });
}

function revision(s: StatefulSet, name: string): ControllerRevision {
  const r = newRevision(s, 1, 0);
  if (r.metadata) r.metadata.name = name;
  return r;
}

const OLD = set();
const NEW = set({ image: 'nginx:2' });
const oldRevision = revision(OLD, 'web-old');
const newRevisionOf = revision(NEW, 'web-new');

type PodState = 'ready' | 'pending' | 'failed' | 'terminating' | 'fresh';

/** Pod `web-<ordinal>` made from `rev`, in `state` ('fresh': ready for less than minReadySeconds). */
function pod(s: StatefulSet, ordinal: number, state: PodState = 'ready', rev = oldRevision): Pod {
  const p = newStatefulSetPod(s, templateOf(rev), rev.metadata?.name ?? '', ordinal);
  if (p.metadata) {
    p.metadata.uid = `uid-${ordinal}`;
    if (state === 'terminating') p.metadata.deletionTimestamp = new Date(NOW - 1000);
  }
  const readyAt = new Date(state === 'fresh' ? NOW - 1000 : NOW - 60_000);
  const ready = state === 'ready' || state === 'terminating' || state === 'fresh';
  return Pod.fromPartial({
    ...p,
    status: {
      phase: state === 'failed' ? 'Failed' : state === 'pending' ? 'Pending' : 'Running',
      conditions: ready ? [{ type: 'Ready', status: 'True', lastTransitionTime: readyAt }] : [],
    },
  });
}

function plan(s: StatefulSet, pods: Pod[], update = oldRevision, current = oldRevision) {
  return planStatefulSet({
    set: s,
    pods,
    currentRevision: current,
    updateRevision: update,
    collisionCount: 0,
    now: NOW,
  });
}

/** Steps as text: `create web-0@web-old`, `delete web-2`, `delete web-2 (update)`, `update web-1`. */
function describeSteps(steps: readonly (readonly StatefulSetAction[])[]): string[][] {
  return steps.map((step) =>
    step.map((a) => {
      const name = a.pod.metadata?.name;
      if (a.type === 'create')
        return `create ${name}@${a.pod.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL]}`;
      if (a.type === 'delete') return `delete ${name}${a.forUpdate ? ' (update)' : ''}`;
      return `update ${name}`;
    }),
  );
}

describe('stateful pods', () => {
  test('ordinals are parsed from the end of the name', () => {
    assert.deepEqual(parentNameAndOrdinal('web-12'), { parent: 'web', ordinal: 12 });
    assert.deepEqual(parentNameAndOrdinal('my-web-0'), { parent: 'my-web', ordinal: 0 });
    assert.deepEqual(parentNameAndOrdinal('web'), { parent: '', ordinal: -1 });
    assert.deepEqual(parentNameAndOrdinal('web-x'), { parent: '', ordinal: -1 });
    assert.equal(parentNameAndOrdinal('web-99999999999').ordinal, -1, 'beyond int32');
  });

  test('a new pod has its identity, revision, owner and claim volumes', () => {
    const s = set({ claims: ['data'] });
    const p = newStatefulSetPod(s, templateOf(revision(s, 'web-abc')), 'web-abc', 2);
    assert.equal(p.metadata?.name, 'web-2');
    assert.deepEqual(p.metadata?.labels, {
      app: 'web',
      [POD_NAME_LABEL]: 'web-2',
      [POD_INDEX_LABEL]: '2',
      [CONTROLLER_REVISION_HASH_LABEL]: 'web-abc',
    });
    assert.equal(p.spec?.hostname, 'web-2');
    assert.equal(p.spec?.subdomain, 'web-svc');
    assert.deepEqual(
      p.spec?.volumes.map((v) => [v.name, v.persistentVolumeClaim?.claimName]),
      [['data', 'data-web-2']],
    );
    assert.deepEqual(
      p.metadata?.ownerReferences.map((r) => [r.kind, r.name, r.uid, r.controller]),
      [['StatefulSet', 'web', 'uid-web', true]],
    );
    assert.equal(identityMatches(s, p), true);
    assert.equal(storageMatches(s, p), true);
    const relabelled = structuredClone(p);
    if (relabelled.metadata) relabelled.metadata.labels[POD_INDEX_LABEL] = '7';
    assert.equal(identityMatches(s, relabelled), false);
  });

  test('a revision records the template and gives it back', () => {
    const data = revisionData(NEW) as { spec: { template: Record<string, unknown> } };
    assert.equal(data.spec.template.$patch, 'replace');
    assert.equal(templateOf(newRevisionOf).spec?.containers[0]?.image, 'nginx:2');
    assert.deepEqual(templateOf(newRevisionOf).metadata?.labels, { app: 'web' });
  });
});

describe('planning a StatefulSet', () => {
  test('OrderedReady creates the lowest missing ordinal and waits', () => {
    const s = set();
    assert.deepEqual(describeSteps(plan(s, []).steps), [['create web-0@web-old']]);
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0, 'pending')]).steps), [], 'web-0 not ready yet');
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0)]).steps), [['create web-1@web-old']]);
    // A gap is filled first even when higher ordinals exist.
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 2)]).steps), [['create web-1@web-old']]);
  });

  test('OrderedReady waits for minReadySeconds before the next pod', () => {
    const s = set({ minReadySeconds: 10 });
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0, 'fresh')]).steps), []);
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0)]).steps), [['create web-1@web-old']]);
  });

  test('Parallel creates every missing pod in one step', () => {
    const s = set({ parallel: true, replicas: 4 });
    assert.deepEqual(describeSteps(plan(s, [pod(s, 1, 'pending')]).steps), [
      ['create web-0@web-old', 'create web-2@web-old', 'create web-3@web-old'],
    ]);
  });

  test('ordinals.start shifts the range; pods below it are condemned', () => {
    const s = set({ start: 5, replicas: 2, parallel: true });
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 5)]).steps), [
      ['create web-6@web-old'],
      ['delete web-0'],
    ]);
  });

  test('a finished pod is deleted to be made again; OrderedReady waits for it', () => {
    const s = set();
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0, 'failed'), pod(s, 1)]).steps), [['delete web-0']]);
    const p = set({ parallel: true });
    assert.deepEqual(describeSteps(plan(p, [pod(p, 0, 'failed'), pod(p, 1)]).steps), [
      ['delete web-0', 'create web-2@web-old'],
    ]);
  });

  test('scale down deletes from the highest ordinal, one at a time, once all replicas are healthy', () => {
    const s = set({ replicas: 1 });
    const pods = [pod(s, 0), pod(s, 1), pod(s, 2)];
    assert.deepEqual(describeSteps(plan(s, pods).steps), [['delete web-2']]);
    // A terminating condemned pod blocks the next deletion.
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, 'terminating')]).steps), []);
    // An unhealthy replica blocks scale down.
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0, 'pending'), pod(s, 1), pod(s, 2)]).steps), []);
    // An unhealthy condemned pod that is not the first unhealthy one blocks; the first goes,
    // and so does a healthy one.
    assert.deepEqual(
      describeSteps(plan(s, [pod(s, 0), pod(s, 1, 'pending'), pod(s, 2, 'pending')]).steps),
      [],
    );
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 1, 'pending'), pod(s, 2)]).steps), [
      ['delete web-2'],
    ]);
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 1), pod(s, 2, 'pending')]).steps), [
      ['delete web-2'],
    ]);
    // Parallel deletes them all at once.
    const p = set({ replicas: 1, parallel: true });
    assert.deepEqual(describeSteps(plan(p, [pod(p, 0), pod(p, 1, 'pending'), pod(p, 2)]).steps), [
      ['delete web-2', 'delete web-1'],
    ]);
  });

  test('rolling update: highest ordinal first, down to the partition, waiting for each', () => {
    const s = set({ replicas: 4, partition: 2, image: 'nginx:2' });
    const pods = [0, 1, 2, 3].map((i) => pod(s, i));
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), [['delete web-3 (update)']]);
    // web-3 back at the new revision but not ready: wait.
    pods[3] = pod(s, 3, 'pending', newRevisionOf);
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), []);
    pods[3] = pod(s, 3, 'ready', newRevisionOf);
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), [['delete web-2 (update)']]);
    pods[2] = pod(s, 2, 'ready', newRevisionOf);
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), [], 'the partition holds');
    const { status } = plan(s, pods, newRevisionOf);
    assert.deepEqual(
      [
        status.replicas,
        status.currentReplicas,
        status.updatedReplicas,
        status.currentRevision,
        status.updateRevision,
      ],
      [4, 2, 2, 'web-old', 'web-new'],
    );
  });

  test('a missing pod is made at the current revision below the partition, the update revision above', () => {
    const s = set({ replicas: 4, partition: 2, parallel: true, image: 'nginx:2' });
    const steps = describeSteps(plan(s, [], newRevisionOf).steps);
    assert.deepEqual(steps, [
      ['create web-0@web-old', 'create web-1@web-old', 'create web-2@web-new', 'create web-3@web-new'],
    ]);
    const created = plan(s, [], newRevisionOf).steps[0]?.[0]?.pod;
    assert.equal(created?.spec?.containers[0]?.image, 'nginx:1', 'made from the current revision');
  });

  test('maxUnavailable replaces several at once, counting pods already unavailable', () => {
    const s = set({ replicas: 5, maxUnavailable: 2, image: 'nginx:2' });
    const pods = [0, 1, 2, 3, 4].map((i) => pod(s, i));
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), [
      ['delete web-4 (update)', 'delete web-3 (update)'],
    ]);
    pods[4] = pod(s, 4, 'pending', newRevisionOf);
    assert.deepEqual(describeSteps(plan(s, pods, newRevisionOf).steps), [], 'OrderedReady waits for web-4');
    const p = set({ replicas: 5, maxUnavailable: 2, image: 'nginx:2', parallel: true });
    const parallelPods = [0, 1, 2, 3].map((i) => pod(p, i)).concat(pod(p, 4, 'pending', newRevisionOf));
    assert.deepEqual(describeSteps(plan(p, parallelPods, newRevisionOf).steps), [['delete web-3 (update)']]);
    assert.equal(maxUnavailableOf(set({ replicas: 10, maxUnavailable: '25%' })), 2, 'rounded down');
    assert.equal(maxUnavailableOf(set({ replicas: 3, maxUnavailable: '10%' })), 1, 'at least one');
    assert.equal(maxUnavailableOf(set()), undefined);
  });

  test('OnDelete replaces nothing; new pods are made at the update revision', () => {
    const s = set({ replicas: 2, onDelete: true, image: 'nginx:2' });
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0), pod(s, 1)], newRevisionOf).steps), []);
    assert.deepEqual(describeSteps(plan(s, [pod(s, 0)], newRevisionOf).steps), [['create web-1@web-new']]);
  });

  test('an adopted pod gets its identity labels back; without a revision it is replaced', () => {
    const s = set({ replicas: 1, onDelete: true });
    const adopted = pod(s, 0);
    if (adopted.metadata) adopted.metadata.labels = { app: 'web' };
    assert.deepEqual(describeSteps(plan(s, [adopted]).steps), [['update web-0']]);
    const rolling = set({ replicas: 1 });
    assert.deepEqual(describeSteps(plan(rolling, [adopted]).steps), [
      ['update web-0'],
      ['delete web-0 (update)'],
    ]);
  });

  test('a set being deleted only reports status', () => {
    const s = set({ replicas: 3 });
    if (s.metadata) s.metadata.deletionTimestamp = new Date(NOW);
    const { steps, status } = plan(s, [pod(s, 0)]);
    assert.deepEqual(steps, []);
    assert.equal(status.replicas, 1);
  });

  test('status counts pods by readiness, availability and revision', () => {
    const s = set({ replicas: 4, minReadySeconds: 10 });
    const { status } = plan(
      s,
      [pod(s, 0), pod(s, 1, 'fresh'), pod(s, 2, 'pending', newRevisionOf), pod(s, 3, 'terminating')],
      newRevisionOf,
    );
    assert.deepEqual(
      {
        replicas: status.replicas,
        ready: status.readyReplicas,
        available: status.availableReplicas,
        current: status.currentReplicas,
        updated: status.updatedReplicas,
        observedGeneration: status.observedGeneration,
      },
      { replicas: 4, ready: 3, available: 2, current: 2, updated: 1, observedGeneration: '3' },
    );
  });

  test('a rolling update is complete once every pod is updated and ready', () => {
    const s = set({ replicas: 2 });
    const base = plan(
      s,
      [pod(s, 0, 'ready', newRevisionOf), pod(s, 1, 'ready', newRevisionOf)],
      newRevisionOf,
    );
    const done = completeRollingUpdate(s, base.status);
    assert.equal(done.currentRevision, 'web-new');
    assert.equal(done.currentReplicas, 2);
    const half = plan(s, [pod(s, 0, 'ready'), pod(s, 1, 'ready', newRevisionOf)], newRevisionOf).status;
    assert.equal(completeRollingUpdate(s, half).currentRevision, 'web-old');
    const onDelete = set({ onDelete: true });
    assert.equal(completeRollingUpdate(onDelete, base.status).currentRevision, 'web-old');
    assert.equal(statusChanged(done, { ...done }), false);
    assert.equal(statusChanged(done, { ...done, collisionCount: 1 }), true);
    assert.equal(statusChanged(undefined, done), true);
  });
});
