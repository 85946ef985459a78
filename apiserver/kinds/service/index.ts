/** The Service: a stable virtual IP and ports in front of the Pods its selector picks. */
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import { ObjectStore } from '../../storage/object-store.js';
import type { KindDefinition } from '../kind-definition.js';
import { infoOf } from '../kind-info.js';
import { serviceWriteHooks } from './allocation.js';
import { createRangeAllocator } from './range-allocator.js';
import { createServiceRangeRepair, runServiceRangeRepair } from './repair.js';
import { parsePortRange, parseServiceCidr } from './service-ranges.js';
import { serviceStrategy } from './strategy.js';

export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.96.0.0/12';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

/** Store keys of the reservations (outside every resource's prefix). */
export const CLUSTER_IP_KEYS = '/registry/ranges/serviceips/';
export const NODE_PORT_KEYS = '/registry/ranges/servicenodeports/';

/** How often reservations are checked against the Services stored (Kubernetes' repair interval). */
const REPAIR_INTERVAL_MS = 3 * 60_000;

export const serviceKind: KindDefinition<Service> = {
  kind: 'Service',
  strategy: () => serviceStrategy(),
  hooks: ({ store, options, signal, logger }) => {
    const allocators = {
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
    };
    if (signal) {
      const services = new ObjectStore<Service>(infoOf('Service'), store);
      const repair = createServiceRangeRepair(allocators, () => listAll(services), logger);
      runServiceRangeRepair(repair, REPAIR_INTERVAL_MS, signal, logger);
    }
    return serviceWriteHooks(allocators, logger);
  },
};

/** Every stored Service, page by page at one revision. */
async function listAll(store: ObjectStore<Service>): Promise<Service[]> {
  const out: Service[] = [];
  let revision: number | undefined;
  let startAfter: string | undefined;
  for (;;) {
    const page = await store.list('', {
      limit: 1000,
      ...(revision !== undefined ? { revision } : {}),
      ...(startAfter !== undefined ? { startAfter } : {}),
    });
    out.push(...page.items);
    if (!page.more || page.lastKey === undefined) return out;
    revision = page.revision;
    startAfter = page.lastKey;
  }
}
