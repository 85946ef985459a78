/**
 * One ClusterRole per controller, for a controller manager started with
 * `--use-service-account-credentials`: `system:controller:<account>`, bound to the
 * ServiceAccount `kube-system/<account>` the controller then runs as, after Kubernetes'
 * controller roles (bootstrappolicy/controller_policy.go), trimmed to the resources
 * Wheelhouse serves and widened where a controller here reads or writes what its
 * Kubernetes counterpart does not: adopting and releasing pods is an update here (a patch
 * in Kubernetes), so the controllers that own pods may update them. Each names what its controller writes through its own
 * clients; what it watches comes from the manager's shared informers, under the manager's
 * identity. Events too are recorded by the manager; the rule stays, as in Kubernetes, for
 * a controller that records its own.
 */
import type { PolicyRule, Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { autoscalingGroup, coordinationGroup, discoveryGroup, events, read, rule } from './policy-rule.js';

const apps = 'apps';
const batch = 'batch';
const policy = 'policy';
const update = ['update', 'patch'];

/** ServiceAccount name in kube-system → its rules. The role is `system:controller:` + the name. */
const rulesByAccount: Readonly<Record<string, PolicyRule[]>> = {
  'replicaset-controller': [
    rule([...read, ...update], [apps], ['replicasets']),
    rule(update, [apps], ['replicasets/status', 'replicasets/finalizers']),
    rule([...read, 'create', 'delete', ...update], [''], ['pods']),
    events,
  ],
  'deployment-controller': [
    rule([...read, ...update], [apps], ['deployments']),
    rule(update, [apps], ['deployments/status', 'deployments/finalizers']),
    rule([...read, 'create', 'update', 'patch', 'delete'], [apps], ['replicasets']),
    rule([...read, 'update'], [''], ['pods']),
    events,
  ],
  // Works on every kind: reads owners, removes ownerReferences, deletes dependents.
  'generic-garbage-collector': [rule([...read, 'patch', 'update', 'delete'], ['*'], ['*']), events],
  // Empties a namespace of every kind, then removes its finalizer from spec.finalizers
  // through the finalize subresource.
  'namespace-controller': [
    rule([...read, 'delete'], [''], ['namespaces']),
    rule(update, [''], ['namespaces/finalize', 'namespaces/status']),
    rule([...read, 'delete', 'deletecollection'], ['*'], ['*']),
    events,
  ],
  // Node health and taints, and the taint manager's evictions.
  'node-controller': [
    rule([...read, 'update', 'patch', 'delete'], [''], ['nodes']),
    rule(update, [''], ['nodes/status']),
    rule(update, [''], ['pods/status']),
    rule([...read, 'delete'], [''], ['pods']),
    rule(['create'], [''], ['pods/eviction']),
    rule(read, [coordinationGroup], ['leases']),
    events,
  ],
  // A Service's EndpointSlices, from its selector and the pods it picks.
  'endpointslice-controller': [
    rule(read, [''], ['services', 'pods', 'nodes']),
    rule(['update'], [''], ['services/finalizers']),
    rule([...read, 'create', 'update', 'delete'], [discoveryGroup], ['endpointslices']),
    events,
  ],
  // EndpointSlices mirrored from the Endpoints of a Service without a selector.
  // Kubernetes' role also updates endpoints/finalizers, a subresource not served here.
  'endpointslicemirroring-controller': [
    rule(read, [''], ['services', 'endpoints']),
    rule([...read, 'create', 'update', 'delete'], [discoveryGroup], ['endpointslices']),
    events,
  ],
  // A selecting Service's Endpoints, from the pods it picks (the legacy form of its
  // EndpointSlices). Kubernetes' endpoints/restricted, for addresses only the controller
  // may write, has no counterpart here.
  'endpoint-controller': [
    rule(read, [''], ['services', 'pods']),
    rule(['get', 'list', 'create', 'update', 'delete'], [''], ['endpoints']),
    events,
  ],
  // Sets each autoscaler's target's scale from its Pods' metrics: the resource metrics are
  // PodService.ListPodMetrics here (list of pods/metrics), not the metrics.k8s.io group.
  'horizontal-pod-autoscaler': [
    rule(read, [autoscalingGroup], ['horizontalpodautoscalers']),
    rule(['update'], [autoscalingGroup], ['horizontalpodautoscalers/status']),
    rule(['get', 'update'], ['*'], ['*/scale']),
    rule(['list'], [''], ['pods', 'pods/metrics']),
    events,
  ],
  'pod-garbage-collector': [
    rule([...read, 'delete'], [''], ['pods']),
    rule(read, [''], ['nodes']),
    rule(update, [''], ['pods/status']),
  ],
  'service-account-controller': [rule(['get', 'create'], [''], ['serviceaccounts']), events],
  'statefulset-controller': [
    rule(read, [apps], ['statefulsets']),
    rule(update, [apps], ['statefulsets/status', 'statefulsets/finalizers']),
    rule([...read, 'create', 'delete', 'update', 'patch'], [''], ['pods']),
    rule(['update'], [''], ['pods/finalizers']),
    rule([...read, 'create', 'delete', 'update', 'patch'], [apps], ['controllerrevisions']),
    rule([...read, 'create', 'update', 'delete'], [''], ['persistentvolumeclaims']),
    events,
  ],
  // Budgets: counts what each selects, writes their status and marks pods it lets go.
  'disruption-controller': [
    rule(read, [apps], ['deployments', 'replicasets', 'statefulsets']),
    rule(read, [''], ['replicationcontrollers', 'pods']),
    rule(read, [policy], ['poddisruptionbudgets']),
    rule(update, [policy], ['poddisruptionbudgets/status']),
    rule(update, [''], ['pods/status']),
    rule(['get'], ['*'], ['*/scale']),
    events,
  ],
  'daemon-set-controller': [
    rule(read, [apps], ['daemonsets']),
    rule(update, [apps], ['daemonsets/status', 'daemonsets/finalizers']),
    rule(read, [''], ['nodes']),
    rule([...read, 'create', 'delete', ...update], [''], ['pods']),
    rule(['create'], [''], ['pods/binding']),
    rule([...read, 'create', 'delete', 'update', 'patch'], [apps], ['controllerrevisions']),
    events,
  ],
  'job-controller': [
    rule([...read, ...update], [batch], ['jobs']),
    rule(update, [batch], ['jobs/status', 'jobs/finalizers']),
    rule([...read, 'create', 'delete', ...update], [''], ['pods']),
    rule(update, [''], ['pods/status']),
    events,
  ],
  'cronjob-controller': [
    rule([...read, ...update], [batch], ['cronjobs']),
    rule([...read, 'create', 'update', 'delete', 'patch'], [batch], ['jobs']),
    rule(update, [batch], ['cronjobs/status', 'cronjobs/finalizers']),
    rule([...read, 'delete'], [''], ['pods']),
    events,
  ],
  'ttl-after-finished-controller': [rule([...read, 'delete'], [batch], ['jobs']), events],
};

/** The prefix of every controller's role, as in Kubernetes. */
export const CONTROLLER_ROLE_PREFIX = 'system:controller:';
/** Where the controllers' ServiceAccounts live. */
export const CONTROLLER_ACCOUNTS_NAMESPACE = 'kube-system';

/** The ServiceAccounts a controller manager may run its controllers as. */
export const controllerAccounts: readonly string[] = Object.keys(rulesByAccount);

/** ClusterRole name → rules. */
export const controllerRoles: Readonly<Record<string, readonly PolicyRule[]>> = Object.fromEntries(
  Object.entries(rulesByAccount).map(([account, rules]) => [CONTROLLER_ROLE_PREFIX + account, rules]),
);

const serviceAccount = (name: string): Subject => ({
  kind: 'ServiceAccount',
  apiGroup: '',
  name,
  namespace: CONTROLLER_ACCOUNTS_NAMESPACE,
});

/** ClusterRoleBinding name → its role and the one ServiceAccount it binds. */
export const controllerRoleBindings: Readonly<Record<string, { role: string; subjects: Subject[] }>> =
  Object.fromEntries(
    Object.keys(rulesByAccount).map((account) => [
      CONTROLLER_ROLE_PREFIX + account,
      { role: CONTROLLER_ROLE_PREFIX + account, subjects: [serviceAccount(account)] },
    ]),
  );
