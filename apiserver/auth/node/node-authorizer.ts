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
 * A request about one pod is decided by the graph when the graph binds the pod to the
 * node. The graph follows the watch cache and so lags the store: a pod bound a moment
 * ago, or bound again under a reused name, may be missing or bound elsewhere in it, and
 * a pod deleted a moment ago is gone from it. Then the pod as the store holds it decides
 * (a consistent read): bound to the node, allowed; bound elsewhere or unbound, no
 * opinion; gone, allowed, so that the request itself finds nothing and answers
 * NOT_FOUND, which is what a kubelet confirming a deletion must hear, not a refusal.
 * A write that then meets a pod created meanwhile under that name is NodeRestriction
 * admission's to refuse: it checks the pod the write applies to; a read that meets one
 * shows no more than the node's list of all pods does.
 *
 * Anything else gets no opinion: the next authorizer (RBAC) decides.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Authorizer, Decision, RequestAttributes, UserInfo } from '../types.js';
import type { NodeGraph } from './node-graph.js';

/** The pod as the store now holds it; undefined when there is none. */
export type PodLookup = (namespace: string, name: string) => Promise<Pod | undefined>;

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
  /** Without `lookupPod`, the graph alone decides about pods. */
  constructor(
    private readonly graph: NodeGraph,
    private readonly lookupPod?: PodLookup,
  ) {}

  authorize(attrs: RequestAttributes): Decision | Promise<Decision> {
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

  private core(node: string, a: RequestAttributes): Decision | Promise<Decision> {
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
      case 'pods': {
        if (subresource === '' && (verb === 'list' || verb === 'watch' || verb === 'create')) {
          return allow(`node "${node}" may ${verb} pods`);
        }
        const ok =
          (subresource === '' && (verb === 'get' || verb === 'delete')) ||
          (subresource === 'status' && ['get', 'update', 'patch'].includes(verb));
        if (!ok || name === '') return noOpinion();
        if (this.graph.nodeOf(namespace, name) === node) return allow(`pod is bound to node "${node}"`);
        return this.podInStore(node, namespace, name);
      }
      // Every kubelet reads the Services of its pods' namespaces, for their service links.
      case 'services':
        return subresource === '' && ['get', 'list', 'watch'].includes(verb)
          ? allow('nodes read services')
          : noOpinion();
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

  /** The decision on a pod the graph does not bind to `node`, from the pod as stored. */
  private podInStore(node: string, namespace: string, name: string): Decision | Promise<Decision> {
    const unrelated = noOpinion(`no relationship found between node "${node}" and this pod`);
    const lookup = this.lookupPod;
    if (!lookup) return unrelated;
    return lookup(namespace, name).then(
      (pod) => {
        if (pod === undefined) return allow('no such pod: the request will find nothing');
        return pod.spec?.nodeName === node ? allow(`pod is bound to node "${node}"`) : unrelated;
      },
      () => unrelated,
    );
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
