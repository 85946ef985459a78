/**
 * The downward API: a pod's own fields (`fieldRef`) and its containers' resources
 * (`resourceFieldRef`) as strings, for env vars and downwardAPI volume files, with the
 * field paths Kubernetes supports.
 */
import type {
  ObjectFieldSelector,
  ResourceFieldSelector,
} from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { parseQuantity } from '../../sdk/quantity.js';

/** What a pod does not know about itself in the API yet: the addresses the kubelet gives it. */
export interface PodRuntimeFields {
  readonly podIP: string;
  readonly hostIP: string;
}

const subscript = /^metadata\.(labels|annotations)\['(.+)'\]$/;

/** `key="value"` lines sorted by key, as Kubernetes writes a map in a downwardAPI file. */
function formatMap(map: Readonly<Record<string, string>>): string {
  return Object.keys(map)
    .sort()
    .map((k) => `${k}=${JSON.stringify(map[k])}`)
    .join('\n');
}

export function resolveFieldRef(pod: Pod, ref: ObjectFieldSelector, fields: PodRuntimeFields): string {
  const meta = pod.metadata;
  const path = ref.fieldPath;
  const m = subscript.exec(path);
  if (m) {
    const map = m[1] === 'labels' ? meta?.labels : meta?.annotations;
    return map?.[m[2] ?? ''] ?? '';
  }
  switch (path) {
    case 'metadata.name':
      return meta?.name ?? '';
    case 'metadata.namespace':
      return meta?.namespace ?? '';
    case 'metadata.uid':
      return meta?.uid ?? '';
    case 'metadata.labels':
      return formatMap(meta?.labels ?? {});
    case 'metadata.annotations':
      return formatMap(meta?.annotations ?? {});
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return fields.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return fields.hostIP;
    default:
      throw new Error(
        `fieldRef ${JSON.stringify(path)} is not supported: use metadata.name, metadata.namespace, metadata.uid, metadata.labels['key'], metadata.annotations['key'], spec.nodeName, spec.serviceAccountName, status.podIP or status.hostIP`,
      );
  }
}

/**
 * A container's request or limit divided by the divisor, rounded up, as Kubernetes does.
 * A limit left unset reads as the node's allocatable, which the caller passes.
 */
export function resolveResourceFieldRef(
  pod: Pod,
  ref: ResourceFieldSelector,
  defaultContainer: string,
  allocatable: Readonly<Record<string, string>>,
): string {
  const name = ref.containerName || defaultContainer;
  const container = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find(
    (c) => c.name === name,
  );
  if (!container) throw new Error(`resourceFieldRef names container "${name}", which the pod does not have`);
  const [side, resource] = ref.resource.split('.', 2) as [string, string | undefined];
  if ((side !== 'limits' && side !== 'requests') || !resource) {
    throw new Error(
      `resourceFieldRef resource ${JSON.stringify(ref.resource)} is not supported: use limits.cpu, limits.memory, limits.ephemeral-storage, requests.cpu, requests.memory or requests.ephemeral-storage`,
    );
  }
  const text =
    container.resources?.[side]?.[resource] ??
    (side === 'requests' ? (container.resources?.limits?.[resource] ?? '0') : (allocatable[resource] ?? '0'));
  const value = parseQuantity(text).milliValue();
  const divisor = parseQuantity(ref.divisor || '1').milliValue();
  if (divisor === 0n) throw new Error(`resourceFieldRef divisor of ${ref.resource} must not be zero`);
  return String((value + divisor - 1n) / divisor);
}
