import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { planDrain } from './drain.js';

const pod = (
  name: string,
  opts: { owner?: string; emptyDir?: boolean; phase?: string; mirror?: boolean } = {},
) =>
  Pod.fromPartial({
    metadata: {
      name,
      namespace: 'ns',
      ownerReferences: opts.owner ? [{ kind: opts.owner, name: 'o', uid: 'u', controller: true }] : [],
      annotations: opts.mirror ? { 'kubernetes.io/config.mirror': 'x' } : {},
    },
    spec: { volumes: opts.emptyDir ? [{ name: 'v', emptyDir: {} }] : [] },
    status: { phase: opts.phase ?? 'Running' },
  });

const none = { ignoreDaemonSets: false, deleteEmptyDirData: false, force: false };
const all = { ignoreDaemonSets: true, deleteEmptyDirData: true, force: true };

test('drain refuses what would be lost, in kubectl filter order, and skips mirror pods', () => {
  const pods = [
    pod('bare'),
    pod('ds', { owner: 'DaemonSet' }),
    pod('tmp', { owner: 'ReplicaSet', emptyDir: true }),
  ];
  const refused = planDrain([...pods, pod('mirror', { mirror: true })], none);
  assert.deepEqual(refused.errors, [
    'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): ns/ds',
    'cannot delete Pods with local storage (use --delete-emptydir-data to override): ns/tmp',
    'cannot delete Pods that declare no controller (use --force to override): ns/bare',
  ]);
  const allowed = planDrain([...pods, pod('mirror', { mirror: true })], all);
  assert.deepEqual(allowed.errors, []);
  assert.deepEqual(
    allowed.evict.map((p) => p.metadata?.name),
    ['bare', 'tmp'],
  );
  assert.equal(allowed.warnings.length, 3);
});

test('finished pods need neither --force nor --delete-emptydir-data', () => {
  const plan = planDrain(
    [pod('done', { phase: 'Succeeded', emptyDir: true }), pod('rs', { owner: 'ReplicaSet' })],
    none,
  );
  assert.deepEqual(plan.errors, []);
  assert.deepEqual(plan.warnings, []);
  assert.deepEqual(
    plan.evict.map((p) => p.metadata?.name),
    ['done', 'rs'],
  );
});
