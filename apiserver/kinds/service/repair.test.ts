import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import { openBackend } from '../../../store/registry.js';
import '../../../store/drivers/index.js';
import { fromYaml } from '../testing.js';
import type { ServiceAllocators } from './allocation.js';
import { createRangeAllocator } from './range-allocator.js';
import { createServiceRangeRepair } from './repair.js';
import { parsePortRange, parseServiceCidr } from './service-ranges.js';

function svc(name: string, yaml: string): Service {
  return fromYaml<Service>(
    `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: default, uid: uid-${name}}\nspec: ${yaml}`,
  );
}

describe('service range repair', () => {
  it('frees what no Service holds after two passes, and reserves again what one holds', async () => {
    const store = await openBackend('memory://');
    const a: ServiceAllocators = {
      clusterIPs: createRangeAllocator(store, '/ips/', parseServiceCidr('10.96.0.0/24')),
      nodePorts: createRangeAllocator(store, '/ports/', parsePortRange('30000-30010')),
    };
    const web = svc('web', '{type: NodePort, clusterIP: 10.96.0.10, ports: [{port: 80, nodePort: 30001}]}');
    let services = [web];
    const repair = createServiceRangeRepair(a, async () => services);

    // A leak (a Service gone without freeing) and a Service whose reservations were lost.
    await a.clusterIPs.allocate('10.96.0.20', 'default/gone uid-gone');
    await a.nodePorts.allocate('30005', 'default/gone uid-gone');
    assert.deepEqual(await repair(), { released: 0, restored: 2 });
    assert.deepEqual([...(await a.clusterIPs.reservations())].sort(), [
      ['10.96.0.10', 'default/web uid-web'],
      ['10.96.0.20', 'default/gone uid-gone'],
    ]);
    // Second pass: the leak is still there, so it goes; what web holds stays.
    assert.deepEqual(await repair(), { released: 2, restored: 0 });
    assert.deepEqual([...(await a.clusterIPs.reservations())], [['10.96.0.10', 'default/web uid-web']]);
    assert.deepEqual([...(await a.nodePorts.reservations())], [['30001', 'default/web uid-web']]);

    // A reservation whose Service shows up by the next pass (created elsewhere meanwhile) is kept.
    await a.clusterIPs.allocate('10.96.0.30', 'default/late uid-late');
    assert.deepEqual(await repair(), { released: 0, restored: 0 });
    services = [web, svc('late', '{clusterIP: 10.96.0.30, ports: [{port: 80}]}')];
    assert.deepEqual(await repair(), { released: 0, restored: 0 });
    assert.equal((await a.clusterIPs.reservations()).get('10.96.0.30'), 'default/late uid-late');
    await store.close();
  });
});
