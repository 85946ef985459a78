/**
 * A Pod as an endpoint of a Service: the rules the Endpoints and EndpointSlice
 * controllers share (Kubernetes' k8s.io/endpointslice/util).
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { ObjectReference } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';

/** The `targetRef` of a Pod's endpoint. */
export function podReference(pod: Pod): ObjectReference {
  return {
    apiVersion: '',
    kind: 'Pod',
    namespace: pod.metadata?.namespace ?? '',
    name: pod.metadata?.name ?? '',
    uid: pod.metadata?.uid ?? '',
    resourceVersion: '',
    fieldPath: '',
  };
}

/**
 * Whether the Pod has a place among a Service's endpoints: it has an IP and has not
 * finished (Succeeded or Failed); a Pod being deleted only with `includeTerminating`
 * (always for slices, which mark it terminating; for Endpoints, with the Service's
 * `publishNotReadyAddresses`).
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  const phase = pod.status?.phase ?? '';
  if (phase === 'Succeeded' || phase === 'Failed') return false;
  if (podIPs(pod).length === 0) return false;
  return includeTerminating || pod.metadata?.deletionTimestamp === undefined;
}

/** Every IP of the Pod: `podIPs`, or `podIP` alone when only that is reported. */
export function podIPs(pod: Pod): string[] {
  const status = pod.status;
  if (!status) return [];
  if (status.podIps.length > 0) return status.podIps.map((p) => p.ip).filter((ip) => ip !== '');
  return status.podIp === '' ? [] : [status.podIp];
}

/** The Pod's hostname names it in the Service's DNS when its subdomain is the Service. */
export function shouldSetHostname(pod: Pod, service: Service): boolean {
  return (
    (pod.spec?.hostname ?? '') !== '' &&
    pod.spec?.subdomain === service.metadata?.name &&
    pod.metadata?.namespace === service.metadata?.namespace
  );
}
