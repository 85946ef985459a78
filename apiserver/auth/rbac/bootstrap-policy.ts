/**
 * The ClusterRoles and ClusterRoleBindings every cluster starts with, after Kubernetes'
 * bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy), trimmed to the
 * resources Wheelhouse serves. They are created at apiserver start when missing, and
 * never overwritten: an operator's edits stay.
 *
 * Each component gets what it does and no more. The controller manager's own role is the
 * union of what its controllers need, for a manager that runs them all under its identity
 * (the default): the garbage collector and the namespace controller read, update and
 * delete objects of any kind, but it may not write RBAC objects, which would let it grant
 * itself anything. Started with `--use-service-account-credentials`, it runs each
 * controller as its own ServiceAccount, under that controller's role alone
 * (controller-roles.ts).
 */

import { ApiError, Code } from '../../../sdk/errors.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { ClusterRole } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { ClusterRoleBinding } from '../../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { PolicyRule, Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { typesOf } from '../../../sdk/kind-registry.js';
import type { Logger } from '../../../sdk/logger.js';
import { systemContext } from '../../registry/context.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { controllerAccounts, controllerRoleBindings, controllerRoles } from './controller-roles.js';
import {
  authenticationGroup,
  authorizationGroup,
  autoscalingGroup,
  coordinationGroup,
  discoveryGroup,
  events,
  rbacGroup,
  read,
  rule,
  schedulingGroup,
  urlRule,
  write,
} from './policy-rule.js';

const viewRules: PolicyRule[] = [
  rule(
    read,
    [''],
    [
      'pods',
      'pods/log',
      'pods/status',
      'configmaps',
      'endpoints',
      'persistentvolumeclaims',
      'persistentvolumeclaims/status',
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'replicationcontrollers/status',
      'serviceaccounts',
      'services',
      'services/status',
      'bindings',
      'events',
      'limitranges',
      'resourcequotas',
      'resourcequotas/status',
      'namespaces',
      'namespaces/status',
    ],
  ),
  rule(
    read,
    ['apps'],
    [
      'controllerrevisions',
      'daemonsets',
      'daemonsets/status',
      'deployments',
      'deployments/scale',
      'deployments/status',
      'replicasets',
      'replicasets/scale',
      'replicasets/status',
      'statefulsets',
      'statefulsets/scale',
      'statefulsets/status',
    ],
  ),
  rule(read, [autoscalingGroup], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(read, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  rule(read, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(read, [discoveryGroup], ['endpointslices']),
  // Kubernetes aggregates metrics.k8s.io reads (pods, nodes) into view; here they are
  // PodService.ListPodMetrics and NodeService.GetNodeStats, which read the kubelets' stats.
  rule(['get', 'list'], [''], ['pods/metrics']),
  rule(['get'], [''], ['nodes/stats']),
];

const editRules: PolicyRule[] = [
  rule(write, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(
    read,
    [''],
    ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy'],
  ),
  rule(
    write,
    [''],
    [
      'replicationcontrollers',
      'replicationcontrollers/scale',
      'serviceaccounts',
      'services',
      'services/proxy',
      'persistentvolumeclaims',
      'configmaps',
      'secrets',
      'events',
    ],
  ),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['create'], [''], ['pods/eviction']),
  rule(
    write,
    ['apps'],
    [
      'daemonsets',
      'deployments',
      'deployments/rollback',
      'deployments/scale',
      'replicasets',
      'replicasets/scale',
      'statefulsets',
      'statefulsets/scale',
    ],
  ),
  rule(write, [autoscalingGroup], ['horizontalpodautoscalers']),
  rule(write, ['batch'], ['cronjobs', 'jobs']),
  rule(write, ['policy'], ['poddisruptionbudgets']),
  ...viewRules,
];

const adminRules: PolicyRule[] = [
  rule([...read, ...write], [rbacGroup], ['roles', 'rolebindings']),
  rule(['create'], [authorizationGroup], ['localsubjectaccessreviews']),
  ...editRules,
];

const schedulerRules: PolicyRule[] = [
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews']),
  // Leader election.
  rule(['create'], [coordinationGroup], ['leases']),
  rule(['get', 'update'], [coordinationGroup], ['leases'], ['kube-scheduler']),
  rule(
    read,
    [''],
    ['nodes', 'pods', 'namespaces', 'services', 'replicationcontrollers', 'persistentvolumeclaims'],
  ),
  rule(read, ['apps'], ['replicasets', 'statefulsets']),
  // Preemption orders victims by priority and spares what disruption budgets protect.
  rule(read, ['policy'], ['poddisruptionbudgets']),
  rule(read, [schedulingGroup], ['priorityclasses']),
  rule(['create'], [''], ['pods/binding', 'bindings']),
  rule(['patch', 'update'], [''], ['pods/status']),
  // Preemption evicts lower-priority pods.
  rule(['delete'], [''], ['pods']),
  events,
];

const controllerManagerRules: PolicyRule[] = [
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews']),
  // The garbage collector and the namespace controller work on every kind. The same rule
  // lets the autoscaler controller follow autoscalers, set their workloads' scale and read
  // pods/metrics.
  rule(
    ['get', 'list', 'watch', 'update', 'patch', 'delete', 'deletecollection'],
    ['', 'apps', autoscalingGroup, 'batch', 'policy', coordinationGroup, discoveryGroup],
    ['*'],
  ),
  rule(read, [schedulingGroup], ['priorityclasses']),
  // The endpoints controller keeps each selecting Service's Endpoints.
  rule(['create'], [''], ['pods', 'serviceaccounts', 'configmaps', 'endpoints']),
  // The disruption controller's budgets hold evictions back; it and the node lifecycle
  // controller evict through the eviction subresource.
  rule(['create'], [''], ['pods/eviction']),
  // Deployments make ReplicaSets, DaemonSets and StatefulSets record their revisions,
  // CronJobs make Jobs.
  rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
  rule(['create'], ['batch'], ['jobs']),
  rule(['create'], [discoveryGroup], ['endpointslices']),
  rule(['create'], [coordinationGroup], ['leases']),
  events,
  // RBAC objects: read all, delete those of a namespace being deleted; never write them.
  rule(read, [rbacGroup], ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings']),
  rule(['delete', 'deletecollection'], [rbacGroup], ['roles', 'rolebindings']),
  rule(read, ['admissionregistration.k8s.io'], ['*']),
  // --use-service-account-credentials: tokens for the controllers' own accounts, and no others.
  rule(['create'], [''], ['serviceaccounts/token'], [...controllerAccounts]),
];

/**
 * What Kubernetes' `system:node` grants. Nodes are authorized by the node authorizer,
 * which narrows these to the kubelet's own objects; the role stays for operators who
 * bind it (its default binding has no subjects, as in Kubernetes).
 */
const nodeRules: PolicyRule[] = [
  rule(['create'], [authenticationGroup], ['tokenreviews']),
  rule(['create'], [authorizationGroup], ['subjectaccessreviews', 'localsubjectaccessreviews']),
  rule(read, [''], ['services']),
  rule(['create', 'get', 'list', 'watch', 'update', 'patch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  events,
  rule(read, [''], ['pods']),
  rule(['create', 'delete'], [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['get'], [''], ['secrets', 'configmaps', 'serviceaccounts']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(['get', 'create', 'update', 'patch', 'delete'], [coordinationGroup], ['leases']),
];

/**
 * The simulated kubelet (`wheelhouse kubelet --simulate`) hosts many virtual nodes in one
 * process, so it cannot be `system:node:<name>`: the node authorizer and NodeRestriction
 * confine such a user to one node. It gets its own user and what its nodes do, on any node.
 */
const kubeletSimulatorRules: PolicyRule[] = [
  rule(['create', 'get', 'list', 'watch', 'update', 'patch'], [''], ['nodes']),
  rule(['update', 'patch'], [''], ['nodes/status']),
  rule(['create', 'get', 'update', 'patch'], [coordinationGroup], ['leases']),
  rule(read, [''], ['pods']),
  rule(['update', 'patch'], [''], ['pods/status']),
  rule(['delete'], [''], ['pods']),
  events,
];

const basicUserRules: PolicyRule[] = [
  rule(['create'], [authorizationGroup], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
  rule(['create'], [authenticationGroup], ['selfsubjectreviews']),
];

export const bootstrapClusterRoles: Readonly<Record<string, readonly PolicyRule[]>> = {
  'cluster-admin': [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])],
  admin: adminRules,
  edit: editRules,
  view: viewRules,
  'system:basic-user': basicUserRules,
  'system:kube-scheduler': schedulerRules,
  'system:kube-controller-manager': controllerManagerRules,
  ...controllerRoles,
  'system:node': nodeRules,
  'system:kubelet-simulator': kubeletSimulatorRules,
  // Kubernetes' own: reading metrics and health endpoints (Prometheus, monitoring agents).
  'system:monitoring': [
    urlRule(
      ['get'],
      ['/healthz', '/healthz/*', '/livez', '/livez/*', '/readyz', '/readyz/*', '/metrics', '/metrics/slis'],
    ),
  ],
};

const user = (name: string): Subject => ({ kind: 'User', apiGroup: rbacGroup, name, namespace: '' });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: rbacGroup, name, namespace: '' });

/** Binding name → (ClusterRole, subjects). */
export const bootstrapClusterRoleBindings: Readonly<Record<string, { role: string; subjects: Subject[] }>> = {
  'cluster-admin': { role: 'cluster-admin', subjects: [group('system:masters')] },
  'system:basic-user': { role: 'system:basic-user', subjects: [group('system:authenticated')] },
  'system:kube-scheduler': { role: 'system:kube-scheduler', subjects: [user('system:kube-scheduler')] },
  'system:kube-controller-manager': {
    role: 'system:kube-controller-manager',
    subjects: [user('system:kube-controller-manager')],
  },
  // Empty on purpose: nodes go through the node authorizer, which limits each to its own objects.
  'system:node': { role: 'system:node', subjects: [] },
  'system:kubelet-simulator': {
    role: 'system:kubelet-simulator',
    subjects: [user('system:kubelet-simulator')],
  },
  'system:monitoring': { role: 'system:monitoring', subjects: [group('system:monitoring')] },
  ...controllerRoleBindings,
};

const bootstrapLabels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
const bootstrapAnnotations = { 'rbac.authorization.kubernetes.io/autoupdate': 'true' };

/**
 * Creates the bootstrap ClusterRoles and ClusterRoleBindings that are missing, then
 * waits until the watch caches have them, so that the RBAC authorizer built next starts
 * with them.
 */
export async function ensureBootstrapPolicy(
  registries: ReadonlyMap<string, GenericRegistry<KindObject>>,
  logger: Logger,
): Promise<void> {
  const roles = registries.get('ClusterRole');
  const bindings = registries.get('ClusterRoleBinding');
  if (!roles || !bindings)
    throw new Error('the bootstrap policy needs the ClusterRole and ClusterRoleBinding registries');
  const create = async (registry: GenericRegistry<KindObject>, object: Record<string, unknown>) => {
    try {
      const created = await registry.create(
        typesOf(registry.info).message.create(object) as KindObject,
        systemContext(),
      );
      logger.info(
        { kind: registry.info.kind, name: created.metadata?.name },
        'created bootstrap RBAC object',
      );
      await registry.cache?.waitForRevision(Number(created.metadata?.resourceVersion ?? '0'));
    } catch (err) {
      if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
    }
  };
  const metadata = (name: string) =>
    ObjectMeta.create({ name, labels: bootstrapLabels, annotations: bootstrapAnnotations });
  for (const [name, rules] of Object.entries(bootstrapClusterRoles)) {
    const role: Partial<ClusterRole> = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRole',
      metadata: metadata(name),
      rules: [...rules],
    };
    await create(roles, role);
  }
  for (const [name, { role, subjects }] of Object.entries(bootstrapClusterRoleBindings)) {
    const binding: Partial<ClusterRoleBinding> = {
      apiVersion: `${rbacGroup}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: metadata(name),
      roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: role },
      subjects,
    };
    await create(bindings, binding);
  }
}
