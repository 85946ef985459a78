/**
 * Taint-based eviction (Kubernetes' NoExecuteTaintManager, the taint-eviction-controller):
 * a pod bound to a node with NoExecute taints is deleted
 *
 * - at once when one of the taints is not tolerated;
 * - after the least `tolerationSeconds` of the tolerations that match, counted from when
 *   the taints appeared (their `timeAdded`, else when this controller first saw them);
 * - never when every matching toleration is without `tolerationSeconds`.
 *
 * Taints removed before the time is up cancel the eviction. Each eviction is a graceful
 * delete with a TaintManagerEviction Event on the pod.
 */
import type { ComponentContext } from '../../sdk/component/index.js';
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Node, Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { indexByNodeName, NODE_NAME_INDEX } from '../../sdk/informers/index.js';
import { matchingTolerations, TAINT_EFFECT_NO_EXECUTE } from '../../sdk/scheduling/index.js';

/** When the pod must go (ms since the epoch): now or later; undefined when it may stay. */
export function evictionTime(pod: Pod, taints: readonly Taint[], firstSeen: number): number | undefined {
  const noExecute = taints.filter((t) => t.effect === TAINT_EFFECT_NO_EXECUTE);
  if (noExecute.length === 0) return undefined;
  const tolerations = (pod.spec?.tolerations ?? []).filter(
    (t) => t.effect === '' || t.effect === TAINT_EFFECT_NO_EXECUTE,
  );
  const matching = matchingTolerations(noExecute, tolerations);
  if (!matching) return firstSeen;
  const bounded = matching
    .filter((t) => t.tolerationSeconds !== undefined)
    .map((t) => Math.max(0, Number(t.tolerationSeconds)));
  if (bounded.length === 0) return undefined;
  const since = Math.min(...noExecute.map((t) => t.timeAdded?.getTime() ?? firstSeen), firstSeen);
  return since + Math.min(...bounded) * 1000;
}

export function createTaintEvictionController(ctx: ComponentContext, opts: { workers: number }) {
  const { clients, informers, logger, registry, events } = ctx;
  const pods = informers.informerFor<Pod>('Pod', {}, { [NODE_NAME_INDEX]: indexByNodeName });
  const nodes = informers.informerFor<Node>('Node');
  const podsClient = clients.kind<Pod>('Pod');
  /** When each pod (by key) was first seen on a NoExecute-tainted node. */
  const firstSeen = new Map<string, number>();

  const controller = createController({
    name: 'taint-eviction-controller',
    workers: opts.workers,
    logger,
    registry,
    async reconcile({ namespace, name }) {
      const key = `${namespace}/${name}`;
      const pod = pods.indexer.get(key);
      const nodeName = pod?.spec?.nodeName ?? '';
      const node = nodeName === '' ? undefined : nodes.indexer.get(nodeName);
      const taints = node?.spec?.taints ?? [];
      if (
        !pod ||
        !node ||
        pod.metadata?.deletionTimestamp !== undefined ||
        !taints.some((t) => t.effect === TAINT_EFFECT_NO_EXECUTE)
      ) {
        firstSeen.delete(key);
        return undefined;
      }
      const now = Date.now();
      const seen = firstSeen.get(key) ?? now;
      firstSeen.set(key, seen);
      const at = evictionTime(pod, taints, seen);
      if (at === undefined) return undefined;
      if (at > now) return { requeueAfter: at - now };
      events.event(
        { ...pod, apiVersion: 'v1', kind: 'Pod' },
        'Normal',
        'TaintManagerEviction',
        `Marking for deletion Pod ${key}`,
      );
      logger.info({ pod: key, node: nodeName }, 'evicting pod from a NoExecute-tainted node');
      try {
        await podsClient.delete(namespace, name, {
          preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
        });
      } catch (err) {
        if (!(err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)))
          throw err;
      }
      firstSeen.delete(key);
      return undefined;
    },
  });
  controller.watch(pods, (pod) =>
    (pod.spec?.nodeName ?? '') === ''
      ? []
      : [{ namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' }],
  );
  controller.watch(nodes, (node) =>
    pods.indexer.byIndex(NODE_NAME_INDEX, node.metadata?.name ?? '').map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
    })),
  );
  return controller;
}
