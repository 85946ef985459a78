/**
 * The service account controller (Kubernetes' pkg/controller/serviceaccount): every
 * active namespace has a `default` ServiceAccount. Reconciled per namespace, when the
 * namespace appears and when its `default` ServiceAccount is deleted; a namespace being
 * deleted is left alone (the apiserver would refuse the create anyway).
 */
import type { ComponentContext } from '../../sdk/component/index.js';
import { createController } from '../../sdk/controller/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ServiceAccount } from '../../sdk/gen/wheelhouse/core/v1/service_account.js';

/** The ServiceAccounts every namespace gets. */
export const DEFAULT_SERVICE_ACCOUNTS = ['default'];

export function createServiceAccountController(ctx: ComponentContext, opts: { workers: number }) {
  const { clients, informers, logger, registry } = ctx;
  const namespaces = informers.informerFor<Namespace>('Namespace');
  const serviceAccounts = informers.informerFor<ServiceAccount>('ServiceAccount');
  const client = clients.kind<ServiceAccount>('ServiceAccount');

  const controller = createController({
    name: 'serviceaccount',
    workers: opts.workers,
    logger,
    registry,
    async reconcile({ name: namespace }) {
      const ns = namespaces.indexer.get(namespace);
      if (!ns || ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating')
        return undefined;
      for (const name of DEFAULT_SERVICE_ACCOUNTS) {
        if (serviceAccounts.indexer.has(`${namespace}/${name}`)) continue;
        try {
          await client.create(
            ServiceAccount.fromPartial({
              apiVersion: 'v1',
              kind: 'ServiceAccount',
              metadata: { name, namespace },
            }),
          );
          logger.debug({ namespace, serviceAccount: name }, 'created service account');
        } catch (err) {
          if (err instanceof ApiError && err.code === Code.ALREADY_EXISTS) continue;
          // The namespace started terminating since the cache saw it.
          if (err instanceof ApiError && err.code === Code.FAILED_PRECONDITION) return undefined;
          throw err;
        }
      }
      return undefined;
    },
  });
  controller.watch(namespaces, (ns) => [{ namespace: '', name: ns.metadata?.name ?? '' }]);
  controller.watch(serviceAccounts, (sa) =>
    DEFAULT_SERVICE_ACCOUNTS.includes(sa.metadata?.name ?? '')
      ? [{ namespace: '', name: sa.metadata?.namespace ?? '' }]
      : [],
  );
  return controller;
}
