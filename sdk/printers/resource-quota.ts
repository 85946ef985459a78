/** ResourceQuotas: NAME AGE REQUEST LIMIT, each resource as `used/hard`. */
import type { ResourceQuota } from '../gen/wheelhouse/core/v1/resource_quota.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

/**
 * `pods: 2/10, requests.cpu: 500m/2` over the quota's resources in name order, the
 * `limits.*` ones in the LIMIT column and the others in REQUEST. The spec's hard
 * limits stand in until the quota controller has written the status.
 */
export function quotaUsage(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? q.spec?.hard ?? {};
  const used = q.status?.used ?? {};
  return Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`)
    .join(', ');
}

export const resourceQuotaPrinter = definePrinter<ResourceQuota>([
  nameColumn,
  ageColumn,
  column('Request', 'string', 'Used and hard amounts of the resources other than limits.', (q) =>
    quotaUsage(q, false),
  ),
  column('Limit', 'string', 'Used and hard amounts of the limits.* resources.', (q) => quotaUsage(q, true)),
]);
