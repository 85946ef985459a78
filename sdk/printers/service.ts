/**
 * Services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE, and SELECTOR with -o wide;
 * EndpointSlices: NAME ADDRESSTYPE PORTS ENDPOINTS AGE (as kubectl prints them).
 */
import type { Service } from '../gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { ageColumn, nameColumn } from './columns.js';
import { formatLabels } from './labels.js';
import { column, definePrinter, NONE } from './printer.js';

/** What reaches the Service from outside: its external IPs, a load balancer's ingress, or the external name. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec;
  const external = spec?.externalIps ?? [];
  switch (spec?.type) {
    case 'ClusterIP':
    case 'NodePort':
      return external.length > 0 ? external.join(',') : NONE;
    case 'LoadBalancer': {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname);
      const all = [...ingress.filter((x) => x !== ''), ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName;
    default:
      return '<unknown>';
  }
}

/** `80/TCP,443:30443/TCP`: each port, with its node port when it has one. */
export function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  if (ports.length === 0) return NONE;
  return ports
    .map((p) => (p.nodePort !== 0 ? `${p.port}:${p.nodePort}/${p.protocol}` : `${p.port}/${p.protocol}`))
    .join(',');
}

export const servicePrinter = definePrinter<Service>([
  nameColumn,
  column('Type', 'string', 'How the Service is exposed.', (s) => s.spec?.type ?? ''),
  column(
    'Cluster-IP',
    'string',
    "The Service's virtual IP inside the cluster.",
    (s) => s.spec?.clusterIp || NONE,
  ),
  column('External-IP', 'string', 'How the Service is reached from outside the cluster.', serviceExternalIP),
  column('Port(s)', 'string', 'The ports the Service exposes.', servicePorts),
  ageColumn,
  column(
    'Selector',
    'string',
    'The labels of the pods the Service sends traffic to.',
    (s) => formatLabels(s.spec?.selector),
    {
      priority: 1,
    },
  ),
]);

/** At most three items, then how many more (kubectl's endpoint and port columns). */
function firstThree(items: readonly string[], empty: string): string {
  if (items.length === 0) return empty;
  const shown = items.slice(0, 3).join(',');
  return items.length > 3 ? `${shown} + ${items.length - 3} more...` : shown;
}

export const endpointSlicePrinter = definePrinter<EndpointSlice>([
  nameColumn,
  column('AddressType', 'string', 'The type of the addresses of the slice.', (s) => s.addressType),
  column('Ports', 'string', 'The ports the endpoints serve.', (s) =>
    firstThree(
      s.ports.map((p) => (p.port === undefined ? '<unset>' : String(p.port))),
      '<unset>',
    ),
  ),
  column('Endpoints', 'string', 'The first addresses of the slice.', (s) =>
    firstThree(
      s.endpoints.flatMap((e) => e.addresses),
      NONE,
    ),
  ),
  ageColumn,
]);
