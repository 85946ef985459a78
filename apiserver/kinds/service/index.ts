/** The Service: a stable virtual IP and ports in front of the Pods its selector picks. */
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { KindDefinition } from '../kind-definition.js';
import { serviceWriteHooks } from './allocation.js';
import { createRangeAllocator } from './range-allocator.js';
import { parsePortRange, parseServiceCidr } from './service-ranges.js';
import { serviceStrategy } from './strategy.js';

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** Store keys of the reservations (outside every resource's prefix). */
export const CLUSTER_IP_KEYS = '/registry/ranges/serviceips/';
export const NODE_PORT_KEYS = '/registry/ranges/servicenodeports/';

export const serviceKind: KindDefinition<Service> = {
  kind: 'Service',
  strategy: () => serviceStrategy(),
  hooks: ({ store, options }) =>
    serviceWriteHooks({
      clusterIPs: createRangeAllocator(
        store,
        CLUSTER_IP_KEYS,
        parseServiceCidr(options.serviceClusterIPRange ?? DEFAULT_SERVICE_CLUSTER_IP_RANGE),
      ),
      nodePorts: createRangeAllocator(
        store,
        NODE_PORT_KEYS,
        parsePortRange(options.serviceNodePortRange ?? DEFAULT_SERVICE_NODE_PORT_RANGE),
      ),
    }),
};
