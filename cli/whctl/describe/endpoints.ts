/**
 * `describe endpoints`: each subset's ready and not-ready addresses and its ports, as
 * kubectl's EndpointsDescriber prints them, a blank line after each subset.
 */
import type { EndpointAddress, Endpoints } from '../../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { describeMeta } from './common.js';
import type { Description } from './description.js';

/** `10.0.0.1,10.0.0.2`; the Description prints `<none>` for none. */
function ips(addresses: readonly EndpointAddress[]): string {
  return addresses.map((a) => a.ip).join(',');
}

export function describeEndpoints(d: Description, endpoints: Endpoints): void {
  describeMeta(d, endpoints.metadata, true);
  d.heading(0, 'Subsets');
  for (const subset of endpoints.subsets) {
    d.item(1, 'Addresses', ips(subset.addresses));
    d.item(1, 'NotReadyAddresses', ips(subset.notReadyAddresses));
    if (subset.ports.length > 0) {
      d.heading(1, 'Ports');
      d.table(2, [
        ['Name', 'Port', 'Protocol'],
        ['----', '----', '--------'],
        ...subset.ports.map((p) => [p.name || '<unset>', String(p.port), p.protocol]),
      ]);
    }
    d.text(0, '');
  }
}
