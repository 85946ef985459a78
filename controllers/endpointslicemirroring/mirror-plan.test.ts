/** Planning the mirrored slices of an Endpoints: what is mirrored, how, and what is not. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type EndpointSubset, Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import {
  CONTROLLER_NAME,
  LEADER_ANNOTATION,
  MANAGED_BY_LABEL,
  type MirrorPlanInput,
  planMirroredSlices,
} from './mirror-plan.js';

const service = (selector: Record<string, string> = {}) =>
  Service.fromPartial({ metadata: { name: 'ext', namespace: 'default', uid: 'svc-1' }, spec: { selector } });

const endpoints = (
  subsets: Partial<EndpointSubset>[],
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
) =>
  Endpoints.fromPartial({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'ext', namespace: 'default', uid: 'ep-1', ...meta },
    subsets,
  });

const http = { name: 'http', port: 80, protocol: 'TCP' };

const plan = (input: Partial<MirrorPlanInput> & Pick<MirrorPlanInput, 'endpoints'>) =>
  planMirroredSlices({ service: service(), slices: [], maxEndpointsPerSubset: 1000, ...input });

/** An existing slice as the apiserver would return what the plan created. */
const stored = (slice: EndpointSlice, name: string): EndpointSlice => ({
  ...slice,
  metadata: {
    ...(slice.metadata as NonNullable<EndpointSlice['metadata']>),
    name,
    generateName: '',
    resourceVersion: '5',
  },
});

test('a subset becomes one slice: ready and not ready addresses, ports, owner, labels', () => {
  const ep = endpoints([
    {
      addresses: [{ ip: '192.0.2.10', hostname: 'a', nodeName: 'node-1' }],
      notReadyAddresses: [{ ip: '192.0.2.11', hostname: '' }],
      ports: [{ ...http, appProtocol: 'http' }],
    },
  ]);
  const p = plan({ endpoints: ep });
  assert.equal(p.update.length + p.delete.length, 0);
  assert.equal(p.create.length, 1);
  const [slice] = p.create;
  assert.ok(slice);
  assert.equal(slice.addressType, 'IPv4');
  assert.equal(slice.metadata?.generateName, 'ext-');
  assert.deepEqual(slice.metadata?.labels, {
    [SERVICE_NAME_LABEL]: 'ext',
    [MANAGED_BY_LABEL]: CONTROLLER_NAME,
  });
  assert.deepEqual(slice.metadata?.ownerReferences, [
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      name: 'ext',
      uid: 'ep-1',
      controller: true,
      blockOwnerDeletion: true,
    },
  ]);
  assert.deepEqual(slice.ports, [{ name: 'http', port: 80, protocol: 'TCP', appProtocol: 'http' }]);
  // Fields the plan leaves unset are dropped, as on the wire.
  const byIp = Object.fromEntries(
    slice.endpoints.map((e) => [e.addresses[0], JSON.parse(JSON.stringify(e))]),
  );
  assert.deepEqual(byIp['192.0.2.10'], {
    addresses: ['192.0.2.10'],
    conditions: { ready: true },
    hostname: 'a',
    nodeName: 'node-1',
  });
  assert.deepEqual(byIp['192.0.2.11'], { addresses: ['192.0.2.11'], conditions: { ready: false } });
});

test('labels are copied with managed-by and service-name set; two annotations are not copied', () => {
  const ep = endpoints([{ addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [http] }], {
    labels: { team: 'net', [MANAGED_BY_LABEL]: 'someone-else', [SKIP_MIRROR_LABEL]: 'false' },
    annotations: {
      note: 'kept',
      'endpoints.kubernetes.io/last-change-trigger-time': '2024-01-01T00:00:00Z',
      'kubectl.kubernetes.io/last-applied-configuration': '{}',
    },
  });
  const [slice] = plan({ endpoints: ep }).create;
  assert.deepEqual(slice?.metadata?.labels, {
    team: 'net',
    [SKIP_MIRROR_LABEL]: 'false',
    [SERVICE_NAME_LABEL]: 'ext',
    [MANAGED_BY_LABEL]: CONTROLLER_NAME,
  });
  assert.deepEqual(slice?.metadata?.annotations, { note: 'kept' });
});

test('each address family and each port set has a slice; addresses that are not IPs are skipped', () => {
  const ep = endpoints([
    {
      addresses: [
        { ip: '192.0.2.10', hostname: '' },
        { ip: '2001:db8::1', hostname: '' },
      ],
      ports: [http],
    },
    {
      addresses: [
        { ip: '192.0.2.20', hostname: '' },
        { ip: 'not-an-ip', hostname: '' },
      ],
      ports: [{ name: 'dns', port: 53, protocol: 'UDP' }],
    },
  ]);
  const p = plan({ endpoints: ep });
  assert.equal(p.invalidAddresses, 1);
  assert.equal(p.skippedAddresses, 1);
  const summary = p.create
    .map(
      (s) =>
        `${s.addressType} ${s.ports.map((x) => x.port).join()} ${s.endpoints.map((e) => e.addresses[0]).join()}`,
    )
    .sort();
  assert.deepEqual(summary, ['IPv4 53 192.0.2.20', 'IPv4 80 192.0.2.10', 'IPv6 80 2001:db8::1']);
});

test('beyond the limit per subset, ready addresses are kept first and the rest counted as skipped', () => {
  const ep = endpoints([
    {
      addresses: [
        { ip: '192.0.2.1', hostname: '' },
        { ip: '192.0.2.2', hostname: '' },
      ],
      notReadyAddresses: [{ ip: '192.0.2.3', hostname: '' }],
      ports: [http],
    },
  ]);
  const p = plan({ endpoints: ep, maxEndpointsPerSubset: 2 });
  assert.equal(p.skippedAddresses, 1);
  assert.equal(p.invalidAddresses, 0);
  assert.deepEqual(p.create[0]?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready]).sort(), [
    ['192.0.2.1', true],
    ['192.0.2.2', true],
  ]);
});

test('an unchanged slice is left alone; a changed one is updated in place; extra ones are deleted', () => {
  const ep = endpoints([{ addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [http] }]);
  const [created] = plan({ endpoints: ep }).create;
  assert.ok(created);
  const existing = stored(created, 'ext-abcde');
  assert.deepEqual(plan({ endpoints: ep, slices: [existing] }), {
    create: [],
    update: [],
    delete: [],
    invalidAddresses: 0,
    skippedAddresses: 0,
  });

  const moved = endpoints([{ addresses: [{ ip: '192.0.2.99', hostname: '' }], ports: [http] }]);
  const duplicate = stored(created, 'ext-zzzzz');
  const p = plan({ endpoints: moved, slices: [existing, duplicate] });
  assert.equal(p.create.length, 0);
  assert.deepEqual(
    p.update.map((s) => [s.metadata?.name, s.metadata?.resourceVersion, s.endpoints[0]?.addresses[0]]),
    [['ext-abcde', '5', '192.0.2.99']],
  );
  assert.deepEqual(
    p.delete.map((s) => s.metadata?.name),
    ['ext-zzzzz'],
  );
});

test('a new port set reuses the slice of the old one', () => {
  const ep = endpoints([{ addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [http] }]);
  const [created] = plan({ endpoints: ep }).create;
  assert.ok(created);
  const renumbered = endpoints([
    { addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [{ ...http, port: 8080 }] },
  ]);
  const p = plan({ endpoints: renumbered, slices: [stored(created, 'ext-abcde')] });
  assert.deepEqual([p.create.length, p.delete.length], [0, 0]);
  assert.deepEqual(
    p.update.map((s) => [s.metadata?.name, s.ports[0]?.port]),
    [['ext-abcde', 8080]],
  );
});

test('nothing is mirrored, and mirrored slices are deleted, when the Endpoints is not to be mirrored', () => {
  const subsets = [{ addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [http] }];
  const [created] = plan({ endpoints: endpoints(subsets) }).create;
  assert.ok(created);
  const existing = stored(created, 'ext-abcde');
  const cases: [string, Partial<MirrorPlanInput> & Pick<MirrorPlanInput, 'endpoints'>][] = [
    ['skip-mirror', { endpoints: endpoints(subsets, { labels: { [SKIP_MIRROR_LABEL]: 'true' } }) }],
    ['leader election', { endpoints: endpoints(subsets, { annotations: { [LEADER_ANNOTATION]: '{}' } }) }],
    ['selector', { endpoints: endpoints(subsets), service: service({ app: 'ext' }) }],
    ['no Service', { endpoints: endpoints(subsets), service: undefined }],
  ];
  for (const [why, input] of cases) {
    const p = plan({ ...input, slices: [existing] });
    assert.deepEqual([p.create.length, p.update.length], [0, 0], why);
    assert.deepEqual(
      p.delete.map((s) => s.metadata?.name),
      ['ext-abcde'],
      why,
    );
  }
});

test('an Endpoints without subsets keeps no slices', () => {
  const [created] = plan({
    endpoints: endpoints([{ addresses: [{ ip: '192.0.2.10', hostname: '' }], ports: [http] }]),
  }).create;
  assert.ok(created);
  const p = plan({ endpoints: endpoints([]), slices: [stored(created, 'ext-abcde')] });
  assert.deepEqual(
    p.delete.map((s) => s.metadata?.name),
    ['ext-abcde'],
  );
  assert.equal(p.create.length, 0);
});
