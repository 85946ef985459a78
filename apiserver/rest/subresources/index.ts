/**
 * The REST subresources of stored kinds (`pods/log`, `pods/exec`, `deployments/scale`, …)
 * and the resources that are not stored kinds (access reviews, metrics.k8s.io), as the
 * router looks them up.
 */
import type { RestSubresource, RestVirtualResource } from '../types.js';

/** Keyed `<resource>/<subresource>`. */
export const restSubresources: ReadonlyMap<string, RestSubresource> = new Map();

export const restVirtualResources: readonly RestVirtualResource[] = [];
