/**
 * Which EndpointSlices are this controller's, and what a slice of a Service carries:
 * its labels, its owner and its name prefix (Kubernetes' endpointslice utils).
 *
 * A slice is the controller's when it is labelled `endpointslice.kubernetes.io/managed-by:
 * endpointslice-controller.k8s.io`; every other slice (hand-made, or mirrored by another
 * controller) is never read for a Service's state nor written.
 */
import type { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { type EndpointPort, EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL } from '../../sdk/labels/well-known.js';
import { controllerRef } from '../../sdk/owner-references.js';

export { serviceKeyOf } from '../shared/endpoint-slice-tracker.js';
export { SERVICE_NAME_LABEL };

/** The value of the managed-by label on the slices this controller writes. */
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';

/** Set (empty) on the slices of a Service without a cluster IP. */
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** When the change that led to the slice's last write happened (RFC 3339, nanoseconds). */
export const TRIGGER_TIME_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

const reservedLabels = new Set([SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL]);

export function isManagedSlice(slice: EndpointSlice): boolean {
  return slice.metadata?.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME;
}

/**
 * Whether the Service is one whose slices this controller keeps: it has a selector and is
 * not an ExternalName. Without a selector its owner manages the slices by hand, and an
 * ExternalName is a DNS alias with no endpoints; either way existing slices are left as
 * they are, as Kubernetes leaves them.
 */
export function isManagedService(service: Service): boolean {
  const spec = service.spec;
  return spec !== undefined && spec.type !== 'ExternalName' && Object.keys(spec.selector).length > 0;
}

/** Whether the slice names `service` (this uid, not an earlier Service of the same name) as an owner. */
export function ownedBy(slice: EndpointSlice, service: Service): boolean {
  const uid = service.metadata?.uid ?? '';
  return (slice.metadata?.ownerReferences ?? []).some(
    (ref) => ref.uid === uid && ref.kind === 'Service' && ref.apiVersion === 'v1',
  );
}

/** Whether the Service has a cluster IP (not headless, not yet unallocated). */
function hasClusterIP(service: Service): boolean {
  const ip = service.spec?.clusterIp ?? '';
  return ip !== '' && ip !== 'None';
}

/**
 * The labels every slice of `service` carries: the Service's own (but the reserved keys,
 * which a Service cannot set on its slices), the headless marker when it has no cluster
 * IP, and the two labels that tie the slice to the Service and to this controller.
 */
export function sliceLabels(service: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [key, value] of Object.entries(service.metadata?.labels ?? {})) {
    if (!reservedLabels.has(key)) labels[key] = value;
  }
  if (!hasClusterIP(service)) labels[HEADLESS_LABEL] = '';
  labels[SERVICE_NAME_LABEL] = service.metadata?.name ?? '';
  labels[MANAGED_BY_LABEL] = CONTROLLER_NAME;
  return labels;
}

/** A new, empty slice of `service` for one address type and port set, named by the apiserver. */
export function newEndpointSlice(
  service: Service,
  addressType: string,
  ports: EndpointPort[],
): EndpointSlice {
  return EndpointSlice.fromPartial({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      // A Service name is a DNS label, so `<name>-` is always a valid prefix.
      generateName: `${service.metadata?.name ?? ''}-`,
      namespace: service.metadata?.namespace ?? '',
      labels: sliceLabels(service),
      ownerReferences: [controllerRef({ ...service, apiVersion: 'v1', kind: 'Service' })],
    },
    addressType,
    endpoints: [],
    ports: ports.map((p) => ({ ...p })),
  });
}
