/**
 * The `Endpoints:` of one port of a Service, as `describe service` prints it from the
 * Service's EndpointSlices: `10.244.0.5:8080,10.244.0.6:8080`, the first three ready
 * addresses and then `+ N more...` (kubectl's formatEndpointSlices).
 */
import type { EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';

/** kubectl shows this many addresses and counts the rest. */
const SHOWN = 3;

/**
 * The ready endpoints of `slices` behind the Service port named `portName` ('' for an
 * unnamed port): each address with the slice's port of that name. A slice without ports
 * (a headless Service that declares none) gives its addresses alone. '' when no slice
 * has a ready endpoint for the port.
 */
export function formatServiceEndpoints(slices: readonly EndpointSlice[], portName: string): string {
  const all: string[] = [];
  for (const slice of slices) {
    // An endpoint whose readiness is unknown counts as ready, as the EndpointSlice API says.
    const ready = slice.endpoints.filter((e) => e.conditions?.ready !== false && e.addresses.length > 0);
    if (slice.ports.length === 0) {
      for (const e of ready) all.push(e.addresses[0] as string);
      continue;
    }
    for (const port of slice.ports) {
      if ((port.name ?? '') !== portName) continue;
      for (const e of ready) all.push(hostPort(e.addresses[0] as string, port.port));
    }
  }
  const shown = all.slice(0, SHOWN).join(',');
  return all.length > SHOWN ? `${shown} + ${all.length - SHOWN} more...` : shown;
}

/** `10.0.0.1:80`, `[fd00::1]:80` (net.JoinHostPort); the address alone when the slice names no port number. */
function hostPort(address: string, port: number | undefined): string {
  if (port === undefined) return address;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}
