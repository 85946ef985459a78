/** Test helpers: RBAC for service accounts on a test cluster (test/cluster.ts). */
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { type Cluster, call } from '../../../test/cluster.js';

/**
 * Kubernetes' `pod-reader` Role in `namespace` (get, list and watch pods) bound to
 * `subjects`; resolves once RBAC lets `probe` list pods there (bindings take effect
 * through a watch, within a second).
 */
export async function grantPodReader(
  cluster: Cluster,
  namespace: string,
  subjects: Partial<Subject>[],
  probe: () => Promise<unknown>,
): Promise<void> {
  await call(cluster.client('roles'), 'createRole', {
    role: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'pod-reader', namespace },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list'] }],
    },
  });
  await call(cluster.client('rolebindings'), 'createRoleBinding', {
    roleBinding: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'read-pods', namespace },
      subjects,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
    },
  });
  // The authorizer learns of the binding through its watch; 20 s only bounds a failure.
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await probe();
      return;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.PERMISSION_DENIED) || Date.now() > deadline)
        throw err;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
