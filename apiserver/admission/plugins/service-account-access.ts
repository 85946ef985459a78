/** The ServiceAccount plugin's reads and its one write, through the apiserver's reader and registry. */

import { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { systemContext } from '../../registry/context.js';
import type { AdmissionDeps } from '../deps.js';
import { defaultServiceAccountName, ignoreExists, type ServiceAccountAccess } from './service-account.js';

export function registryServiceAccountAccess(deps: AdmissionDeps): ServiceAccountAccess {
  return {
    get: (namespace, name) => deps.reader.get<ServiceAccount>('ServiceAccount', namespace, name),
    async createDefault(namespace) {
      const registry = deps.registries.get('ServiceAccount');
      if (!registry) throw new Error('no registry for ServiceAccount');
      const account = ServiceAccount.fromPartial({
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: defaultServiceAccountName, namespace },
      });
      await ignoreExists(registry.create(account, systemContext()));
      deps.logger.info({ namespace }, 'created the default service account');
    },
  };
}
