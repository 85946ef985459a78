/**
 * The table of every kind Wheelhouse serves. It is the one place that says how a
 * kind is named in each of its forms: the Protobuf package and service, the
 * manifest's apiVersion/kind, the resource name used in storage keys and RBAC.
 * The service protos are rendered from it (scripts/proto-gen.ts), the apiserver
 * registers one service per entry and whctl resolves names through it.
 */

/** A Protobuf API group: the `<group>` in `wheelhouse.<group>.<version>`. */
export type ProtoGroup =
  | 'core'
  | 'apps'
  | 'autoscaling'
  | 'batch'
  | 'policy'
  | 'scheduling'
  | 'discovery'
  | 'rbac'
  | 'coordination'
  | 'admissionregistration';

export interface KindInfo {
  /** Protobuf package group (`wheelhouse.<protoGroup>.<version>`). */
  readonly protoGroup: ProtoGroup;
  /** Kubernetes API group: '' for the core group. */
  readonly apiGroup: string;
  /** The API version served (`v1`, `v2`), also the Protobuf package's version. */
  readonly version: string;
  /** The manifest `kind`, also the Protobuf message name. */
  readonly kind: string;
  /** The resource name: lower-case plural, as in RBAC rules and storage keys. */
  readonly resource: string;
  readonly namespaced: boolean;
  /** Has a status subresource (`Update<Kind>Status`). */
  readonly status: boolean;
  /** Has a scale subresource (`Get<Kind>Scale`, `Update<Kind>Scale`). */
  readonly scale: boolean;
  readonly shortNames: readonly string[];
}

const apiGroups: Record<ProtoGroup, string> = {
  core: '',
  apps: 'apps',
  autoscaling: 'autoscaling',
  batch: 'batch',
  policy: 'policy',
  scheduling: 'scheduling.k8s.io',
  discovery: 'discovery.k8s.io',
  rbac: 'rbac.authorization.k8s.io',
  coordination: 'coordination.k8s.io',
  admissionregistration: 'admissionregistration.k8s.io',
};

function kind(
  protoGroup: ProtoGroup,
  name: string,
  resource: string,
  opts: {
    namespaced?: boolean;
    status?: boolean;
    scale?: boolean;
    shortNames?: string[];
    version?: string;
  } = {},
): KindInfo {
  return {
    protoGroup,
    apiGroup: apiGroups[protoGroup],
    version: opts.version ?? 'v1',
    kind: name,
    resource,
    namespaced: opts.namespaced ?? true,
    status: opts.status ?? false,
    scale: opts.scale ?? false,
    shortNames: opts.shortNames ?? [],
  };
}

export const kinds: readonly KindInfo[] = [
  kind('core', 'Namespace', 'namespaces', { namespaced: false, status: true, shortNames: ['ns'] }),
  kind('core', 'Node', 'nodes', { namespaced: false, status: true, shortNames: ['no'] }),
  kind('core', 'Pod', 'pods', { status: true, shortNames: ['po'] }),
  kind('core', 'Event', 'events', { shortNames: ['ev'] }),
  kind('core', 'ServiceAccount', 'serviceaccounts', { shortNames: ['sa'] }),
  kind('core', 'ConfigMap', 'configmaps', { shortNames: ['cm'] }),
  kind('core', 'Secret', 'secrets'),
  kind('core', 'Service', 'services', { status: true, shortNames: ['svc'] }),
  kind('core', 'Endpoints', 'endpoints', { shortNames: ['ep'] }),
  kind('core', 'LimitRange', 'limitranges', { shortNames: ['limits'] }),
  kind('core', 'ResourceQuota', 'resourcequotas', { status: true, shortNames: ['quota'] }),
  kind('apps', 'Deployment', 'deployments', { status: true, scale: true, shortNames: ['deploy'] }),
  kind('apps', 'ReplicaSet', 'replicasets', { status: true, scale: true, shortNames: ['rs'] }),
  kind('apps', 'DaemonSet', 'daemonsets', { status: true, shortNames: ['ds'] }),
  kind('apps', 'StatefulSet', 'statefulsets', { status: true, scale: true, shortNames: ['sts'] }),
  kind('apps', 'ControllerRevision', 'controllerrevisions'),
  kind('autoscaling', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', {
    status: true,
    shortNames: ['hpa'],
    version: 'v2',
  }),
  kind('batch', 'Job', 'jobs', { status: true }),
  kind('batch', 'CronJob', 'cronjobs', { status: true, shortNames: ['cj'] }),
  kind('policy', 'PodDisruptionBudget', 'poddisruptionbudgets', { status: true, shortNames: ['pdb'] }),
  kind('rbac', 'Role', 'roles'),
  kind('rbac', 'ClusterRole', 'clusterroles', { namespaced: false }),
  kind('rbac', 'RoleBinding', 'rolebindings'),
  kind('rbac', 'ClusterRoleBinding', 'clusterrolebindings', { namespaced: false }),
  kind('coordination', 'Lease', 'leases'),
  kind('discovery', 'EndpointSlice', 'endpointslices'),
  kind('scheduling', 'PriorityClass', 'priorityclasses', { namespaced: false, shortNames: ['pc'] }),
  kind('admissionregistration', 'MutatingWebhookConfiguration', 'mutatingwebhookconfigurations', {
    namespaced: false,
  }),
  kind('admissionregistration', 'ValidatingWebhookConfiguration', 'validatingwebhookconfigurations', {
    namespaced: false,
  }),
];

/** `v1` for the core group, `<group>/<version>` otherwise: the manifest's apiVersion. */
export function apiVersionOf(info: KindInfo): string {
  return info.apiGroup === '' ? info.version : `${info.apiGroup}/${info.version}`;
}

/** The Protobuf package of a kind: `wheelhouse.core.v1`, `wheelhouse.autoscaling.v2`. */
export function protoPackageOf(info: KindInfo): string {
  return `wheelhouse.${info.protoGroup}.${info.version}`;
}

/** The fully qualified Protobuf message name, e.g. `wheelhouse.core.v1.Pod`. */
export function protoTypeOf(info: KindInfo): string {
  return `${protoPackageOf(info)}.${info.kind}`;
}

/** The fully qualified service name, e.g. `wheelhouse.core.v1.PodService`. */
export function serviceNameOf(info: KindInfo): string {
  return `${protoPackageOf(info)}.${info.kind}Service`;
}

/** The plural used in RPC names: `ListPods`, `WatchReplicaSets`, `ListPriorityClasses`. */
export function pluralOf(info: KindInfo): string {
  // A kind whose resource is its own name is plural already (Endpoints).
  if (info.resource === info.kind.toLowerCase()) return info.kind;
  if (info.kind.endsWith('s')) return `${info.kind}es`;
  if (/[^aeiou]y$/.test(info.kind)) return `${info.kind.slice(0, -1)}ies`;
  return `${info.kind}s`;
}

/** The kind's name in snake case, as used for request fields and file names. */
export function snakeOf(info: KindInfo): string {
  return info.kind.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

/** The kind's name in lower camel case: the request field in the generated TypeScript. */
export function fieldOf(info: KindInfo): string {
  return info.kind.charAt(0).toLowerCase() + info.kind.slice(1);
}

const byApiVersionKind = new Map(kinds.map((k) => [`${apiVersionOf(k)}/${k.kind}`, k]));

/** Looks a kind up by the manifest's apiVersion and kind. */
export function kindFor(apiVersion: string, kindName: string): KindInfo | undefined {
  return byApiVersionKind.get(`${apiVersion}/${kindName}`);
}

/**
 * Resolves what a user types (`pods`, `pod`, `po`, `Pod`, `deployments.apps`) to a kind.
 */
export function resolveResource(name: string): KindInfo | undefined {
  const lower = name.toLowerCase();
  const [base = '', group] = lower.split(/\.(.*)/s);
  return kinds.find(
    (k) =>
      (group === undefined || k.apiGroup === group) &&
      (k.resource === base || k.kind.toLowerCase() === base || k.shortNames.includes(base)),
  );
}
