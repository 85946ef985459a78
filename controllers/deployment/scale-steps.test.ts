import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { kinds } from '../../sdk/kinds.js';
import { decodeObject, encodeObject, type Json, type JsonObject } from '../../sdk/manifest/index.js';
import { applyJsonPatch, parseJsonPatch } from '../../sdk/patch/json-patch.js';
import { oldReplicaSetsScaleDown, type ScaleStep } from './rollout-plan.js';
import { scalePatch } from './scale-patch.js';
import { applyScaleSteps, ResizeGuardError, type ScaleWriter } from './scale-steps.js';
import { webDeployment } from './testing.js';

const info = kinds.find((k) => k.kind === 'ReplicaSet');

function rs(name: string, replicas: number, available: number, ageS: number): ReplicaSet {
  return ReplicaSet.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      generation: '1',
      resourceVersion: '1',
      creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, ageS)),
      annotations: { 'deployment.kubernetes.io/revision': '1' },
    },
    spec: { replicas },
    status: { replicas, availableReplicas: available, observedGeneration: '1' },
  });
}

const available = (obj: ReplicaSet, n: number): ReplicaSet =>
  ReplicaSet.fromPartial({ ...obj, status: { ...obj.status, availableReplicas: n } });

/**
 * An apiserver's ReplicaSets in memory: steps are written as the controller writes them
 * (scale-patch.ts, applied to the object as stored), and `beforeWrite` plays the
 * ReplicaSet controller's status writes landing between a step's decision and its write.
 */
function store(objs: readonly ReplicaSet[], beforeWrite: (name: string, attempt: number) => void = () => {}) {
  const held = new Map(objs.map((o) => [o.metadata?.name ?? '', o]));
  const attempts = new Map<string, number>();
  /** Each write tried: the ReplicaSet, the size, the available count it tested. */
  const tried: [string, number, unknown][] = [];
  let rv = 1;
  const writer: ScaleWriter = {
    async write(step: ScaleStep) {
      assert.ok(info);
      const name = step.rs.metadata?.name ?? '';
      const attempt = attempts.get(name) ?? 0;
      attempts.set(name, attempt + 1);
      beforeWrite(name, attempt);
      const patch = scalePatch(step.rs, step.replicas, {});
      tried.push([name, step.replicas, patch.find((op) => op.path === '/status/availableReplicas')?.value]);
      const current = held.get(name);
      if (!current) throw new ApiError(Code.NOT_FOUND, `${name} not found`);
      let next: ReplicaSet;
      try {
        const ops = parseJsonPatch(JSON.parse(JSON.stringify(patch)) as Json);
        next = decodeObject(
          info,
          applyJsonPatch(encodeObject(info, current) as JsonObject, ops),
        ) as ReplicaSet;
      } catch (err) {
        throw new ResizeGuardError(step.rs, step.replicas, (err as Error).message);
      }
      if (next.metadata) {
        next.metadata.resourceVersion = String(++rv);
        if (next.spec?.replicas !== current.spec?.replicas)
          next.metadata.generation = String(Number(current.metadata?.generation ?? '0') + 1);
      }
      held.set(name, next);
      return next;
    },
    async read(obj) {
      const current = held.get(obj.metadata?.name ?? '');
      if (!current) throw new ApiError(Code.NOT_FOUND, 'not found');
      return current;
    },
  };
  return {
    writer,
    tried,
    get: (name: string) => held.get(name) as ReplicaSet,
    set(name: string, change: (o: ReplicaSet) => ReplicaSet) {
      const next = change(held.get(name) as ReplicaSet);
      if (next.metadata) next.metadata.resourceVersion = String(++rv);
      held.set(name, next);
    },
  };
}

test('a count caught up with the last resize: the step is decided again and written', async () => {
  // 4 replicas, maxSurge 1, maxUnavailable 0; the old ReplicaSet was just resized 4 → 3
  // and the sync still sees its 4 pods available; the ReplicaSet controller has since
  // deleted one and reported 3, which does not change what may go.
  const d = webDeployment('web', 4, { maxSurge: 1, maxUnavailable: 0 });
  const cur = rs('web-new', 2, 2, 10);
  const seen = rs('web-old', 3, 4, 0);
  const s = store([seen], (name, attempt) => {
    if (name === 'web-old' && attempt === 0) s.set(name, (o) => available(o, 3));
  });
  const out = await applyScaleSteps([seen], (olds) => oldReplicaSetsScaleDown(d, olds, cur), s.writer);
  assert.deepEqual(s.tried, [
    ['web-old', 2, 4],
    ['web-old', 2, 3],
  ]);
  assert.equal(s.get('web-old').spec?.replicas, 2);
  assert.equal(out.rss[0], s.get('web-old'), 'the ReplicaSet as written');
  assert.deepEqual([out.written, out.redecided], [1, true]);
});

test('availability that went up is decided from again: the step may move to another ReplicaSet', async () => {
  // 4 replicas, maxSurge 0, maxUnavailable 1: one pod may go. Seen: the newer old
  // ReplicaSet has an unavailable pod, the one to go; by the write it is available, and
  // the oldest ReplicaSet gives up an available pod instead.
  const d = webDeployment('web', 4, { maxSurge: 0, maxUnavailable: 1 });
  const cur = rs('web-new', 0, 0, 20);
  const a = rs('web-a', 2, 2, 0);
  const b = rs('web-b', 2, 1, 10);
  const s = store([a, b], (name, attempt) => {
    if (name === 'web-b' && attempt === 0) s.set(name, (o) => available(o, 2));
  });
  const out = await applyScaleSteps([a, b], (olds) => oldReplicaSetsScaleDown(d, olds, cur), s.writer);
  assert.deepEqual(s.tried, [
    ['web-b', 1, 1],
    ['web-a', 1, 2],
  ]);
  assert.deepEqual([s.get('web-a').spec?.replicas, s.get('web-b').spec?.replicas], [1, 2]);
  assert.deepEqual(
    out.rss.map((o) => o.spec?.replicas),
    [1, 2],
  );
});

test('availability that fell is decided from again, and a step that went through stays', async () => {
  // maxUnavailable 2 of 4: seen all available, the oldest goes to 0 and the other loses
  // one. The other's pods fall to 1 available before its write: its guard refuses the
  // step, and the step decided again spends from what the oldest's write left.
  const d = webDeployment('web', 4, { maxSurge: 0, maxUnavailable: 2 });
  const cur = rs('web-new', 0, 0, 20);
  const a = rs('web-a', 1, 1, 0);
  const b = rs('web-b', 3, 3, 10);
  const s = store([a, b], (name, attempt) => {
    if (name === 'web-b' && attempt === 0) s.set(name, (o) => available(o, 1));
  });
  const plan = (olds: readonly ReplicaSet[]) => oldReplicaSetsScaleDown(d, olds, cur);
  await applyScaleSteps([a, b], plan, s.writer);
  assert.deepEqual(s.tried, [
    ['web-a', 0, 1],
    ['web-b', 2, 3],
    ['web-b', 2, 1],
  ]);
  // What a new sync would decide from the apiserver's objects now: nothing more.
  assert.deepEqual(plan([s.get('web-a'), s.get('web-b')]), []);
});

test('availability that keeps falling is still refused: the sync fails and nothing is resized', async () => {
  const d = webDeployment('web', 4, { maxSurge: 0, maxUnavailable: 1 });
  const cur = rs('web-new', 0, 0, 20);
  const seen = rs('web-old', 4, 4, 0);
  const s = store([seen], (name) => s.set(name, (o) => available(o, (o.status?.availableReplicas ?? 0) - 1)));
  await assert.rejects(
    applyScaleSteps([seen], (olds) => oldReplicaSetsScaleDown(d, olds, cur), s.writer),
    (e) =>
      e instanceof ResizeGuardError && e.code === Code.ABORTED && /web-old changed since/.test(e.message),
  );
  assert.deepEqual(s.tried, [
    ['web-old', 3, 4],
    ['web-old', 3, 3],
  ]);
  assert.equal(s.get('web-old').spec?.replicas, 4);
});

test('a ReplicaSet resized or recreated since is not decided again here', async () => {
  const d = webDeployment('web', 4, { maxSurge: 0, maxUnavailable: 1 });
  const cur = rs('web-new', 0, 0, 20);
  const plan = (olds: readonly ReplicaSet[]) => oldReplicaSetsScaleDown(d, olds, cur);
  for (const change of [
    (o: ReplicaSet) =>
      ReplicaSet.fromPartial({
        ...o,
        metadata: { ...o.metadata, generation: '2' },
        spec: { ...o.spec, replicas: 5 },
      }),
    (o: ReplicaSet) => ReplicaSet.fromPartial({ ...o, metadata: { ...o.metadata, uid: 'another' } }),
  ]) {
    const seen = rs('web-old', 4, 4, 0);
    const s = store([seen], (name, attempt) => {
      if (attempt === 0) s.set(name, change);
    });
    await assert.rejects(applyScaleSteps([seen], plan, s.writer), ResizeGuardError);
    assert.equal(s.tried.length, 1, 'written once');
  }
});

test('another failure fails the call without deciding again', async () => {
  const seen = rs('web-old', 4, 4, 0);
  const s = store([]);
  await assert.rejects(
    applyScaleSteps([seen], (olds) => olds.map((o) => ({ rs: o, replicas: 3 })), s.writer),
    (e) => e instanceof ApiError && e.code === Code.NOT_FOUND,
  );
  assert.equal(s.tried.length, 1);
});

test('no step: nothing written', async () => {
  const seen = rs('web-old', 4, 4, 0);
  const s = store([seen]);
  const out = await applyScaleSteps([seen], () => [], s.writer);
  assert.deepEqual([out.written, out.redecided, s.tried.length], [0, false, 0]);
  assert.equal(out.rss[0], seen);
});
