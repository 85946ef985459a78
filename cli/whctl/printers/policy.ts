/**
 * Leases (NAME HOLDER AGE), LimitRanges (NAME CREATED AT), ResourceQuotas (NAME AGE
 * REQUEST LIMIT, each `resource: used/hard`) and webhook configurations (NAME WEBHOOKS
 * AGE), as kubectl prints them.
 */
import type { MutatingWebhookConfiguration } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { Lease } from '../../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';
import { createdAtColumn } from './rbac.js';

export const leasePrinter = definePrinter<Lease>([
  { header: 'HOLDER', cell: (l) => l.spec?.holderIdentity ?? '' },
  ageColumn,
]);

export const limitRangePrinter = definePrinter<KindObject>([createdAtColumn]);

/** `pods: 2/10, requests.cpu: 500m/2` for the quota's resources a column takes. */
function usage(q: ResourceQuota, limits: boolean): string {
  const hard = q.status?.hard ?? q.spec?.hard ?? {};
  const used = q.status?.used ?? {};
  return Object.keys(hard)
    .filter((k) => k.startsWith('limits.') === limits)
    .sort()
    .map((k) => `${k}: ${used[k] ?? '0'}/${hard[k]}`)
    .join(', ');
}

export const resourceQuotaPrinter = definePrinter<ResourceQuota>([
  ageColumn,
  { header: 'REQUEST', cell: (q) => usage(q, false) },
  { header: 'LIMIT', cell: (q) => usage(q, true) },
]);

export const webhookConfigurationPrinter = definePrinter<MutatingWebhookConfiguration>([
  { header: 'WEBHOOKS', cell: (c) => String(c.webhooks.length) },
  ageColumn,
]);
