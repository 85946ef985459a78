/**
 * The ports a Pod serves a Service on (Kubernetes' getEndpointPorts over FindPort), and the
 * key that groups Pods with the same ports into the same slices: a slice has one port list
 * for all its endpoints, so Pods whose named target ports resolve differently go to
 * different slices.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointPort } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { findPort } from '../shared/find-port.js';

/**
 * One EndpointPort per Service port the Pod resolves; a port it cannot resolve is left
 * out (the Pod still serves the others), as Kubernetes does. A headless Service may
 * have no ports at all.
 */
export function endpointPorts(service: Service, pod: Pod): EndpointPort[] {
  const ports: EndpointPort[] = [];
  for (const servicePort of service.spec?.ports ?? []) {
    const port = findPort(pod, servicePort);
    if (port === undefined) continue;
    ports.push({
      name: servicePort.name,
      protocol: servicePort.protocol,
      port,
      ...(servicePort.appProtocol !== undefined ? { appProtocol: servicePort.appProtocol } : {}),
    });
  }
  return ports;
}

/** The same for the same set of ports in any order: the key of a group of slices. */
export function portMapKey(ports: readonly EndpointPort[]): string {
  return JSON.stringify(
    ports
      .map((p) => [p.name ?? '', p.protocol ?? '', p.port ?? null, p.appProtocol ?? null])
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );
}
