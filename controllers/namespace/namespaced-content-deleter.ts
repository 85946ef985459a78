/**
 * Emptying a namespace (Kubernetes' NamespacedResourcesDeleter): every namespaced kind the
 * API serves is listed and each object not yet being deleted is deleted with the default
 * options — pods get their grace period, finalizers hold what they hold. Then what is
 * left is counted, by kind and by finalizer, for the namespace's conditions.
 */
import type { ApiClient } from '../../sdk/client/index.js';
import { eachLimited } from '../../sdk/each-limited.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { type KindInfo, kinds } from '../../sdk/kinds.js';

export interface ContentReport {
  /** Objects left, by resource (`pods`). */
  readonly remaining: ReadonlyMap<string, number>;
  /** Objects left holding each finalizer. */
  readonly finalizers: ReadonlyMap<string, number>;
  /** What failed, as `resource: message`. */
  readonly errors: readonly string[];
  /** When the longest pod grace period left ends (ms since the epoch); 0 when none. */
  readonly graceEndsAt: number;
}

const concurrentDeletes = 16;
const pageSize = '500';

async function listAll(api: ApiClient, info: KindInfo, namespace: string): Promise<KindObject[]> {
  const out: KindObject[] = [];
  let cont = '';
  do {
    const page = await api.list(info, namespace, { limit: pageSize, continue: cont });
    out.push(...page.items);
    cont = page.metadata?.continue ?? '';
  } while (cont !== '');
  return out;
}

/** Deletes what the namespace holds and reports what is left. */
export async function deleteNamespacedContent(
  api: ApiClient,
  namespace: string,
  namespacedKinds: readonly KindInfo[] = kinds.filter((k) => k.namespaced),
): Promise<ContentReport> {
  const remaining = new Map<string, number>();
  const finalizers = new Map<string, number>();
  const errors: string[] = [];
  let graceEndsAt = 0;
  await Promise.all(
    namespacedKinds.map(async (info) => {
      try {
        const objects = await listAll(api, info, namespace);
        const live = objects.filter((o) => o.metadata?.deletionTimestamp === undefined);
        const failures: string[] = [];
        await eachLimited(live, concurrentDeletes, async (obj) => {
          try {
            await api.delete(info, namespace, obj.metadata?.name ?? '', {
              preconditions: { uid: obj.metadata?.uid ?? '', resourceVersion: '' },
            });
          } catch (err) {
            if (err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)) return;
            failures.push(err instanceof Error ? err.message : String(err));
          }
        });
        if (failures.length > 0) errors.push(`${info.resource}: ${failures[0]}`);
        const left = live.length === 0 && objects.length === 0 ? [] : await listAll(api, info, namespace);
        if (left.length > 0) remaining.set(info.resource, left.length);
        for (const obj of left) {
          for (const f of obj.metadata?.finalizers ?? []) finalizers.set(f, (finalizers.get(f) ?? 0) + 1);
          if (info.kind === 'Pod') {
            const ends = (obj as Pod).metadata?.deletionTimestamp?.getTime() ?? 0;
            graceEndsAt = Math.max(graceEndsAt, ends);
          }
        }
      } catch (err) {
        errors.push(`${info.resource}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }),
  );
  errors.sort();
  return { remaining, finalizers, errors, graceEndsAt };
}
