/**
 * A Pod as an endpoint of a Service's slices (Kubernetes' podToEndpoint); which Pods have a
 * place at all is shared/pod-endpoints.ts.
 *
 * Conditions, as Kubernetes sets them:
 *  - serving: the Pod's Ready condition is True, whether or not it is terminating;
 *  - terminating: the Pod has a deletionTimestamp;
 *  - ready: serving and not terminating, or always with `publishNotReadyAddresses` (for
 *    compatibility with Endpoints, which listed such Pods as ready).
 */
import { isIPv6 } from 'node:net';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Endpoint, EndpointHints } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { podIPs, podReference, shouldSetHostname } from '../shared/pod-endpoints.js';
import { isPodReady } from '../shared/pod-state.js';

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const TOPOLOGY_MODE_ANNOTATIONS = [
  'service.kubernetes.io/topology-aware-hints',
  'service.kubernetes.io/topology-mode',
];

/** The Pod's IPs of the slice's address type. */
export function endpointAddresses(pod: Pod, addressType: string): string[] {
  return podIPs(pod).filter((ip) => (addressType === 'IPv6') === isIPv6(ip));
}

/**
 * Whether the Service asks for same-zone hints through `trafficDistribution: PreferClose`;
 * the older topology annotations take precedence in Kubernetes (its topology cache, which
 * this controller does not have), so with them no hints are written.
 */
function wantsZoneHints(service: Service): boolean {
  const annotations = service.metadata?.annotations ?? {};
  return (
    service.spec?.trafficDistribution === 'PreferClose' &&
    !TOPOLOGY_MODE_ANNOTATIONS.some((a) => {
      const v = annotations[a];
      return v === 'Auto' || v === 'auto';
    })
  );
}

/** PreferClose: a ready endpoint in a zone is hinted to that zone (Kubernetes' trafficdist). */
function zoneHints(service: Service, ready: boolean, zone: string | undefined): EndpointHints | undefined {
  if (!wantsZoneHints(service) || !ready || zone === undefined) return undefined;
  return { forZones: [{ name: zone }], forNodes: [] };
}

/** The endpoint of `pod` in a slice of `addressType`; `node` is its Node when known. */
export function podToEndpoint(
  pod: Pod,
  node: Node | undefined,
  service: Service,
  addressType: string,
): Endpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata?.deletionTimestamp !== undefined;
  const ready = (service.spec?.publishNotReadyAddresses ?? false) || (serving && !terminating);
  const nodeName = pod.spec?.nodeName ?? '';
  const zone = node?.metadata?.labels?.[ZONE_LABEL] || undefined;
  const hints = zoneHints(service, ready, zone);
  return {
    addresses: endpointAddresses(pod, addressType),
    conditions: { ready, serving, terminating },
    targetRef: podReference(pod),
    ...(nodeName !== '' ? { nodeName } : {}),
    ...(zone !== undefined ? { zone } : {}),
    ...(shouldSetHostname(pod, service) ? { hostname: pod.spec?.hostname ?? '' } : {}),
    ...(hints !== undefined ? { hints } : {}),
  };
}

/**
 * The address types of the Service's slices: its IP families; for a Service written
 * before families were defaulted, the family of its cluster IP, or both when headless.
 */
export function addressTypesOf(service: Service): string[] {
  const families = (service.spec?.ipFamilies ?? []).filter((f) => f === 'IPv4' || f === 'IPv6');
  if (families.length > 0) return [...new Set(families)];
  const ip = service.spec?.clusterIp ?? '';
  if (ip !== '' && ip !== 'None') return [isIPv6(ip) ? 'IPv6' : 'IPv4'];
  return ['IPv4', 'IPv6'];
}
