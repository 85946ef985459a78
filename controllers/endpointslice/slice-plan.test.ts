/**
 * The slice plan and the endpoints it is made of, as pure functions: Pods and a Service
 * in, creates, updates and deletes out; `converge` plays the apiserver's part so that a
 * test can check the next plan is empty.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { desiredEndpoints } from './desired-endpoints.js';
import { HEADLESS_LABEL, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from './managed-slices.js';
import { planSlices, type SlicePlan } from './slice-plan.js';

const ZONE = 'topology.kubernetes.io/zone';
const nodes = new Map([
  ['node-a', Node.fromPartial({ metadata: { name: 'node-a', labels: { [ZONE]: 'zone-a' } } })],
  ['node-b', Node.fromPartial({ metadata: { name: 'node-b' } })],
]);

function service(opts: { uid?: string; labels?: Record<string, string>; publishNotReady?: boolean } = {}) {
  return Service.fromPartial({
    metadata: { name: 'web', namespace: 'default', uid: opts.uid ?? 'svc-1', labels: opts.labels ?? {} },
    spec: {
      type: 'ClusterIP',
      clusterIp: '10.96.0.10',
      ipFamilies: ['IPv4'],
      selector: { app: 'web' },
      publishNotReadyAddresses: opts.publishNotReady ?? false,
      ports: [
        {
          name: 'http',
          protocol: 'TCP',
          port: 80,
          targetPort: { value: { $case: 'strVal', value: 'http' } },
        },
        {
          name: 'metrics',
          protocol: 'TCP',
          port: 9090,
          targetPort: { value: { $case: 'intVal', value: 9100 } },
        },
      ],
    },
  });
}

function pod(
  i: number,
  opts: { ready?: boolean; deleting?: boolean; httpPort?: number | null; node?: string; phase?: string } = {},
) {
  const httpPort = opts.httpPort === undefined ? 8080 : opts.httpPort;
  return Pod.fromPartial({
    metadata: {
      name: `web-${String(i).padStart(3, '0')}`,
      namespace: 'default',
      uid: `pod-${i}`,
      labels: { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      nodeName: opts.node ?? 'node-a',
      containers: [
        {
          name: 'app',
          ports: httpPort === null ? [] : [{ name: 'http', containerPort: httpPort, protocol: 'TCP' }],
        },
      ],
    },
    status: {
      phase: opts.phase ?? 'Running',
      podIp: `10.244.${Math.floor(i / 250)}.${(i % 250) + 1}`,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  });
}

function plan(svc: Service, pods: Pod[], slices: EndpointSlice[], max = 100): SlicePlan {
  const wanted = desiredEndpoints(svc, pods, 'IPv4', (name) => nodes.get(name));
  return planSlices({
    service: svc,
    slices,
    desired: new Map([['IPv4', wanted.groups]]),
    maxEndpointsPerSlice: max,
  });
}

/** The slices after the apiserver carried out `p` (names for the created ones). */
let created = 0;
function converge(slices: EndpointSlice[], p: SlicePlan): EndpointSlice[] {
  const gone = new Set(p.delete.map((s) => s.metadata?.name));
  const updated = new Map(p.update.map((s) => [s.metadata?.name, s]));
  const kept = slices
    .filter((s) => !gone.has(s.metadata?.name))
    .map((s) => updated.get(s.metadata?.name) ?? s);
  const made = p.create.map((s) => ({
    ...s,
    metadata: { ...(s.metadata as NonNullable<EndpointSlice['metadata']>), name: `web-${++created}` },
  }));
  return [...kept, ...made];
}

const counts = (p: SlicePlan) => [p.create.length, p.update.length, p.delete.length];
const podNames = (slices: EndpointSlice[]) =>
  slices.flatMap((s) => s.endpoints.map((e) => e.targetRef?.name ?? ''));

describe('slice plan', () => {
  test('250 Pods make three slices of at most 100, each Pod once; the next plan is empty', () => {
    const pods = Array.from({ length: 250 }, (_, i) => pod(i));
    const first = plan(service(), pods, []);
    assert.deepEqual(counts(first), [3, 0, 0]);
    assert.deepEqual(
      first.create.map((s) => s.endpoints.length),
      [100, 100, 50],
    );
    const slices = converge([], first);
    const names = podNames(slices);
    assert.equal(new Set(names).size, 250);
    assert.equal(names.length, 250);
    assert.deepEqual(counts(plan(service(), pods, slices)), [0, 0, 0]);
  });

  test('a new slice carries the Service’s labels, its owner and its ports', () => {
    const svc = service({ labels: { team: 'a', [SERVICE_NAME_LABEL]: 'spoof' } });
    const [slice] = plan(svc, [pod(1)], []).create;
    assert.equal(slice?.metadata?.generateName, 'web-');
    assert.deepEqual(slice?.metadata?.labels, {
      team: 'a',
      [SERVICE_NAME_LABEL]: 'web',
      [MANAGED_BY_LABEL]: 'endpointslice-controller.k8s.io',
    });
    assert.deepEqual(slice?.metadata?.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'web',
        uid: 'svc-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(slice?.ports, [
      { name: 'http', protocol: 'TCP', port: 8080, appProtocol: undefined },
      { name: 'metrics', protocol: 'TCP', port: 9100, appProtocol: undefined },
    ]);
    assert.deepEqual(slice?.endpoints[0], {
      addresses: ['10.244.0.2'],
      conditions: { ready: true, serving: true, terminating: false },
      targetRef: {
        apiVersion: '',
        kind: 'Pod',
        namespace: 'default',
        name: 'web-001',
        uid: 'pod-1',
        resourceVersion: '',
        fieldPath: '',
      },
      nodeName: 'node-a',
      zone: 'zone-a',
    });
  });

  test('a readiness change updates the one slice holding the Pod, in place', () => {
    const pods = Array.from({ length: 150 }, (_, i) => pod(i));
    const slices = converge([], plan(service(), pods, []));
    pods[120] = pod(120, { ready: false });
    const next = plan(service(), pods, slices);
    assert.deepEqual(counts(next), [0, 1, 0]);
    const ep = next.update[0]?.endpoints.find((e) => e.targetRef?.name === 'web-120');
    assert.deepEqual(ep?.conditions, { ready: false, serving: false, terminating: false });
  });

  test('terminating Pods stay, not ready; finished ones and those without an IP leave', () => {
    const svc = service();
    const gone = pod(3, { phase: 'Succeeded' });
    const noIp = pod(4);
    if (noIp.status) noIp.status.podIp = '';
    const [slice] = plan(
      svc,
      [pod(1, { deleting: true }), pod(2, { deleting: true, ready: false }), gone, noIp],
      [],
    ).create;
    assert.deepEqual(
      slice?.endpoints.map((e) => [e.targetRef?.name, e.conditions]),
      [
        ['web-001', { ready: false, serving: true, terminating: true }],
        ['web-002', { ready: false, serving: false, terminating: true }],
      ],
    );
  });

  test('publishNotReadyAddresses makes every endpoint ready, serving still the Pod’s readiness', () => {
    const [slice] = plan(
      service({ publishNotReady: true }),
      [pod(1, { ready: false }), pod(2, { deleting: true })],
      [],
    ).create;
    assert.deepEqual(
      slice?.endpoints.map((e) => e.conditions),
      [
        { ready: true, serving: false, terminating: false },
        { ready: true, serving: true, terminating: true },
      ],
    );
  });

  test('Pods resolving the named port differently go to different slices; one that cannot resolve it lacks that port', () => {
    const p = plan(service(), [pod(1), pod(2, { httpPort: 8081 }), pod(3, { httpPort: null })], []);
    const byPorts = p.create.map((s) => [s.ports.map((x) => `${x.name}:${x.port}`).join(','), podNames([s])]);
    assert.deepEqual(byPorts.sort(), [
      ['http:8080,metrics:9100', ['web-001']],
      ['http:8081,metrics:9100', ['web-002']],
      ['metrics:9100', ['web-003']],
    ]);
  });

  test('a Pod on an unknown Node is left out and reported', () => {
    const wanted = desiredEndpoints(service(), [pod(1), pod(2, { node: 'node-x' })], 'IPv4', (n) =>
      nodes.get(n),
    );
    assert.deepEqual(wanted.errors, ['skipping Pod web-002 for Service default/web: Node node-x Not Found']);
    const published = desiredEndpoints(
      service({ publishNotReady: true }),
      [pod(2, { node: 'node-x' })],
      'IPv4',
      () => undefined,
    );
    assert.deepEqual(published.errors, []);
    assert.equal([...published.groups.values()][0]?.endpoints.size, 1);
  });

  test('no Pods: one empty placeholder, made once and then kept', () => {
    const first = plan(service(), [], []);
    assert.deepEqual(counts(first), [1, 0, 0]);
    assert.deepEqual([first.create[0]?.endpoints, first.create[0]?.ports], [[], []]);
    const slices = converge([], first);
    assert.deepEqual(counts(plan(service(), [], slices)), [0, 0, 0]);
  });

  test('the last Pod going turns its slice into the placeholder by one update', () => {
    const slices = converge([], plan(service(), [pod(1)], []));
    const next = plan(service(), [], slices);
    assert.deepEqual(counts(next), [0, 1, 0]);
    assert.equal(next.update[0]?.metadata?.name, slices[0]?.metadata?.name);
    assert.equal(next.update[0]?.metadata?.resourceVersion, slices[0]?.metadata?.resourceVersion);
    assert.deepEqual([next.update[0]?.endpoints, next.update[0]?.ports], [[], []]);
  });

  test('new Pods fill a slice that is written anyway before a new one is made', () => {
    const pods = Array.from({ length: 100 }, (_, i) => pod(i));
    const slices = converge([], plan(service(), pods, []));
    pods.splice(10, 1);
    pods.push(pod(200));
    const next = plan(service(), pods, slices);
    assert.deepEqual(counts(next), [0, 1, 0]);
    assert.equal(next.update[0]?.endpoints.length, 100);
    assert.ok(podNames(next.update).includes('web-200'));
  });

  test('a slice of an earlier Service of that name is deleted, labels follow the Service', () => {
    const stale = converge([], plan(service({ uid: 'old' }), [pod(1)], []));
    const next = plan(service(), [pod(1)], stale);
    assert.deepEqual(counts(next), [1, 0, 1]);
    const slices = converge([], plan(service(), [pod(1)], []));
    const relabelled = plan(service({ labels: { team: 'b' } }), [pod(1)], slices);
    assert.deepEqual(counts(relabelled), [0, 1, 0]);
    assert.equal(relabelled.update[0]?.metadata?.labels.team, 'b');
  });

  test('trafficDistribution PreferClose hints ready endpoints to their zone; turning it off removes the hints', () => {
    const close = service();
    if (close.spec) close.spec.trafficDistribution = 'PreferClose';
    const pods = [pod(1), pod(2, { ready: false }), pod(3, { node: 'node-b' })];
    const [slice] = plan(close, pods, []).create;
    assert.deepEqual(
      slice?.endpoints.map((e) => [e.targetRef?.name, e.hints?.forZones.map((z) => z.name)]),
      [
        ['web-001', ['zone-a']],
        ['web-002', undefined],
        ['web-003', undefined],
      ],
    );
    const slices = converge([], { create: slice ? [slice] : [], update: [], delete: [] });
    const off = plan(service(), pods, slices);
    assert.deepEqual(counts(off), [0, 1, 0]);
    assert.ok(off.update[0]?.endpoints.every((e) => e.hints === undefined));
  });

  test('a headless Service’s slices say so', () => {
    const svc = service();
    if (svc.spec) svc.spec.clusterIp = 'None';
    assert.equal(plan(svc, [pod(1)], []).create[0]?.metadata?.labels[HEADLESS_LABEL], '');
  });

  test('slices of an address type the Service does not have are deleted', () => {
    const slices = converge([], plan(service(), [pod(1)], []));
    const v6 = { ...(slices[0] as EndpointSlice), addressType: 'IPv6' };
    const wanted = desiredEndpoints(service(), [pod(1)], 'IPv4', (n) => nodes.get(n));
    const p = planSlices({
      service: service(),
      slices: [...slices, v6],
      desired: new Map([['IPv4', wanted.groups]]),
      maxEndpointsPerSlice: 100,
    });
    assert.deepEqual(counts(p), [0, 0, 1]);
    assert.equal(p.delete[0]?.addressType, 'IPv6');
  });
});
