/**
 * The REST subresources of stored kinds (`pods/log`, `pods/exec`, `deployments/scale`, …)
 * and the resources that are not stored kinds (access reviews, metrics.k8s.io), as the
 * router looks them up.
 */
import type { RestSubresource, RestVirtualResource } from '../types.js';
import { accessReviewResources } from './access-reviews.js';
import { podBindingSubresource } from './binding.js';
import { podEvictionSubresource } from './eviction.js';
import { podExecSubresource } from './exec.js';
import { namespaceFinalizeSubresource } from './finalize.js';
import { podLogSubresource } from './log.js';
import { metricsResources } from './metrics.js';
import { scaleSubresources } from './scale.js';
import { serviceAccountTokenSubresource } from './token.js';

/** Keyed `<resource>/<subresource>`. */
export const restSubresources: ReadonlyMap<string, RestSubresource> = new Map([
  ['pods/log', podLogSubresource],
  ['pods/exec', podExecSubresource],
  ['pods/binding', podBindingSubresource],
  ['pods/eviction', podEvictionSubresource],
  ['serviceaccounts/token', serviceAccountTokenSubresource],
  ['namespaces/finalize', namespaceFinalizeSubresource],
  ...scaleSubresources,
]);

export const restVirtualResources: readonly RestVirtualResource[] = [
  ...accessReviewResources,
  ...metricsResources,
];
