/**
 * The EndpointSlice mirroring controller through a real store, apiserver (with an audit
 * log) and controller manager process running it under its own ServiceAccount: Endpoints
 * written by hand for Services without a selector, mirrored into EndpointSlices.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Endpoints } from '../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { SERVICE_NAME_LABEL, SKIP_MIRROR_LABEL } from '../../sdk/labels/well-known.js';
import { useCluster, waitFor } from '../shared/testing.js';
import { CONTROLLER_NAME, MANAGED_BY_LABEL } from './mirror-plan.js';

interface AuditLine {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly decision: string;
}

const serviceWithoutSelector = (name: string) =>
  Service.fromPartial({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { ports: [{ name: 'http', port: 80, targetPort: { value: { $case: 'intVal', value: 8080 } } }] },
  });

const handMade = (name: string, ips: string[], notReady: string[] = []) =>
  Endpoints.fromPartial({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name, namespace: 'default', labels: { team: 'net' } },
    subsets: [
      {
        addresses: ips.map((ip) => ({ ip })),
        notReadyAddresses: notReady.map((ip) => ({ ip })),
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  });

describe('endpointslicemirroring controller', { timeout: 30_000 }, () => {
  const auditDir = mkdtempSync(join(tmpdir(), 'wheelhouse-mirroring-'));
  const auditPath = join(auditDir, 'audit.log');
  const suite = useCluster({
    cluster: { apiserverArgs: ['--audit-log-path', auditPath] },
    controllerManager: ['--controllers', 'endpointslicemirroring'],
  });
  after(() => rmSync(auditDir, { recursive: true, force: true }));

  const endpointsApi = () => suite.admin.kind<Endpoints>('Endpoints');
  const services = () => suite.admin.kind<Service>('Service');

  /** Waits until the slices mirrored for `name` pass `check`. */
  async function mirroredWhen(name: string, what: string, check: (slices: EndpointSlice[]) => boolean) {
    let last: EndpointSlice[] = [];
    return waitFor(
      `${name}: ${what}`,
      async () => {
        last = (await suite.admin.kind<EndpointSlice>('EndpointSlice').list('default')).items.filter(
          (s) =>
            s.metadata?.labels?.[SERVICE_NAME_LABEL] === name &&
            s.metadata.labels[MANAGED_BY_LABEL] === CONTROLLER_NAME,
        );
        return check(last) ? last : undefined;
      },
      {
        timeoutMs: 10_000,
        describe: () => `slices: ${JSON.stringify(last.map(show))}\n${suite.cm.output().slice(-2000)}`,
      },
    );
  }
  /** A slice as `type ports: ip=ready,...`, addresses sorted. */
  const show = (s: EndpointSlice) =>
    `${s.addressType} ${s.ports.map((p) => `${p.name}/${p.protocol}:${p.port}`).join(',')}: ${s.endpoints
      .map((e) => `${e.addresses[0]}=${e.conditions?.ready}`)
      .sort()
      .join(',')}`;

  test('a Service without selector and its hand-made Endpoints: one mirrored slice', async () => {
    await services().create(serviceWithoutSelector('ext'));
    const ep = await endpointsApi().create(handMade('ext', ['192.0.2.10', '192.0.2.11'], ['192.0.2.12']));
    const [slice] = await mirroredWhen(
      'ext',
      'mirrored',
      (s) =>
        s.length === 1 &&
        s[0] !== undefined &&
        show(s[0]) === 'IPv4 http/TCP:8080: 192.0.2.10=true,192.0.2.11=true,192.0.2.12=false',
    );
    assert.equal(slice?.metadata?.labels?.team, 'net');
    assert.match(slice?.metadata?.name ?? '', /^ext-/);
    const owner = slice?.metadata?.ownerReferences[0];
    assert.deepEqual(
      [owner?.kind, owner?.name, owner?.uid, owner?.controller],
      ['Endpoints', 'ext', ep.metadata?.uid, true],
    );
  });

  test('the Endpoints updated: the same slice is updated', async () => {
    const [before] = await mirroredWhen('ext', 'present', (s) => s.length === 1);
    const ep = await endpointsApi().get('default', 'ext');
    await endpointsApi().update({ ...ep, subsets: handMade('ext', ['192.0.2.20']).subsets });
    const [after] = await mirroredWhen(
      'ext',
      'updated',
      (s) => s.length === 1 && s[0] !== undefined && show(s[0]) === 'IPv4 http/TCP:8080: 192.0.2.20=true',
    );
    assert.equal(after?.metadata?.name, before?.metadata?.name);
  });

  test('the Endpoints labelled skip-mirror: its slices are removed', async () => {
    const ep = await endpointsApi().get('default', 'ext');
    await endpointsApi().update({
      ...ep,
      metadata: {
        ...(ep.metadata as NonNullable<Endpoints['metadata']>),
        labels: { [SKIP_MIRROR_LABEL]: 'true' },
      },
    });
    await mirroredWhen('ext', 'removed', (s) => s.length === 0);
  });

  test('the Service given a selector: its slices are removed', async () => {
    await services().create(serviceWithoutSelector('sel'));
    await endpointsApi().create(handMade('sel', ['192.0.2.30']));
    await mirroredWhen('sel', 'mirrored', (s) => s.length === 1);
    const svc = await services().get('default', 'sel');
    await services().update({
      ...svc,
      spec: { ...(svc.spec as NonNullable<Service['spec']>), selector: { app: 'sel' } },
    });
    await mirroredWhen('sel', 'removed', (s) => s.length === 0);
  });

  test('the controller writes as its own ServiceAccount, and nothing it asks for is refused', () => {
    const account = 'system:serviceaccount:kube-system:endpointslicemirroring-controller';
    const audited = readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditLine);
    const writes = audited.filter(
      (l) => l.resource === 'endpointslices' && ['create', 'update', 'delete'].includes(l.verb),
    );
    assert.deepEqual([...new Set(writes.map((l) => l.user))], [account]);
    assert.deepEqual([...new Set(writes.map((l) => l.verb))].sort(), ['create', 'delete', 'update']);
    assert.deepEqual(
      audited.filter((l) => l.user === account && l.decision !== 'allow'),
      [],
    );
  });
});
