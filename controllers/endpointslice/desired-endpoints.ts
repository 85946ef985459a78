/**
 * What a Service's slices of one address type should hold: its Pods' endpoints, grouped
 * by the ports each Pod resolves (one group of slices per port set).
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Endpoint, EndpointPort } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { shouldPodBeInEndpoints } from '../shared/pod-endpoints.js';
import { endpointKey } from './endpoint-key.js';
import { endpointPorts, portMapKey } from './endpoint-ports.js';
import { podToEndpoint } from './pod-endpoint.js';

export interface PortGroup {
  readonly ports: EndpointPort[];
  /** By endpointKey, in the order of the Pods' names. */
  readonly endpoints: Map<string, Endpoint>;
}

export interface DesiredEndpoints {
  /** By portMapKey. */
  readonly groups: Map<string, PortGroup>;
  /** Pods left out because their Node is unknown: the sync fails and is retried after it wrote the rest. */
  readonly errors: string[];
}

const byName = (a: Pod, b: Pod) => {
  const x = a.metadata?.name ?? '';
  const y = b.metadata?.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
};

export function desiredEndpoints(
  service: Service,
  pods: readonly Pod[],
  addressType: string,
  nodeOf: (name: string) => Node | undefined,
): DesiredEndpoints {
  const groups = new Map<string, PortGroup>();
  const errors: string[] = [];
  const publishNotReady = service.spec?.publishNotReadyAddresses ?? false;
  for (const pod of [...pods].sort(byName)) {
    // Terminating Pods stay (terminating true), so that consumers can still reach one
    // that serves while it drains, as Kubernetes keeps them since 1.26.
    if (!shouldPodBeInEndpoints(pod, true)) continue;
    const ports = endpointPorts(service, pod);
    const key = portMapKey(ports);
    let group = groups.get(key);
    if (!group) {
      group = { ports, endpoints: new Map() };
      groups.set(key, group);
    }
    const nodeName = pod.spec?.nodeName ?? '';
    const node = nodeOf(nodeName);
    // A Pod bound to a Node that does not exist (yet, or any more) is left out and the
    // sync retried, so that the slices do not wait on it; with publishNotReadyAddresses
    // the owner asked for every address, so it is published without the Node's zone.
    if (!node && !publishNotReady) {
      errors.push(
        `skipping Pod ${pod.metadata?.name ?? ''} for Service ${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}: Node ${nodeName} Not Found`,
      );
      continue;
    }
    const endpoint = podToEndpoint(pod, node, service, addressType);
    if (endpoint.addresses.length > 0) group.endpoints.set(endpointKey(endpoint), endpoint);
  }
  return { groups, errors };
}
