/**
 * What the descriptors cannot say about a field and Kubernetes' schemas do: which
 * strings are quantities, which fields validation requires, and the keys of map-like
 * lists beyond their merge key. Keyed by Protobuf message, then JSON field name, as
 * sdk/patch/patch-strategy.ts keys the patch strategies; a test checks that every
 * entry names a field that exists.
 */

/** Fields holding quantities (`500m`, `1Gi`): a map of them, or one. */
export const quantityFields: Readonly<Record<string, readonly string[]>> = {
  'wheelhouse.core.v1.ResourceRequirements': ['limits', 'requests'],
  'wheelhouse.core.v1.PodSpec': ['overhead'],
  'wheelhouse.core.v1.ContainerStatus': ['allocatedResources'],
  'wheelhouse.core.v1.LimitRangeItem': ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'],
  'wheelhouse.core.v1.EmptyDirVolumeSource': ['sizeLimit'],
  'wheelhouse.core.v1.ResourceFieldSelector': ['divisor'],
  'wheelhouse.core.v1.NodeStatus': ['capacity', 'allocatable'],
  'wheelhouse.core.v1.ResourceQuotaSpec': ['hard'],
  'wheelhouse.core.v1.ResourceQuotaStatus': ['hard', 'used'],
  'wheelhouse.apps.v1.VolumeResourceRequirements': ['limits', 'requests'],
  'wheelhouse.apps.v1.PersistentVolumeClaimStatus': ['capacity'],
};

/** Fields the server's validation requires, as Kubernetes' schemas list them in `required`. */
export const requiredFields: Readonly<Record<string, readonly string[]>> = {
  'wheelhouse.meta.v1.OwnerReference': ['apiVersion', 'kind', 'name', 'uid'],
  'wheelhouse.meta.v1.LabelSelectorRequirement': ['key', 'operator'],
  'wheelhouse.meta.v1.Condition': ['type', 'status', 'lastTransitionTime', 'reason', 'message'],
  'wheelhouse.core.v1.PodSpec': ['containers'],
  'wheelhouse.core.v1.Container': ['name'],
  'wheelhouse.core.v1.ContainerPort': ['containerPort'],
  'wheelhouse.core.v1.EnvVar': ['name'],
  'wheelhouse.core.v1.VolumeMount': ['name', 'mountPath'],
  'wheelhouse.core.v1.VolumeDevice': ['name', 'devicePath'],
  'wheelhouse.core.v1.Volume': ['name'],
  'wheelhouse.core.v1.KeyToPath': ['key', 'path'],
  'wheelhouse.core.v1.ConfigMapKeySelector': ['key'],
  'wheelhouse.core.v1.SecretKeySelector': ['key'],
  'wheelhouse.core.v1.ObjectFieldSelector': ['fieldPath'],
  'wheelhouse.core.v1.ResourceFieldSelector': ['resource'],
  'wheelhouse.core.v1.HTTPGetAction': ['port'],
  'wheelhouse.core.v1.TCPSocketAction': ['port'],
  'wheelhouse.core.v1.HTTPHeader': ['name', 'value'],
  'wheelhouse.core.v1.HostPathVolumeSource': ['path'],
  'wheelhouse.core.v1.PersistentVolumeClaimVolumeSource': ['claimName'],
  'wheelhouse.core.v1.PodCondition': ['type', 'status'],
  'wheelhouse.core.v1.NodeCondition': ['type', 'status'],
  'wheelhouse.core.v1.NamespaceCondition': ['type', 'status'],
  'wheelhouse.core.v1.NodeAddress': ['type', 'address'],
  'wheelhouse.core.v1.ContainerStatus': ['name', 'ready', 'restartCount', 'image', 'imageID'],
  'wheelhouse.core.v1.Taint': ['key', 'effect'],
  'wheelhouse.core.v1.NodeSelector': ['nodeSelectorTerms'],
  'wheelhouse.core.v1.NodeSelectorRequirement': ['key', 'operator'],
  'wheelhouse.core.v1.PodAffinityTerm': ['topologyKey'],
  'wheelhouse.core.v1.WeightedPodAffinityTerm': ['weight', 'podAffinityTerm'],
  'wheelhouse.core.v1.PreferredSchedulingTerm': ['weight', 'preference'],
  'wheelhouse.core.v1.TopologySpreadConstraint': ['maxSkew', 'topologyKey', 'whenUnsatisfiable'],
  'wheelhouse.core.v1.Event': ['metadata', 'involvedObject'],
  'wheelhouse.core.v1.Binding': ['target'],
  'wheelhouse.apps.v1.DeploymentSpec': ['selector', 'template'],
  'wheelhouse.apps.v1.ReplicaSetSpec': ['selector'],
  'wheelhouse.apps.v1.DaemonSetSpec': ['selector', 'template'],
  'wheelhouse.apps.v1.StatefulSetSpec': ['selector', 'template'],
  'wheelhouse.apps.v1.ControllerRevision': ['revision'],
  'wheelhouse.batch.v1.JobSpec': ['template'],
  'wheelhouse.batch.v1.CronJobSpec': ['schedule', 'jobTemplate'],
  'wheelhouse.rbac.v1.PolicyRule': ['verbs'],
  'wheelhouse.rbac.v1.Subject': ['kind', 'name'],
  'wheelhouse.rbac.v1.RoleRef': ['apiGroup', 'kind', 'name'],
  'wheelhouse.rbac.v1.RoleBinding': ['roleRef'],
  'wheelhouse.rbac.v1.ClusterRoleBinding': ['roleRef'],
  'wheelhouse.scheduling.v1.PriorityClass': ['value'],
  'wheelhouse.core.v1.ServicePort': ['port'],
  'wheelhouse.discovery.v1.EndpointSlice': ['addressType', 'endpoints'],
  'wheelhouse.discovery.v1.Endpoint': ['addresses'],
};

/** Map-like lists whose elements are identified by more than their merge key. */
export const listMapKeys: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>> = {
  'wheelhouse.core.v1.Container': { ports: ['containerPort', 'protocol'] },
  'wheelhouse.core.v1.ServiceSpec': { ports: ['port', 'protocol'] },
};
