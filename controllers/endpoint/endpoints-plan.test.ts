/**
 * The Endpoints of a Service as pure functions: Pods and a Service in, subsets and the
 * write (or none) out.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type EndpointSubset, Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Service, type ServicePort } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import { repackSubsets, sameSubsets } from '../shared/repack-subsets.js';
import {
  desiredSubsets,
  HEADLESS_LABEL,
  OVER_CAPACITY_ANNOTATION,
  planEndpoints,
  TRIGGER_TIME_ANNOTATION,
  truncateSubsets,
} from './endpoints-plan.js';

const http: ServicePort = {
  name: 'http',
  protocol: 'TCP',
  port: 80,
  targetPort: { value: { $case: 'strVal', value: 'http' } },
  nodePort: 0,
};
const metrics: ServicePort = {
  name: 'metrics',
  protocol: 'TCP',
  port: 9090,
  targetPort: { value: { $case: 'intVal', value: 9100 } },
  nodePort: 0,
};

function service(
  opts: {
    ports?: ServicePort[];
    clusterIp?: string;
    publishNotReady?: boolean;
    labels?: Record<string, string>;
    ipFamilies?: string[];
  } = {},
) {
  return Service.fromPartial({
    metadata: { name: 'web', namespace: 'default', uid: 'svc-1', labels: opts.labels ?? { team: 'core' } },
    spec: {
      type: 'ClusterIP',
      clusterIp: opts.clusterIp ?? '10.96.0.10',
      ipFamilies: opts.ipFamilies ?? ['IPv4'],
      selector: { app: 'web' },
      publishNotReadyAddresses: opts.publishNotReady ?? false,
      ports: opts.ports ?? [http, metrics],
    },
  });
}

function pod(
  name: string,
  ip: string,
  opts: {
    ready?: boolean;
    httpPort?: number | null;
    phase?: string;
    deleting?: boolean;
    uid?: string;
    hostname?: string;
    subdomain?: string;
    ips?: string[];
  } = {},
) {
  const httpPort = opts.httpPort === undefined ? 8080 : opts.httpPort;
  return Pod.fromPartial({
    metadata: {
      name,
      namespace: 'default',
      uid: opts.uid ?? `uid-${name}`,
      labels: { app: 'web' },
      ...(opts.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      nodeName: 'node-a',
      hostname: opts.hostname ?? '',
      subdomain: opts.subdomain ?? '',
      containers: [
        {
          name: 'app',
          ports: httpPort === null ? [] : [{ name: 'http', containerPort: httpPort, protocol: 'TCP' }],
        },
      ],
    },
    status: {
      phase: opts.phase ?? 'Running',
      podIp: ip,
      podIps: (opts.ips ?? (ip === '' ? [] : [ip])).map((i) => ({ ip: i })),
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  });
}

/** Each subset as `ports: ready | notReady`, addresses by IP. */
const show = (subsets: readonly EndpointSubset[]) =>
  subsets.map(
    (s) =>
      `${s.ports.map((p) => `${p.name}:${p.port}`).join(',')}: ${s.addresses.map((a) => a.ip).join(',')} | ${s.notReadyAddresses.map((a) => a.ip).join(',')}`,
  );

/** The write's Endpoints, as the apiserver would store it. */
function write(svc: Service, pods: Pod[], current?: Endpoints, triggerTime?: Date): Endpoints {
  const plan = planEndpoints({ service: svc, pods, current, triggerTime });
  assert.notEqual(plan.action, 'none');
  if (plan.action === 'none') throw new Error('unreachable');
  assert.equal(plan.action, current ? 'update' : 'create');
  return Endpoints.fromPartial({
    ...plan.endpoints,
    metadata: {
      ...plan.endpoints.metadata,
      resourceVersion: String(Number(current?.metadata?.resourceVersion ?? 0) + 1),
    },
  });
}

describe('endpoints plan', () => {
  test('ready Pods are addresses, others notReadyAddresses, on the resolved ports; a full address', () => {
    const pods = [
      pod('web-1', '10.0.0.1'),
      pod('web-2', '10.0.0.2'),
      pod('web-3', '10.0.0.3', { ready: false }),
    ];
    const subsets = desiredSubsets(service(), pods);
    assert.deepEqual(show(subsets), ['http:8080,metrics:9100: 10.0.0.1,10.0.0.2 | 10.0.0.3']);
    assert.deepEqual(subsets[0]?.addresses[0], {
      ip: '10.0.0.1',
      hostname: '',
      nodeName: 'node-a',
      targetRef: {
        apiVersion: '',
        kind: 'Pod',
        namespace: 'default',
        name: 'web-1',
        uid: 'uid-web-1',
        resourceVersion: '',
        fieldPath: '',
      },
    });
    assert.deepEqual(subsets[0]?.ports, [
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9100, protocol: 'TCP' },
    ]);
  });

  test('a named port resolves per Pod; a Pod without it serves only the other ports', () => {
    const pods = [
      pod('web-1', '10.0.0.1'),
      pod('web-2', '10.0.0.2', { httpPort: 9000 }),
      pod('web-3', '10.0.0.3', { httpPort: null }),
    ];
    // Ports the same addresses serve share a subset; an address may be in several.
    assert.deepEqual(show(desiredSubsets(service(), pods)), [
      'http:8080: 10.0.0.1 | ',
      'http:9000: 10.0.0.2 | ',
      'metrics:9100: 10.0.0.1,10.0.0.2,10.0.0.3 | ',
    ]);
  });

  test('repacking: the same subsets whatever the order of the Pods; addresses by IP then uid', () => {
    const pods = [
      pod('a', '10.0.0.9'),
      pod('b', '10.0.0.10'),
      pod('c', '10.0.0.2', { uid: 'z' }),
      pod('d', '10.0.0.2', { uid: 'a' }),
      pod('e', '10.0.0.5', { ready: false }),
    ];
    const forward = desiredSubsets(service(), pods);
    const backward = desiredSubsets(service(), [...pods].reverse());
    assert.deepEqual(backward, forward);
    assert.deepEqual(
      forward[0]?.addresses.map((a) => [a.ip, a.targetRef?.uid]),
      [
        ['10.0.0.10', 'uid-b'],
        ['10.0.0.2', 'a'],
        ['10.0.0.2', 'z'],
        ['10.0.0.9', 'uid-a'],
      ],
    );
  });

  test('repacking merges subsets of the same addresses, and not ready wins for an address on a port', () => {
    const address = (ip: string) => ({ ip, hostname: '' });
    const port = (name: string, n: number) => ({ name, port: n, protocol: 'TCP' });
    const packed = repackSubsets([
      { addresses: [address('10.0.0.1')], notReadyAddresses: [], ports: [port('b', 2)] },
      { addresses: [address('10.0.0.1')], notReadyAddresses: [], ports: [port('a', 1)] },
      { addresses: [address('10.0.0.2')], notReadyAddresses: [], ports: [port('c', 3)] },
      { addresses: [], notReadyAddresses: [address('10.0.0.2')], ports: [port('c', 3)] },
    ]);
    assert.deepEqual(show(packed), ['a:1,b:2: 10.0.0.1 | ', 'c:3:  | 10.0.0.2']);
    assert.equal(sameSubsets(packed, [...packed].reverse()), true);
  });

  test('terminal Pods and Pods without an IP are left out; deleting ones too, unless publishNotReadyAddresses', () => {
    const pods = [
      pod('ok', '10.0.0.1'),
      pod('done', '10.0.0.2', { phase: 'Succeeded' }),
      pod('failed', '10.0.0.3', { phase: 'Failed' }),
      pod('no-ip', ''),
      pod('deleting', '10.0.0.4', { deleting: true }),
      pod('starting', '10.0.0.5', { ready: false }),
    ];
    assert.deepEqual(show(desiredSubsets(service({ ports: [metrics] }), pods)), [
      'metrics:9100: 10.0.0.1 | 10.0.0.5',
    ]);
    // Every included Pod is ready then, the deleting one included.
    assert.deepEqual(show(desiredSubsets(service({ ports: [metrics], publishNotReady: true }), pods)), [
      'metrics:9100: 10.0.0.1,10.0.0.4,10.0.0.5 | ',
    ]);
  });

  test('headless: the label; without ports the Pods are listed without ports, and not at all with a cluster IP', () => {
    const pods = [pod('web-1', '10.0.0.1'), pod('web-2', '10.0.0.2', { ready: false })];
    const headless = service({ clusterIp: 'None', ports: [] });
    const created = write(headless, pods);
    assert.deepEqual(created.metadata?.labels, {
      team: 'core',
      [HEADLESS_LABEL]: '',
      [SKIP_MIRROR_LABEL]: 'true',
    });
    assert.deepEqual(show(created.subsets), [': 10.0.0.1 | 10.0.0.2']);
    assert.deepEqual(desiredSubsets(service({ ports: [] }), pods), []);
    // A Service that gets a cluster IP loses the label.
    const updated = write(service({ ports: [] }), pods, created);
    assert.deepEqual(updated.metadata?.labels, { team: 'core', [SKIP_MIRROR_LABEL]: 'true' });
  });

  test('the hostname is set when the Pod’s subdomain is the Service', () => {
    const pods = [
      pod('web-0', '10.0.0.1', { hostname: 'web-0', subdomain: 'web' }),
      pod('web-1', '10.0.0.2', { hostname: 'web-1', subdomain: 'other' }),
    ];
    const [subset] = desiredSubsets(service({ ports: [metrics] }), pods);
    assert.deepEqual(
      subset?.addresses.map((a) => [a.ip, a.hostname]),
      [
        ['10.0.0.1', 'web-0'],
        ['10.0.0.2', ''],
      ],
    );
  });

  test('the address is the Pod’s IP of the Service’s family', () => {
    const dual = pod('web-1', '10.0.0.1', { ips: ['10.0.0.1', 'fd00::1'] });
    const v6 = desiredSubsets(service({ ports: [metrics], ipFamilies: ['IPv6'], clusterIp: 'fd00:96::10' }), [
      dual,
      pod('v4-only', '10.0.0.2'),
    ]);
    assert.deepEqual(show(v6), ['metrics:9100: fd00::1 | ']);
  });

  test('over 1000 addresses: ready ones first, shared among subsets in proportion, annotated; the annotation goes when under', () => {
    const many = (n: number, from: number, opts: { ready?: boolean; httpPort?: number } = {}) =>
      Array.from({ length: n }, (_, i) =>
        pod(`p-${from + i}`, `10.${Math.floor((from + i) / 250)}.${(from + i) % 250}.1`, opts),
      );
    // 900 ready and 300 not ready: every ready one, and 100 not ready.
    const mixed = [...many(900, 0), ...many(300, 1000, { ready: false })];
    const big = write(service({ ports: [metrics] }), mixed);
    assert.equal(big.metadata?.annotations?.[OVER_CAPACITY_ANNOTATION], 'truncated');
    assert.deepEqual(
      big.subsets.map((s) => [s.addresses.length, s.notReadyAddresses.length]),
      [[900, 100]],
    );
    // Its own write is what it wants: nothing more to write.
    assert.equal(
      planEndpoints({ service: service({ ports: [metrics] }), pods: mixed, current: big }).action,
      'none',
    );

    // 1200 ready over two port sets (800 and 400): 667 and 333, no not-ready address.
    const { subsets, truncated } = truncateSubsets(
      desiredSubsets(service({ ports: [http] }), [
        ...many(800, 0),
        ...many(400, 2000, { httpPort: 9000 }),
        ...many(5, 3000, { ready: false }),
      ]),
    );
    assert.equal(truncated, true);
    assert.deepEqual(
      subsets.map((s) => [s.ports[0]?.port, s.addresses.length, s.notReadyAddresses.length]).sort(),
      [
        [8080, 667, 0],
        [9000, 333, 0],
      ],
    );

    const small = write(service({ ports: [metrics] }), many(10, 0), big);
    assert.equal(Object.hasOwn(small.metadata?.annotations ?? {}, OVER_CAPACITY_ANNOTATION), false);
    assert.equal(small.subsets[0]?.addresses.length, 10);
  });

  test('nothing is written when the Endpoints already says it; labels, subsets, a stray over-capacity annotation are', () => {
    const svc = service();
    const pods = [pod('web-1', '10.0.0.1'), pod('web-2', '10.0.0.2', { ready: false })];
    const at = new Date('2025-01-02T03:04:05.120Z');
    const created = write(svc, pods, undefined, at);
    assert.deepEqual(created.metadata?.annotations, { [TRIGGER_TIME_ANNOTATION]: '2025-01-02T03:04:05.12Z' });
    assert.equal(created.metadata?.name, 'web');
    assert.equal(created.metadata?.namespace, 'default');
    assert.deepEqual(created.metadata?.ownerReferences, []);
    assert.equal(planEndpoints({ service: svc, pods, current: created }).action, 'none');

    // Repacked or reordered by someone else, Pod resourceVersions set: the same.
    const shuffled = Endpoints.fromPartial({
      ...created,
      subsets: created.subsets
        .flatMap((s) =>
          s.ports.map((p) => ({
            ...s,
            ports: [p],
            addresses: s.addresses.map((a) => ({
              ...a,
              targetRef: { ...a.targetRef!, resourceVersion: '42' },
            })),
          })),
        )
        .reverse(),
    });
    assert.equal(planEndpoints({ service: svc, pods, current: shuffled }).action, 'none');

    // The Service's labels changed: rewritten, other annotations kept, trigger time dropped without one.
    const annotated = Endpoints.fromPartial({
      ...created,
      metadata: { ...created.metadata, annotations: { ...created.metadata?.annotations, note: 'mine' } },
    });
    const relabelled = write(service({ labels: { team: 'edge' } }), pods, annotated);
    assert.deepEqual(relabelled.metadata?.labels, { team: 'edge', [SKIP_MIRROR_LABEL]: 'true' });
    assert.deepEqual(relabelled.metadata?.annotations, { note: 'mine' });

    const stray = Endpoints.fromPartial({
      ...created,
      metadata: { ...created.metadata, annotations: { [OVER_CAPACITY_ANNOTATION]: 'truncated' } },
    });
    assert.equal(write(svc, pods, stray).metadata?.annotations?.[OVER_CAPACITY_ANNOTATION], undefined);

    // A Pod becoming ready moves it to addresses.
    const moved = write(svc, [pod('web-1', '10.0.0.1'), pod('web-2', '10.0.0.2')], created);
    assert.deepEqual(show(moved.subsets), ['http:8080,metrics:9100: 10.0.0.1,10.0.0.2 | ']);
  });
});
