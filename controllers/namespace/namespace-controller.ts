/**
 * The namespace controller (Kubernetes' pkg/controller/namespace): a namespace with a
 * deletionTimestamp is emptied of every namespaced kind, its conditions say what remains
 * and why, and once nothing remains its `kubernetes` finalizer (spec.finalizers) is
 * removed through the namespace's finalize subresource — the apiserver then deletes it,
 * as its strategy holds a namespace while spec.finalizers is not empty.
 *
 * While content remains the namespace is looked at again: when the pods' grace periods
 * end, or with a backoff doubling from 1 s to 30 s while finalizers hold objects.
 */
import type { ComponentContext } from '../../sdk/component/index.js';
import { createController } from '../../sdk/controller/index.js';
import type { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { kinds } from '../../sdk/kinds.js';
import { getLive, type ObjectIdentity, updateLive } from '../garbage-collector/live-object.js';
import { conditionsFor, mergeConditions } from './conditions.js';
import { deleteNamespacedContent } from './namespaced-content-deleter.js';

/** The finalizer of spec.finalizers this controller owns. */
export const FINALIZER_KUBERNETES = 'kubernetes';

const minRequeueMs = 1_000;
const maxRequeueMs = 30_000;

export function createNamespaceController(ctx: ComponentContext, opts: { workers: number }) {
  const { clients, informers, logger, registry } = ctx;
  const api = clients.api;
  const info = kinds.find((k) => k.kind === 'Namespace');
  if (!info) throw new Error('the kind table has no Namespace');
  const namespaces = informers.informerFor<Namespace>(info);
  const attempts = new Map<string, number>();

  const controller = createController({
    name: 'namespace',
    workers: opts.workers,
    logger,
    registry,
    async reconcile({ name }) {
      const cached = namespaces.indexer.get(name);
      if (!cached?.metadata?.deletionTimestamp || !cached.spec?.finalizers.includes(FINALIZER_KUBERNETES)) {
        attempts.delete(name);
        return undefined;
      }
      const id: ObjectIdentity = { info, namespace: '', name, uid: cached.metadata.uid };
      const report = await deleteNamespacedContent(api, name);
      const live = (await getLive(api, id)) as Namespace | undefined;
      if (!live?.status) return undefined;
      const merged = mergeConditions(live.status.conditions, conditionsFor(report), new Date());
      if (merged) {
        live.status.conditions = merged;
        await api.updateStatus(info, live);
      }
      if (report.remaining.size > 0 || report.errors.length > 0) {
        const n = attempts.get(name) ?? 0;
        attempts.set(name, n + 1);
        const backoff = Math.min(minRequeueMs * 2 ** n, maxRequeueMs);
        const untilGraceEnds = report.graceEndsAt - Date.now();
        const requeueAfter = untilGraceEnds > 0 ? Math.min(untilGraceEnds + minRequeueMs, backoff) : backoff;
        logger.debug(
          { namespace: name, remaining: Object.fromEntries(report.remaining), requeueAfter },
          'content remains',
        );
        return { requeueAfter };
      }
      attempts.delete(name);
      await updateLive(
        api,
        id,
        (obj) => {
          const ns = obj as Namespace;
          if (!ns.spec?.finalizers.includes(FINALIZER_KUBERNETES)) return false;
          ns.spec.finalizers = ns.spec.finalizers.filter((f) => f !== FINALIZER_KUBERNETES);
          return true;
        },
        (obj) => api.call(info, 'finalizeNamespace', { namespace: obj }),
      );
      logger.info({ namespace: name }, 'namespace emptied; removed its kubernetes finalizer');
      return undefined;
    },
  });
  controller.watch(namespaces);
  return controller;
}
