/**
 * Every active namespace gets a `default` ServiceAccount, as Kubernetes' service account
 * controller does, so that pods (and `whctl create token default`) find one from the
 * start. An informer follows the namespaces' watch cache for the apiserver's lifetime; the
 * ServiceAccount admission plugin still creates one on demand if a pod is faster.
 */

import { ApiError, Code } from '../../sdk/errors.js';
import type { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { SharedInformer } from '../../sdk/informers/shared-informer.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import { systemContext } from '../registry/context.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { cacheListerWatcher } from '../watch-cache/cache-lister-watcher.js';

export async function runDefaultServiceAccounts(
  namespaces: GenericRegistry<Namespace>,
  serviceAccounts: GenericRegistry<KindObject>,
  logger: Logger,
  signal: AbortSignal,
): Promise<void> {
  const ensure = async (ns: Namespace) => {
    const name = ns.metadata?.name ?? '';
    if (name === '' || ns.metadata?.deletionTimestamp !== undefined) return;
    const sa = typesOf(serviceAccounts.info).message.create({
      metadata: { name: 'default', namespace: name } as KindObject['metadata'],
    });
    try {
      await serviceAccounts.create(sa, systemContext());
      logger.debug({ namespace: name }, 'created the default service account');
    } catch (err) {
      if (
        err instanceof ApiError &&
        (err.code === Code.ALREADY_EXISTS || err.code === Code.FAILED_PRECONDITION)
      )
        return;
      logger.warn({ err, namespace: name }, 'could not create the default service account');
    }
  };
  const cache = namespaces.cache;
  if (!cache) throw new Error('default service accounts need the namespaces watch cache');
  const informer = new SharedInformer<Namespace>(cacheListerWatcher(cache), { name: 'namespaces', logger });
  informer.addEventHandler({
    onAdd: (ns) => void ensure(ns),
    onUpdate: (_old, ns) => void ensure(ns),
  });
  await informer.run(signal);
}
