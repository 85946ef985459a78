/**
 * Services through real store and apiserver processes: cluster IPs and node ports are
 * allocated from the apiserver's ranges, never twice, and freed when a Service is deleted
 * or stops needing them; a write that fails takes nothing; dry runs reserve nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import { parseManifests } from '../../../sdk/manifest/index.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { outcome } from '../../../test/outcome.js';

function service(yaml: string): Service {
  const [parsed] = parseManifests(`apiVersion: v1\nkind: Service\n${yaml}`);
  if (!parsed) throw new Error('no object in manifest');
  return parsed.object as Service;
}

describe('Services in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    // A small range, to see it fill: 10.97.0.0/29 holds 6 addresses, the node ports 5.
    cluster = await startCluster({
      apiserverArgs: [
        '--service-cluster-ip-range',
        '10.97.0.0/29',
        '--service-node-port-range',
        '30000-30004',
      ],
    });
  });
  after(() => cluster.stop());

  const services = () => cluster.client('services');
  const create = async (svc: Service, dryRun = false) =>
    (await call<{ service: Service }>(services(), 'createService', { service: svc, dryRun })).service;
  const get = async (name: string) =>
    (await call<{ service: Service }>(services(), 'getService', { namespace: 'default', name })).service;
  const update = async (svc: Service) =>
    (await call<{ service: Service }>(services(), 'updateService', { service: svc })).service;
  const remove = (name: string) => call(services(), 'deleteService', { namespace: 'default', name });

  test('a Service gets a cluster IP of the range; one asked for by IP gets it, once', async () => {
    const web = await create(
      service('metadata: {name: web, namespace: default}\nspec: {ports: [{port: 80}]}'),
    );
    assert.match(web.spec?.clusterIp ?? '', /^10\.97\.0\.[1-6]$/);
    assert.deepEqual(web.spec?.clusterIps, [web.spec?.clusterIp]);

    // An address the first Service did not get.
    const ip = web.spec?.clusterIp === '10.97.0.6' ? '10.97.0.5' : '10.97.0.6';
    const fixedSpec = (name: string) =>
      service(`metadata: {name: ${name}, namespace: default}\nspec: {clusterIP: ${ip}, ports: [{port: 80}]}`);
    const fixed = await create(fixedSpec('fixed'));
    assert.equal(fixed.spec?.clusterIp, ip);
    const again = await outcome(create(fixedSpec('again')));
    assert.equal(again.code, 'INVALID_ARGUMENT');
    assert.ok(
      again.message.includes(
        `spec.clusterIPs: Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated`,
      ),
      again.message,
    );
    const outside = await outcome(
      create(
        service(
          'metadata: {name: outside, namespace: default}\nspec: {clusterIP: 10.96.0.1, ports: [{port: 80}]}',
        ),
      ),
    );
    assert.equal(outside.code, 'INVALID_ARGUMENT');
    assert.match(outside.message, /not in the valid range\. The range of valid IPs is 10\.97\.0\.0\/29/);

    // Deleting frees the address for the next Service that asks for it.
    await remove('fixed');
    const reused = await create(fixedSpec('reused'));
    assert.equal(reused.spec?.clusterIp, ip);
    await remove('reused');
    await remove('web');
  });

  test('node ports: allocated, refused when taken, freed when the Service stops being a NodePort', async () => {
    const np = await create(
      service(`metadata: {name: np, namespace: default}
spec:
  type: NodePort
  ports:
  - {name: dns, port: 53, protocol: UDP}
  - {name: dns-tcp, port: 53, protocol: TCP}
  - {name: web, port: 80, nodePort: 30004}`),
    );
    const ports = np.spec?.ports.map((p) => p.nodePort) ?? [];
    assert.equal(ports[0], ports[1], 'one port number under two protocols shares its node port');
    assert.ok((ports[0] ?? 0) >= 30000 && (ports[0] ?? 0) <= 30003);
    assert.equal(ports[2], 30004);

    const taken = await outcome(
      create(
        service(
          'metadata: {name: np2, namespace: default}\nspec: {type: NodePort, ports: [{port: 81, nodePort: 30004}]}',
        ),
      ),
    );
    assert.equal(taken.code, 'INVALID_ARGUMENT');
    assert.match(
      taken.message,
      /spec\.ports\[0\]\.nodePort: Invalid value: 30004: provided port is already allocated/,
    );

    // Turned ClusterIP: the node ports are dropped and free again.
    const cur = await get('np');
    if (cur.spec) cur.spec.type = 'ClusterIP';
    const turned = await update(cur);
    assert.deepEqual(
      turned.spec?.ports.map((p) => p.nodePort),
      [0, 0, 0],
    );
    assert.equal(turned.spec?.clusterIp, np.spec?.clusterIp, 'the cluster IP stays');
    const np2 = await create(
      service(
        'metadata: {name: np2, namespace: default}\nspec: {type: NodePort, ports: [{port: 81, nodePort: 30004}]}',
      ),
    );
    assert.equal(np2.spec?.ports[0]?.nodePort, 30004);
    await remove('np');
    await remove('np2');
  });

  test('a create that fails validation, and a dry run, take nothing', async () => {
    const invalid = await outcome(
      create(
        service(
          'metadata: {name: invalid, namespace: default}\nspec: {type: NodePort, clusterIP: 10.97.0.5, sessionAffinity: Sticky, ports: [{port: 80, nodePort: 30003}]}',
        ),
      ),
    );
    assert.equal(invalid.code, 'INVALID_ARGUMENT');
    assert.match(invalid.message, /spec\.sessionAffinity: Unsupported value: "Sticky"/);
    const dry = await create(
      service(
        'metadata: {name: dry, namespace: default}\nspec: {type: NodePort, clusterIP: 10.97.0.5, ports: [{port: 80, nodePort: 30003}]}',
      ),
      true,
    );
    assert.equal(dry.spec?.ports[0]?.nodePort, 30003);
    const real = await create(
      service(
        'metadata: {name: real, namespace: default}\nspec: {type: NodePort, clusterIP: 10.97.0.5, ports: [{port: 80, nodePort: 30003}]}',
      ),
    );
    assert.equal(real.spec?.clusterIp, '10.97.0.5');
    assert.equal(real.spec?.ports[0]?.nodePort, 30003);
    await remove('real');
  });

  test('concurrent creates get distinct addresses until the range is full', async () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const results = await Promise.allSettled(
      names.map((n) =>
        create(service(`metadata: {name: many-${n}, namespace: default}\nspec: {ports: [{port: 80}]}`)),
      ),
    );
    const ips = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.spec?.clusterIp] : []));
    assert.equal(ips.length, 6, 'six addresses in a /29');
    assert.equal(new Set(ips).size, 6, 'no address twice');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    assert.equal(refused.length, 2);
    for (const err of refused) {
      assert.equal((err as { code?: number }).code, 8, 'RESOURCE_EXHAUSTED');
      assert.match(String((err as Error).message), /range 10\.97\.0\.0\/29 is full/);
    }
    // Headless and ExternalName Services need no address.
    const headless = await create(
      service('metadata: {name: headless, namespace: default}\nspec: {clusterIP: None}'),
    );
    assert.equal(headless.spec?.clusterIp, 'None');
    const ext = await create(
      service(
        'metadata: {name: ext, namespace: default}\nspec: {type: ExternalName, externalName: db.example.com}',
      ),
    );
    assert.equal(ext.spec?.clusterIp, '');
    for (const n of names) await outcome(remove(`many-${n}`));
    const after = await create(
      service('metadata: {name: after, namespace: default}\nspec: {ports: [{port: 80}]}'),
    );
    assert.match(after.spec?.clusterIp ?? '', /^10\.97\.0\.[1-6]$/);
  });
});
