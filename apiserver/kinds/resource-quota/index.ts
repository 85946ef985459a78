/** The ResourceQuota: its strategy. */
import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindDefinition } from '../kind-definition.js';
import { resourceQuotaStrategy } from './strategy.js';

export const resourceQuotaKind: KindDefinition<ResourceQuota> = {
  kind: 'ResourceQuota',
  strategy: () => resourceQuotaStrategy(),
};
