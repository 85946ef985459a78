/**
 * Which endpoint is which across reconciles (Kubernetes' EndpointSet hash): an endpoint
 * is the same when its addresses, hostname and target (namespace and name) are, so a Pod
 * that changes readiness is updated where it is, in its slice, rather than moved.
 */
import type { Endpoint, EndpointHints } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';

export function endpointKey(ep: Endpoint): string {
  return JSON.stringify([
    [...ep.addresses].sort(),
    ep.hostname ?? '',
    ep.targetRef?.namespace ?? '',
    ep.targetRef?.name ?? '',
  ]);
}

function hintsState(hints: EndpointHints | undefined): unknown {
  if (!hints || (hints.forZones.length === 0 && hints.forNodes.length === 0)) return null;
  return [hints.forZones.map((z) => z.name), hints.forNodes.map((n) => n.name)];
}

/** Everything but the key that a write must bring up to date; a target's resourceVersion is not. */
function endpointState(ep: Endpoint): string {
  const ref = ep.targetRef;
  return JSON.stringify([
    ep.nodeName ?? null,
    ep.zone ?? null,
    ep.conditions?.ready ?? null,
    ep.conditions?.serving ?? null,
    ep.conditions?.terminating ?? null,
    ref ? [ref.apiVersion, ref.kind, ref.namespace, ref.name, ref.uid, ref.fieldPath] : null,
    hintsState(ep.hints),
  ]);
}

/** Whether two endpoints of the same key are equal in what the controller writes. */
export function endpointsEqualBeyondKey(a: Endpoint, b: Endpoint): boolean {
  return endpointState(a) === endpointState(b);
}
