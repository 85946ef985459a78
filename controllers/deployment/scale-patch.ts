/**
 * A ReplicaSet's resize as a JSON patch that names what the resize was decided from.
 *
 * A ReplicaSet has two writers: the Deployment controller sizes it (spec.replicas and
 * the replica annotations) and the ReplicaSet controller reports on it (status). Both
 * bump its one resourceVersion, so an update made from the cache conflicts whenever
 * the ReplicaSet controller has written status since, which during a rollout is most of
 * the time, though the status it wrote rarely bears on the resize.
 *
 * The patch carries no resourceVersion: the apiserver applies it to the ReplicaSet as
 * it is at the write, past any status written meanwhile. Its `test` operations hold
 * what the step read instead, and fail the patch (INVALID_ARGUMENT, "test failed") when
 * that changed: the uid (deleted and recreated), the generation (another spec change,
 * such as another resize) and, for a scale-down, which spends availability within
 * maxUnavailable, the pods available. The status is tested only when the step saw some
 * pods available: the manifest form leaves out a count of 0, and nothing is spent then.
 * A test that fails on the status alone is answered by deciding the step again from the
 * ReplicaSet as the apiserver holds it (scale-steps.ts), not by failing the sync.
 */
import type { ReplicaSet } from '../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { replicasOf } from './deployment-util.js';

export type PatchOperation = { readonly op: 'test' | 'add'; readonly path: string; readonly value: unknown };

/** A JSON Pointer token (RFC 6901): `~` and `/` escaped. */
const token = (key: string) => key.replaceAll('~', '~0').replaceAll('/', '~1');

export function scalePatch(
  seen: ReplicaSet,
  replicas: number,
  annotations: Readonly<Record<string, string>>,
): PatchOperation[] {
  const meta = seen.metadata;
  const ops: PatchOperation[] = [{ op: 'test', path: '/metadata/uid', value: meta?.uid ?? '' }];
  const generation = Number(meta?.generation ?? '0');
  if (generation > 0) ops.push({ op: 'test', path: '/metadata/generation', value: generation });
  if (seen.spec?.replicas !== undefined)
    ops.push({ op: 'test', path: '/spec/replicas', value: seen.spec.replicas });
  const available = seen.status?.availableReplicas ?? 0;
  if (replicas < replicasOf(seen) && available > 0)
    ops.push({ op: 'test', path: '/status/availableReplicas', value: available });
  ops.push({ op: 'add', path: '/spec/replicas', value: replicas });
  // A member of an absent map cannot be added: the whole map then (ours hold the revision).
  if (Object.keys(meta?.annotations ?? {}).length === 0)
    ops.push({ op: 'add', path: '/metadata/annotations', value: { ...annotations } });
  else
    for (const [key, value] of Object.entries(annotations))
      ops.push({ op: 'add', path: `/metadata/annotations/${token(key)}`, value });
  return ops;
}
