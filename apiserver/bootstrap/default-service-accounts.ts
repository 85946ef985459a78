/**
 * Every active namespace gets a `default` ServiceAccount, as Kubernetes' service account
 * controller does, so that pods (and `whctl create token default`) find one from the
 * start. It follows the namespaces' watch cache for the apiserver's lifetime; the
 * ServiceAccount admission plugin still creates one on demand if a pod is faster.
 */

import { ApiError, Code } from '../../sdk/errors.js';
import type { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ListOptions } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import { systemContext } from '../registry/context.js';
import type { GenericRegistry } from '../registry/generic-registry.js';

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
  while (!signal.aborted) {
    try {
      const events = await namespaces.watch('', ListOptions.fromPartial({ sendInitialEvents: true }), signal);
      for await (const event of events) {
        if (event.type === 'ADDED' || event.type === 'MODIFIED') await ensure(event.object);
      }
    } catch (err) {
      if (signal.aborted) return;
      logger.warn({ err }, 'namespace watch for default service accounts ended; restarting');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
