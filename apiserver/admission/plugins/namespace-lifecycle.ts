/**
 * NamespaceLifecycle: objects can only be created in a namespace that exists and is
 * not being deleted, and the system namespaces cannot be deleted.
 *
 * The namespace is checked in the mutating phase, as Kubernetes' plugin does: before
 * any later mutating plugin acts for the request (the ServiceAccount plugin creates a
 * namespace's `default` account), so that a Pod in a missing namespace is refused for
 * the Pod, not for the account made on its behalf.
 */
import { ApiError } from '../../../sdk/errors.js';
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { AdmissionPlugin } from '../types.js';

export const systemNamespaces = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** Reads a namespace, from a cache where there is one; undefined when it does not exist. */
export type NamespaceLookup = (name: string) => Promise<Namespace | undefined>;

export function namespaceLifecycle(lookup: NamespaceLookup): AdmissionPlugin {
  return {
    name: 'NamespaceLifecycle',
    validate(attrs) {
      if (attrs.info.kind !== 'Namespace' || attrs.operation !== 'DELETE') return;
      if ((systemNamespaces as readonly string[]).includes(attrs.name)) {
        throw ApiError.forbidden(
          `namespaces "${attrs.name}" is forbidden: this namespace may not be deleted`,
        );
      }
    },
    async admit(attrs) {
      if (attrs.info.kind === 'Namespace' || !attrs.info.namespaced || attrs.operation !== 'CREATE') return;
      const ns = await lookup(attrs.namespace);
      if (ns === undefined) {
        throw ApiError.notFound(
          `namespaces "${attrs.namespace}" not found: create the namespace before creating ${attrs.info.resource} in it`,
          { name: attrs.namespace, kind: 'Namespace' },
        );
      }
      if (ns.metadata?.deletionTimestamp !== undefined || ns.status?.phase === 'Terminating') {
        throw ApiError.failedPrecondition(
          `unable to create new content in namespace ${attrs.namespace} because it is being terminated`,
          { name: attrs.namespace, kind: 'Namespace' },
        );
      }
    },
  };
}
