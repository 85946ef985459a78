/** Endpoints: NAME ENDPOINTS AGE, as kubectl get endpoints prints them. */
import type { Endpoints } from '../gen/wheelhouse/core/v1/endpoints.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter, NONE } from './printer.js';

const SHOWN = 3;

/** `ip:port` with an IPv6 address in brackets, as Go's net.JoinHostPort writes it. */
function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/**
 * The ready endpoints, port by port and for each port every address (`10.0.0.1:80,10.0.0.2:80`),
 * the first three and then how many more; a subset without ports gives its bare addresses.
 * `<none>` without subsets, and nothing when no address is ready (Kubernetes' formatEndpoints).
 */
export function formatEndpoints(endpoints: Endpoints): string {
  if (endpoints.subsets.length === 0) return NONE;
  const all = endpoints.subsets.flatMap((subset) =>
    subset.ports.length === 0
      ? subset.addresses.map((a) => a.ip)
      : subset.ports.flatMap((port) => subset.addresses.map((a) => hostPort(a.ip, port.port))),
  );
  const shown = all.slice(0, SHOWN).join(',');
  return all.length > SHOWN ? `${shown} + ${all.length - SHOWN} more...` : shown;
}

export const endpointsPrinter = definePrinter<Endpoints>([
  nameColumn,
  column('Endpoints', 'string', 'The ready addresses, each with every port of its subset.', formatEndpoints),
  ageColumn,
]);
