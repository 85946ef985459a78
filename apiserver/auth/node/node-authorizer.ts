/**
 * `--authorization-mode=Node`: what a kubelet may do, after Kubernetes' node authorizer.
 * A kubelet is the user `system:node:<name>` in the group `system:nodes`. It may read
 * what the pods bound to it need (the pods, the Secrets, ConfigMaps and ServiceAccounts
 * they reference, its own Node), and write its own Node and its status, its own Lease
 * in `kube-node-lease`, the status of the pods bound to it (and delete them, to finish a
 * graceful deletion), and events. Never another node's objects.
 *
 * Lists and watches of pods and nodes cannot be narrowed here (the kubelet selects its
 * own with a field selector the authorizer does not see), so they are allowed, as in
 * Kubernetes. Creates carry no name yet: which Node or mirror Pod a kubelet may create
 * is NodeRestriction admission's check on the object.
 *
 * Anything else gets no opinion: the next authorizer (RBAC) decides.
 */
import type { Authorizer, Decision, RequestAttributes, UserInfo } from '../types.js';
import type { NodeGraph } from './node-graph.js';

export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** The node a user is a kubelet of, or undefined for anyone else. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.name.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  const name = user.name.slice(NODE_USER_PREFIX.length);
  return name === '' ? undefined : name;
}

const allow = (reason: string): Decision => ({ allowed: true, reason });
const noOpinion = (reason = ''): Decision => ({ allowed: false, reason });

export class NodeAuthorizer implements Authorizer {
  constructor(private readonly graph: NodeGraph) {}

  authorize(attrs: RequestAttributes): Decision {
    const node = nodeNameOf(attrs.user);
    if (node === undefined) return noOpinion();
    switch (attrs.apiGroup) {
      case '':
        return this.core(node, attrs);
      case 'coordination.k8s.io':
        return attrs.resource === 'leases' ? this.lease(node, attrs) : noOpinion();
      default:
        return noOpinion();
    }
  }

  private core(node: string, a: RequestAttributes): Decision {
    const { verb, subresource, namespace, name } = a;
    switch (a.resource) {
      case 'nodes':
        if (subresource === '' && (verb === 'list' || verb === 'watch' || verb === 'create')) {
          return allow(`node "${node}" may ${verb} nodes`);
        }
        if (name !== node) return noOpinion(`node "${node}" may only access its own Node object`);
        if (subresource === '' && ['get', 'update', 'patch'].includes(verb))
          return allow(`node "${node}" owns this Node`);
        if (subresource === 'status' && ['get', 'update', 'patch'].includes(verb))
          return allow(`node "${node}" reports its own status`);
        return noOpinion();
      case 'pods':
        if (subresource === '' && (verb === 'list' || verb === 'watch' || verb === 'create')) {
          return allow(`node "${node}" may ${verb} pods`);
        }
        if (this.graph.nodeOf(namespace, name) !== node) {
          return noOpinion(`no relationship found between node "${node}" and this pod`);
        }
        if (subresource === '' && (verb === 'get' || verb === 'delete'))
          return allow(`pod is bound to node "${node}"`);
        if (subresource === 'status' && ['get', 'update', 'patch'].includes(verb))
          return allow(`pod is bound to node "${node}"`);
        return noOpinion();
      case 'secrets':
      case 'configmaps':
        if (subresource !== '' || verb !== 'get')
          return noOpinion(`node "${node}" may only get ${a.resource} its pods reference`);
        return this.graph.references(node, a.resource, namespace, name)
          ? allow(`referenced by a pod bound to node "${node}"`)
          : noOpinion(`no relationship found between node "${node}" and this object`);
      case 'serviceaccounts': {
        const ok = (subresource === '' && verb === 'get') || (subresource === 'token' && verb === 'create');
        if (!ok) return noOpinion();
        return this.graph.references(node, 'serviceaccounts', namespace, name)
          ? allow(`used by a pod bound to node "${node}"`)
          : noOpinion(`no relationship found between node "${node}" and this object`);
      }
      case 'events':
        return ['create', 'update', 'patch'].includes(verb) && subresource === ''
          ? allow('nodes record events')
          : noOpinion();
      default:
        return noOpinion();
    }
  }

  private lease(node: string, a: RequestAttributes): Decision {
    if (a.namespace !== NODE_LEASE_NAMESPACE || a.subresource !== '') {
      return noOpinion(`node leases live in the "${NODE_LEASE_NAMESPACE}" namespace`);
    }
    if (a.verb === 'create') return allow(`node "${node}" may create its lease`);
    if (a.name !== node) return noOpinion(`node "${node}" may only access its own Lease`);
    return ['get', 'update', 'patch', 'delete'].includes(a.verb)
      ? allow(`node "${node}" owns this Lease`)
      : noOpinion();
  }
}
