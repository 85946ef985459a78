/**
 * Feeds the RBAC policy from the apiserver's own watch caches of the four RBAC kinds,
 * so that a Role or binding written through the API takes effect as soon as the cache
 * sees it (milliseconds), with no restart and no polling.
 */
import type { ClusterRole } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { Role } from '../../../sdk/gen/wheelhouse/rbac/v1/role.js';
import type { RoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { Logger } from '../../../sdk/logger.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import type { WatchCache } from '../../watch-cache/index.js';
import { followCache } from './follow-cache.js';
import type { RbacPolicy } from './rbac-policy.js';

function cacheOf<T extends KindObject>(
  registries: ReadonlyMap<string, GenericRegistry<KindObject>>,
  kind: string,
): WatchCache<T> {
  const cache = registries.get(kind)?.cache;
  if (!cache) throw new Error(`RBAC needs the watch cache of ${kind}`);
  return cache as unknown as WatchCache<T>;
}

/** Resolves once the policy holds every RBAC object the caches had; follows changes until `signal` aborts. */
export async function syncPolicy(
  policy: RbacPolicy,
  registries: ReadonlyMap<string, GenericRegistry<KindObject>>,
  signal: AbortSignal,
  logger: Logger,
): Promise<void> {
  const ns = (o: KindObject) => o.metadata?.namespace ?? '';
  const name = (o: KindObject) => o.metadata?.name ?? '';
  await Promise.all([
    followCache<Role>(
      cacheOf(registries, 'Role'),
      'roles',
      {
        set: (r) => policy.setRole(ns(r), name(r), r.rules),
        remove: (r) => policy.deleteRole(ns(r), name(r)),
      },
      signal,
      logger,
    ),
    followCache<ClusterRole>(
      cacheOf(registries, 'ClusterRole'),
      'clusterroles',
      {
        set: (r) => policy.setClusterRole(name(r), r.rules),
        remove: (r) => policy.deleteClusterRole(name(r)),
      },
      signal,
      logger,
    ),
    followCache<RoleBinding>(
      cacheOf(registries, 'RoleBinding'),
      'rolebindings',
      {
        set: (b) =>
          policy.setBinding({
            kind: 'RoleBinding',
            namespace: ns(b),
            name: name(b),
            subjects: b.subjects,
            roleRef: b.roleRef,
          }),
        remove: (b) => policy.deleteBinding('RoleBinding', ns(b), name(b)),
      },
      signal,
      logger,
    ),
    followCache<ClusterRoleBinding>(
      cacheOf(registries, 'ClusterRoleBinding'),
      'clusterrolebindings',
      {
        set: (b) =>
          policy.setBinding({
            kind: 'ClusterRoleBinding',
            namespace: '',
            name: name(b),
            subjects: b.subjects,
            roleRef: b.roleRef,
          }),
        remove: (b) => policy.deleteBinding('ClusterRoleBinding', '', name(b)),
      },
      signal,
      logger,
    ),
  ]);
  await policy.settled();
}
