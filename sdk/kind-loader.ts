/**
 * The generated code of one kind, loaded when it is first called for. The kind table
 * (kind-registry.ts) imports every kind's code, ~2 MB that a process calling a few kinds
 * (whctl, the scheduler, a kubelet) would otherwise read and compile at each start; the
 * API client goes through here instead. The apiserver, which serves every kind, keeps
 * the table. What is loaded is the table's own modules, so both hold the same objects.
 */
import type { KindObject, KindTypes, MessageFns } from './kind-registry.js';
import type { KindInfo } from './kinds.js';

type Module = Record<string, unknown>;

/** The message module and the service module of each kind, as the table imports them. */
const modules: Readonly<Record<string, () => [Promise<Module>, Promise<Module>]>> = {
  Namespace: () => [
    import('./gen/wheelhouse/core/v1/namespace.js'),
    import('./gen/wheelhouse/core/v1/namespace_service.js'),
  ],
  Node: () => [
    import('./gen/wheelhouse/core/v1/node.js'),
    import('./gen/wheelhouse/core/v1/node_service.js'),
  ],
  Pod: () => [import('./gen/wheelhouse/core/v1/pod.js'), import('./gen/wheelhouse/core/v1/pod_service.js')],
  Event: () => [
    import('./gen/wheelhouse/core/v1/event.js'),
    import('./gen/wheelhouse/core/v1/event_service.js'),
  ],
  ServiceAccount: () => [
    import('./gen/wheelhouse/core/v1/service_account.js'),
    import('./gen/wheelhouse/core/v1/service_account_service.js'),
  ],
  ConfigMap: () => [
    import('./gen/wheelhouse/core/v1/config_map.js'),
    import('./gen/wheelhouse/core/v1/config_map_service.js'),
  ],
  Secret: () => [
    import('./gen/wheelhouse/core/v1/secret.js'),
    import('./gen/wheelhouse/core/v1/secret_service.js'),
  ],
  LimitRange: () => [
    import('./gen/wheelhouse/core/v1/limit_range.js'),
    import('./gen/wheelhouse/core/v1/limit_range_service.js'),
  ],
  ResourceQuota: () => [
    import('./gen/wheelhouse/core/v1/resource_quota.js'),
    import('./gen/wheelhouse/core/v1/resource_quota_service.js'),
  ],
  Deployment: () => [
    import('./gen/wheelhouse/apps/v1/deployment.js'),
    import('./gen/wheelhouse/apps/v1/deployment_service.js'),
  ],
  ReplicaSet: () => [
    import('./gen/wheelhouse/apps/v1/replica_set.js'),
    import('./gen/wheelhouse/apps/v1/replica_set_service.js'),
  ],
  DaemonSet: () => [
    import('./gen/wheelhouse/apps/v1/daemon_set.js'),
    import('./gen/wheelhouse/apps/v1/daemon_set_service.js'),
  ],
  StatefulSet: () => [
    import('./gen/wheelhouse/apps/v1/stateful_set.js'),
    import('./gen/wheelhouse/apps/v1/stateful_set_service.js'),
  ],
  ControllerRevision: () => [
    import('./gen/wheelhouse/apps/v1/controller_revision.js'),
    import('./gen/wheelhouse/apps/v1/controller_revision_service.js'),
  ],
  Job: () => [import('./gen/wheelhouse/batch/v1/job.js'), import('./gen/wheelhouse/batch/v1/job_service.js')],
  CronJob: () => [
    import('./gen/wheelhouse/batch/v1/cron_job.js'),
    import('./gen/wheelhouse/batch/v1/cron_job_service.js'),
  ],
  PodDisruptionBudget: () => [
    import('./gen/wheelhouse/policy/v1/pod_disruption_budget.js'),
    import('./gen/wheelhouse/policy/v1/pod_disruption_budget_service.js'),
  ],
  Role: () => [
    import('./gen/wheelhouse/rbac/v1/role.js'),
    import('./gen/wheelhouse/rbac/v1/role_service.js'),
  ],
  ClusterRole: () => [
    import('./gen/wheelhouse/rbac/v1/cluster_role.js'),
    import('./gen/wheelhouse/rbac/v1/cluster_role_service.js'),
  ],
  RoleBinding: () => [
    import('./gen/wheelhouse/rbac/v1/role_binding.js'),
    import('./gen/wheelhouse/rbac/v1/role_binding_service.js'),
  ],
  ClusterRoleBinding: () => [
    import('./gen/wheelhouse/rbac/v1/cluster_role_binding.js'),
    import('./gen/wheelhouse/rbac/v1/cluster_role_binding_service.js'),
  ],
  Lease: () => [
    import('./gen/wheelhouse/coordination/v1/lease.js'),
    import('./gen/wheelhouse/coordination/v1/lease_service.js'),
  ],
  Endpoints: () => [
    import('./gen/wheelhouse/core/v1/endpoints.js'),
    import('./gen/wheelhouse/core/v1/endpoints_service.js'),
  ],
  Service: () => [
    import('./gen/wheelhouse/core/v1/service.js'),
    import('./gen/wheelhouse/core/v1/service_service.js'),
  ],
  EndpointSlice: () => [
    import('./gen/wheelhouse/discovery/v1/endpoint_slice.js'),
    import('./gen/wheelhouse/discovery/v1/endpoint_slice_service.js'),
  ],
  HorizontalPodAutoscaler: () => [
    import('./gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js'),
    import('./gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler_service.js'),
  ],
  PriorityClass: () => [
    import('./gen/wheelhouse/scheduling/v1/priority_class.js'),
    import('./gen/wheelhouse/scheduling/v1/priority_class_service.js'),
  ],
  MutatingWebhookConfiguration: () => [
    import('./gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js'),
    import('./gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration_service.js'),
  ],
  ValidatingWebhookConfiguration: () => [
    import('./gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js'),
    import('./gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration_service.js'),
  ],
};

const loaded = new Map<string, KindTypes>();
const loading = new Map<string, Promise<KindTypes>>();

/** The kinds this module can load: every kind of the kind table. */
export const loadableKinds: readonly string[] = Object.keys(modules);

/** The generated types of a kind, loaded once per process on the first call. */
export function loadKindTypes(info: KindInfo): Promise<KindTypes> {
  const done = loaded.get(info.kind);
  if (done) return Promise.resolve(done);
  let pending = loading.get(info.kind);
  if (!pending) {
    pending = load(info.kind);
    loading.set(info.kind, pending);
    // A failed load (a missing file) is tried again by the next call.
    pending.then(
      (types) => loaded.set(info.kind, types),
      () => loading.delete(info.kind),
    );
  }
  return pending;
}

/** The generated types of a kind if they are loaded already, so that callers can stay synchronous. */
export function loadedKindTypes(info: KindInfo): KindTypes | undefined {
  return loaded.get(info.kind);
}

/**
 * The generated types of a kind that must be loaded already: by `loadKindTypes`, by a
 * client call of that kind, or by importing the kind table (kind-registry.ts registers
 * every kind). For synchronous code (sdk/manifest) whose callers load what they use.
 */
export function kindTypesOf(info: KindInfo): KindTypes {
  const done = loaded.get(info.kind);
  if (done) return done;
  throw new Error(
    `the generated code of kind ${info.kind} is not loaded: await loadKindTypes(${info.kind}) before ` +
      'using it synchronously, or import sdk/kind-registry.js for every kind',
  );
}

/** Records types loaded by other means (the kind table's static imports) as loaded. */
export function registerKindTypes(kind: string, types: KindTypes): void {
  loaded.set(kind, types);
}

async function load(kind: string): Promise<KindTypes> {
  const importModules = modules[kind];
  if (!importModules) throw new Error(`no generated types registered for kind ${kind}`);
  const [messageModule, serviceModule] = await Promise.all(importModules());
  const message = messageModule[kind];
  const service = serviceModule[`${kind}ServiceService`];
  const client = serviceModule[`${kind}ServiceClient`];
  if (!message || !service || typeof client !== 'function')
    throw new Error(
      `the generated code of ${kind} lacks ${kind}, ${kind}ServiceService or ${kind}ServiceClient; run npm run proto:gen`,
    );
  return {
    message: message as MessageFns<KindObject>,
    service: service as KindTypes['service'],
    client: client as KindTypes['client'],
  };
}
