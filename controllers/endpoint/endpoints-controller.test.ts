/**
 * The Endpoints controller through a real store, apiserver (with an audit log) and
 * controller manager process running it under its own ServiceAccount. There is no kubelet:
 * the test writes each Pod's IP and Ready condition itself, as the admin.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Clientset } from '../../sdk/client/typed-client.js';
import { Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import { SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import { useCluster, waitFor } from '../shared/testing.js';
import { LEADER_ANNOTATION } from './endpoints-controller.js';
import { TRIGGER_TIME_ANNOTATION } from './endpoints-plan.js';

interface AuditLine {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly decision: string;
}

function service(name: string, selector: Record<string, string> = { app: name }): Service {
  return Service.fromPartial({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', labels: { team: 'core' } },
    spec: {
      selector,
      ports: [{ name: 'http', port: 80, targetPort: { value: { $case: 'strVal', value: 'web' } } }],
    },
  });
}

/** An Endpoints written by hand, as for a Service without a selector. */
const handMade = (name: string, annotations: Record<string, string> = {}) =>
  Endpoints.fromPartial({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default', annotations },
    subsets: [{ addresses: [{ ip: '192.0.2.10' }], ports: [{ name: 'http', port: 80, protocol: 'TCP' }] }],
  });

describe('endpoint controller', { timeout: 60_000 }, () => {
  const auditDir = mkdtempSync(join(tmpdir(), 'wheelhouse-endpoint-'));
  const auditPath = join(auditDir, 'audit.log');
  const manual: Record<string, Endpoints> = {};
  const suite = useCluster({
    cluster: { apiserverArgs: ['--audit-log-path', auditPath] },
    controllerManager: ['--controllers', 'endpoint'],
    // Before the controller starts: what it must find at startup.
    async prepare({ admin }: { admin: Clientset }) {
      await admin.kind<Node>('Node').create(Node.fromPartial({ metadata: { name: 'node-a' } }));
      await admin.kind<Service>('Service').create(service('manual', {}));
      const endpointsApi = admin.kind<Endpoints>('Endpoints');
      manual.manual = await endpointsApi.create(handMade('manual'));
      manual.lock = await endpointsApi.create(handMade('lock', { [LEADER_ANNOTATION]: '{}' }));
      manual.gone = await endpointsApi.create(handMade('gone'));
    },
  });
  after(() => rmSync(auditDir, { recursive: true, force: true }));

  const pods = () => suite.admin.kind<Pod>('Pod');
  const endpointsApi = () => suite.admin.kind<Endpoints>('Endpoints');

  /** Writes the Pod's status as its kubelet would: Running, with `ip` and its Ready condition. */
  const report = (pod: Pod, ip: string, ready: boolean) =>
    pods().updateStatus({
      ...pod,
      status: PodStatus.fromPartial({
        ...pod.status,
        phase: 'Running',
        podIp: ip,
        podIps: [{ ip }],
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: new Date() }],
      }),
    });

  async function runPod(name: string, ip: string, ready: boolean): Promise<Pod> {
    const created = await pods().create(
      Pod.fromPartial({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: { app: 'web' } },
        spec: {
          nodeName: 'node-a',
          containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'web', containerPort: 8080 }] }],
        },
      }),
    );
    return report(created, ip, ready);
  }

  /** Waits until the Endpoints `name` passes `check` (undefined: there is none). */
  async function endpointsWhen(name: string, what: string, check: (ep: Endpoints | undefined) => boolean) {
    let last: Endpoints | undefined;
    return waitFor(
      `${name}: ${what}`,
      async () => {
        last = (await endpointsApi().list('default')).items.find((e) => e.metadata?.name === name);
        return check(last) ? { endpoints: last } : undefined;
      },
      {
        timeoutMs: 10_000,
        describe: () => `endpoints: ${JSON.stringify(last?.subsets)}\n${suite.cm.output().slice(-2000)}`,
      },
    );
  }
  /** Each subset as `ports: ready | notReady`, Pods by name. */
  const show = (ep: Endpoints | undefined) =>
    (ep?.subsets ?? []).map(
      (s) =>
        `${s.ports.map((p) => `${p.name}/${p.protocol}:${p.port}`).join(',')}: ${s.addresses.map((a) => a.targetRef?.name).join(',')} | ${s.notReadyAddresses.map((a) => a.targetRef?.name).join(',')}`,
    );

  test('at startup, Endpoints without a Service are deleted, but not a leader-election record', async () => {
    await endpointsWhen('gone', 'deleted', (ep) => ep === undefined);
    const lock = await endpointsApi().get('default', 'lock');
    assert.equal(lock.metadata?.resourceVersion, manual.lock?.metadata?.resourceVersion);
  });

  test('3 Pods, 2 ready: addresses and notReadyAddresses on the resolved port; a Pod turning ready moves', async () => {
    await suite.admin.kind<Service>('Service').create(service('web'));
    await runPod('web-1', '10.244.0.1', true);
    await runPod('web-2', '10.244.0.2', true);
    const slow = await runPod('web-3', '10.244.0.3', false);
    const { endpoints: ep } = await endpointsWhen(
      'web',
      'two ready, one not',
      (e) => show(e)[0] === 'http/TCP:8080: web-1,web-2 | web-3',
    );
    assert.equal(ep?.subsets.length, 1);
    assert.deepEqual(ep?.metadata?.labels, { team: 'core', [SKIP_MIRROR_LABEL]: 'true' });
    assert.deepEqual(ep?.metadata?.ownerReferences, []);
    assert.match(ep?.metadata?.annotations?.[TRIGGER_TIME_ANNOTATION] ?? '', /^\d{4}-\d\d-\d\dT.*Z$/);
    const first = ep?.subsets[0]?.addresses[0];
    assert.deepEqual(
      [first?.ip, first?.nodeName, first?.targetRef?.kind, first?.targetRef?.namespace],
      ['10.244.0.1', 'node-a', 'Pod', 'default'],
    );

    await report(slow, '10.244.0.3', true);
    const { endpoints: moved } = await endpointsWhen(
      'web',
      'web-3 ready',
      (e) => show(e)[0] === 'http/TCP:8080: web-1,web-2,web-3 | ',
    );
    assert.equal(moved?.metadata?.uid, ep?.metadata?.uid, 'the same Endpoints, updated');
  });

  test('a Service deleted: its Endpoints goes', async () => {
    await suite.admin.kind<Service>('Service').delete('default', 'web');
    await endpointsWhen('web', 'deleted', (e) => e === undefined);
  });

  test('the Endpoints of a Service without selector are left alone', async () => {
    // Every sync so far, the startup pass included, has had the chance to touch it.
    const now = await endpointsApi().get('default', 'manual');
    assert.equal(now.metadata?.resourceVersion, manual.manual?.metadata?.resourceVersion);
    assert.deepEqual(
      now.subsets.map((s) => s.addresses.map((a) => a.ip)),
      [['192.0.2.10']],
    );
  });

  test('the controller writes as its own ServiceAccount, and nothing it asks for is refused', () => {
    const account = 'system:serviceaccount:kube-system:endpoint-controller';
    const audited = readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditLine);
    const writes = audited.filter(
      (l) =>
        l.resource === 'endpoints' && ['create', 'update', 'delete'].includes(l.verb) && l.user !== 'admin',
    );
    assert.deepEqual([...new Set(writes.map((l) => l.user))], [account]);
    assert.ok(writes.some((l) => l.verb === 'create'));
    assert.ok(writes.some((l) => l.verb === 'delete'));
    assert.deepEqual(
      audited.filter((l) => l.user === account && l.decision !== 'allow'),
      [],
    );
  });
});
