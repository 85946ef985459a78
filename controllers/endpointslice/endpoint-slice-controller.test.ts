/**
 * The EndpointSlice controller through a real store, apiserver (with an audit log) and
 * controller manager process running it under its own ServiceAccount. There is no kubelet:
 * the test writes each Pod's node, IP and Ready condition itself, as the admin.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { ContainerPort } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { type Endpoint, EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { eventsAbout, useCluster, waitFor } from '../shared/testing.js';

const ZONE = 'topology.kubernetes.io/zone';
const SERVICE_NAME = 'kubernetes.io/service-name';
const MANAGED_BY = 'endpointslice.kubernetes.io/managed-by';

interface AuditLine {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly decision: string;
}

function service(
  name: string,
  opts: { targetPort?: number | string; selector?: Record<string, string>; publishNotReady?: boolean } = {},
): Service {
  const target = opts.targetPort ?? 8080;
  return Service.fromPartial({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { team: 'core' } },
    spec: {
      selector: opts.selector ?? { app: name },
      publishNotReadyAddresses: opts.publishNotReady ?? false,
      ports: [
        {
          name: 'http',
          port: 80,
          targetPort: {
            value:
              typeof target === 'number'
                ? { $case: 'intVal', value: target }
                : { $case: 'strVal', value: target },
          },
        },
      ],
    },
  });
}

let addresses = 0;
const nextIP = () => {
  addresses++;
  return `10.244.${Math.floor(addresses / 250)}.${(addresses % 250) + 1}`;
};

describe('endpointslice controller', { timeout: 120_000 }, () => {
  const auditDir = mkdtempSync(join(tmpdir(), 'wheelhouse-endpointslice-'));
  const auditPath = join(auditDir, 'audit.log');
  const suite = useCluster({
    cluster: { apiserverArgs: ['--audit-log-path', auditPath] },
    controllerManager: ['--controllers', 'endpointslice'],
    async prepare({ admin }) {
      for (const [name, zone] of [
        ['node-a', 'zone-a'],
        ['node-b', 'zone-b'],
      ] as const) {
        await admin
          .kind<Node>('Node')
          .create(Node.fromPartial({ metadata: { name, labels: { [ZONE]: zone } } }));
      }
    },
  });
  after(() => rmSync(auditDir, { recursive: true, force: true }));

  const pods = () => suite.admin.kind<Pod>('Pod');
  const slicesApi = () => suite.admin.kind<EndpointSlice>('EndpointSlice');
  const services = () => suite.admin.kind<Service>('Service');

  /** Writes the Pod's status as its kubelet would: Running, with `ip` and its Ready condition. */
  const report = (pod: Pod, ip: string, ready: boolean) =>
    pods().updateStatus({
      ...pod,
      status: PodStatus.fromPartial({
        ...pod.status,
        phase: 'Running',
        podIp: ip,
        podIps: ip === '' ? [] : [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date() }],
      }),
    });

  async function runPod(
    name: string,
    labels: Record<string, string>,
    opts: { ready?: boolean; node?: string; ports?: Partial<ContainerPort>[] } = {},
  ): Promise<Pod> {
    const created = await pods().create(
      Pod.fromPartial({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels },
        spec: {
          nodeName: opts.node ?? 'node-a',
          containers: [{ name: 'app', image: 'nginx:1.27', ports: opts.ports ?? [] }],
        },
      }),
    );
    return report(created, nextIP(), opts.ready ?? true);
  }

  /** The managed slices of a Service, live. */
  const managedSlices = async (name: string) =>
    (
      await slicesApi().list('default', {
        labelSelector: `${SERVICE_NAME}=${name},${MANAGED_BY}=endpointslice-controller.k8s.io`,
      })
    ).items;

  /** Pod name → its endpoint, over every slice of the Service. */
  const endpointsByPod = (slices: EndpointSlice[]) =>
    new Map(slices.flatMap((s) => s.endpoints.map((e): [string, Endpoint] => [e.targetRef?.name ?? '', e])));

  /** Waits until the Service's managed slices pass `check`; returns them. */
  async function slicesWhen(name: string, what: string, check: (slices: EndpointSlice[]) => boolean) {
    let last: EndpointSlice[] = [];
    return waitFor(
      `${name}: ${what}`,
      async () => {
        last = await managedSlices(name);
        return check(last) ? last : undefined;
      },
      {
        timeoutMs: 20_000,
        describe: () =>
          `slices: ${JSON.stringify(last.map((s) => [s.metadata?.name, s.ports, s.endpoints.map((e) => [e.targetRef?.name, e.conditions])]))}\n${suite.cm.output().slice(-2000)}`,
      },
    );
  }
  const podsAre = (names: string[]) => (slices: EndpointSlice[]) =>
    JSON.stringify([...endpointsByPod(slices).keys()].sort()) === JSON.stringify([...names].sort());

  test('ready and not-ready Pods: one slice with both, conditions, zone and owner; updated in place', async () => {
    const svc = await services().create(service('web'));
    await runPod('web-1', { app: 'web' }, { node: 'node-a' });
    let slow = await runPod('web-2', { app: 'web' }, { ready: false, node: 'node-b' });
    const [slice, ...more] = await slicesWhen('web', 'both Pods', podsAre(['web-1', 'web-2']));
    assert.deepEqual(more, []);
    assert.equal(slice?.metadata?.generateName, 'web-');
    assert.match(slice?.metadata?.name ?? '', /^web-.+/);
    assert.deepEqual(slice?.metadata?.labels, {
      team: 'core',
      [SERVICE_NAME]: 'web',
      [MANAGED_BY]: 'endpointslice-controller.k8s.io',
    });
    assert.deepEqual(slice?.metadata?.ownerReferences, [
      {
        apiVersion: 'v1',
        kind: 'Service',
        name: 'web',
        uid: svc.metadata?.uid ?? '',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(slice?.addressType, 'IPv4');
    assert.deepEqual(
      slice?.ports.map((p) => [p.name, p.protocol, p.port]),
      [['http', 'TCP', 8080]],
    );
    const eps = endpointsByPod(slice ? [slice] : []);
    const fast = eps.get('web-1');
    assert.deepEqual(fast?.conditions, { ready: true, serving: true, terminating: false });
    assert.deepEqual([fast?.nodeName, fast?.zone, fast?.targetRef?.kind], ['node-a', 'zone-a', 'Pod']);
    assert.deepEqual(eps.get('web-2')?.conditions, { ready: false, serving: false, terminating: false });
    assert.equal(eps.get('web-2')?.zone, 'zone-b');
    assert.equal(eps.get('web-2')?.addresses[0], slow.status?.podIp);
    assert.equal(eps.get('web-2')?.targetRef?.uid, slow.metadata?.uid);

    slow = await report(slow, slow.status?.podIp ?? '', true);
    const [after] = await slicesWhen(
      'web',
      'web-2 ready',
      (s) => endpointsByPod(s).get('web-2')?.conditions?.ready === true,
    );
    assert.equal(after?.metadata?.uid, slice?.metadata?.uid, 'the same slice, updated');

    // A Node's zone label is in its Pods' endpoints.
    const node = await suite.admin.kind<Node>('Node').get('', 'node-b');
    await suite.admin
      .kind<Node>('Node')
      .update({ ...node, metadata: { ...node.metadata!, labels: { [ZONE]: 'zone-c' } } });
    await slicesWhen('web', 'web-2 in zone-c', (s) => endpointsByPod(s).get('web-2')?.zone === 'zone-c');
  });

  test('a named targetPort resolves through each Pod’s container ports; Pods with other ports get other slices', async () => {
    await services().create(service('api', { targetPort: 'web' }));
    await runPod('api-1', { app: 'api' }, { ports: [{ name: 'web', containerPort: 8080 }] });
    await runPod('api-2', { app: 'api' }, { ports: [{ name: 'web', containerPort: 9090 }] });
    await runPod('api-3', { app: 'api' }, { ports: [{ name: 'other', containerPort: 7070 }] });
    const slices = await slicesWhen('api', 'three Pods', podsAre(['api-1', 'api-2', 'api-3']));
    const byPorts = slices
      .map((s) => [
        s.ports.map((p) => `${p.name}/${p.protocol}:${p.port}`).join(','),
        s.endpoints.map((e) => e.targetRef?.name),
      ])
      .sort();
    // A port the Pod cannot resolve is left out of its slice, as Kubernetes does.
    assert.deepEqual(byPorts, [
      ['', ['api-3']],
      ['http/TCP:8080', ['api-1']],
      ['http/TCP:9090', ['api-2']],
    ]);
  });

  test('a Pod leaves when it loses its IP, stops matching or is deleted; terminating first, then gone', async () => {
    await services().create(service('db'));
    const db1 = await runPod('db-1', { app: 'db' });
    const db2 = await runPod('db-2', { app: 'db' });
    await runPod('db-3', { app: 'db' });
    const [first] = await slicesWhen('db', 'three Pods', podsAre(['db-1', 'db-2', 'db-3']));

    await report(db1, '', true);
    await slicesWhen('db', 'db-1 gone with its IP', podsAre(['db-2', 'db-3']));

    const latest = await pods().get('default', 'db-2');
    await pods().update({ ...latest, metadata: { ...latest.metadata!, labels: { app: 'other' } } });
    await slicesWhen('db', 'db-2 gone with its label', podsAre(['db-3']));
    assert.ok(db2);

    // Bound to a node and no kubelet to finish it: it stays terminating.
    await pods().delete('default', 'db-3', { gracePeriodSeconds: '600' });
    const terminating = await slicesWhen(
      'db',
      'db-3 terminating',
      (s) => endpointsByPod(s).get('db-3')?.conditions?.terminating === true,
    );
    assert.deepEqual(endpointsByPod(terminating).get('db-3')?.conditions, {
      ready: false,
      serving: true,
      terminating: true,
    });
    await pods().delete('default', 'db-3', { gracePeriodSeconds: '0' });
    const [placeholder, ...more] = await slicesWhen('db', 'no Pods left', podsAre([]));
    assert.deepEqual(more, []);
    assert.equal(
      placeholder?.metadata?.uid,
      first?.metadata?.uid,
      'the emptied slice is kept as the placeholder',
    );
    assert.deepEqual(placeholder?.ports, []);
  });

  test('a selector change moves the endpoints to the newly selected Pods', async () => {
    await services().create(service('color', { selector: { color: 'blue' } }));
    await runPod('blue-1', { color: 'blue' });
    await runPod('green-1', { color: 'green' });
    await slicesWhen('color', 'blue only', podsAre(['blue-1']));
    const svc = await services().get('default', 'color');
    await services().update({ ...svc, spec: { ...svc.spec!, selector: { color: 'green' } } });
    await slicesWhen('color', 'green only', podsAre(['green-1']));
  });

  test('publishNotReadyAddresses: a not-ready Pod is published ready, serving still false', async () => {
    await services().create(service('peers', { publishNotReady: true }));
    await runPod('peers-1', { app: 'peers' }, { ready: false });
    const slices = await slicesWhen('peers', 'the Pod', podsAre(['peers-1']));
    assert.deepEqual(endpointsByPod(slices).get('peers-1')?.conditions, {
      ready: true,
      serving: false,
      terminating: false,
    });
  });

  test('a Service with no Pods gets one empty placeholder slice, and only one', async () => {
    await services().create(service('lonely'));
    const [slice, ...more] = await slicesWhen('lonely', 'a placeholder', (s) => s.length > 0);
    assert.deepEqual(more, []);
    assert.deepEqual([slice?.endpoints, slice?.ports], [[], []]);
    await new Promise((r) => setTimeout(r, 1_500));
    const again = await managedSlices('lonely');
    assert.deepEqual(
      again.map((s) => [s.metadata?.uid, s.metadata?.resourceVersion]),
      [[slice?.metadata?.uid, slice?.metadata?.resourceVersion]],
      'left as it is',
    );
  });

  test('slices the controller does not manage are left alone', async () => {
    await services().create({ ...service('manual'), spec: { ...service('manual').spec!, selector: {} } });
    const handMade = (name: string, service: string, labels: Record<string, string> = {}) =>
      slicesApi().create(
        EndpointSlice.fromPartial({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { name, namespace: 'default', labels: { [SERVICE_NAME]: service, ...labels } },
          addressType: 'IPv4',
          endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
          ports: [{ name: 'http', protocol: 'TCP', port: 80 }],
        }),
      );
    const manual = await handMade('manual-1', 'manual');
    // Another manager's slice of a Service this controller keeps (web).
    const mirrored = await handMade('web-mirrored', 'web', {
      [MANAGED_BY]: 'endpointslicemirroring-controller.k8s.io',
    });
    await new Promise((r) => setTimeout(r, 2_500));
    for (const slice of [manual, mirrored]) {
      const now = await slicesApi().get('default', slice.metadata?.name ?? '');
      assert.equal(
        now.metadata?.resourceVersion,
        slice.metadata?.resourceVersion,
        `${slice.metadata?.name} untouched`,
      );
    }
    assert.deepEqual(
      await managedSlices('manual'),
      [],
      'no slices of its own for a Service without selector',
    );
  });

  test('a managed slice deleted or edited by hand is put back', async () => {
    const [before] = await managedSlices('web');
    assert.ok(before);
    await slicesApi().delete('default', before.metadata?.name ?? '');
    const [recreated] = await slicesWhen(
      'web',
      'a new slice with both Pods',
      (s) => s.length === 1 && s[0]?.metadata?.uid !== before.metadata?.uid && podsAre(['web-1', 'web-2'])(s),
    );
    assert.ok(recreated);
    await slicesApi().update({ ...recreated, endpoints: recreated.endpoints.slice(0, 1) });
    const [restored] = await slicesWhen('web', 'the removed endpoint back', podsAre(['web-1', 'web-2']));
    assert.equal(restored?.metadata?.uid, recreated.metadata?.uid);
  });

  test('a Pod on a Node that does not exist is left out with FailedToUpdateEndpointSlices, and added once the Node comes', async () => {
    await services().create(service('far'));
    await runPod('far-1', { app: 'far' });
    await runPod('far-2', { app: 'far' }, { node: 'node-x' });
    await slicesWhen('far', 'far-1 only', podsAre(['far-1']));
    const event = await waitFor('the warning', async () =>
      (await eventsAbout(suite.admin, 'Service', 'far')).find(
        (e) => e.reason === 'FailedToUpdateEndpointSlices',
      ),
    );
    assert.equal(event.type, 'Warning');
    assert.equal(
      event.message,
      'Error updating Endpoint Slices for Service default/far: skipping Pod far-2 for Service default/far: Node node-x Not Found',
    );
    assert.equal(event.source?.component, 'endpoint-slice-controller');
    await suite.admin.kind<Node>('Node').create(Node.fromPartial({ metadata: { name: 'node-x' } }));
    await slicesWhen('far', 'both', podsAre(['far-1', 'far-2']));
  });

  test('250 Pods make 3 slices of at most 100 endpoints, every Pod exactly once', async () => {
    await services().create(service('big'));
    const names = Array.from({ length: 250 }, (_, i) => `big-${i}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(
        names.slice(i, i + 25).map((n) => runPod(n, { app: 'big' }, { node: i % 2 ? 'node-a' : 'node-b' })),
      );
    }
    const slices = await slicesWhen(
      'big',
      '250 endpoints',
      (s) => s.reduce((n, x) => n + x.endpoints.length, 0) === 250,
    );
    assert.equal(slices.length, 3);
    assert.ok(slices.every((s) => s.endpoints.length <= 100));
    const listed = slices.flatMap((s) => s.endpoints.map((e) => e.targetRef?.name ?? ''));
    assert.deepEqual([...listed].sort(), [...names].sort());
  });

  test('the controller writes as its own ServiceAccount', async () => {
    const account = 'system:serviceaccount:kube-system:endpointslice-controller';
    const audited = () =>
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as AuditLine);
    const writes = await waitFor('the slice writes in the audit log', () => {
      const lines = audited().filter(
        (l) => l.resource === 'endpointslices' && l.verb !== 'list' && l.verb !== 'watch',
      );
      return lines.some((l) => l.verb === 'create') ? lines : undefined;
    });
    const writers = new Set(writes.filter((l) => l.user !== 'admin').map((l) => l.user));
    assert.deepEqual([...writers], [account]);
    assert.deepEqual(
      audited().filter((l) => l.user === account && l.decision !== 'allow'),
      [],
      'nothing it asked for was refused',
    );
  });
});
