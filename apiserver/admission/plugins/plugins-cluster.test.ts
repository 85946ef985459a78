/**
 * The built-in admission plugins through real store and apiserver processes: the quota
 * race, LimitRanger defaults, the default ServiceAccount and tolerations, PodSecurity
 * refusals and NodeRestriction with a kubelet's own client certificate.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LimitRange } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ResourceQuota } from '../../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { deployment, pod } from '../../../test/objects.js';
import { outcome } from '../../../test/outcome.js';

async function eventually(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('admission plugins in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({ captureOutput: true });
  });
  after(() => cluster.stop());

  const namespace = async (name: string, labels: Record<string, string> = {}) => {
    await call(cluster.client('namespaces'), 'createNamespace', {
      namespace: Namespace.fromPartial({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } }),
    });
  };

  test('quota race: 30 concurrent creates against pods: 5 admit exactly 5; a delete releases one', async () => {
    await namespace('race');
    const quotas = cluster.client('resourcequotas');
    await call(quotas, 'createResourceQuota', {
      resourceQuota: ResourceQuota.fromPartial({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'race' },
        spec: { hard: { pods: '5', 'requests.cpu': '10' } },
      }),
    });
    const pods = cluster.client('pods');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        outcome(call(pods, 'createPod', { pod: pod(`p${i}`, { namespace: 'race' }) })),
      ),
    );
    const ok = results.filter((r) => r.code === 'OK').length;
    assert.equal(
      ok,
      5,
      JSON.stringify(results.filter((r) => r.code !== 'OK' && r.code !== 'RESOURCE_EXHAUSTED')),
    );
    const refused = results.find((r) => r.code === 'RESOURCE_EXHAUSTED');
    assert.match(
      refused?.message ?? '',
      /^pods "p\d+" is forbidden: exceeded quota: q, requested: pods=1, used: pods=5, limited: pods=5$/,
    );
    assert.equal(results.filter((r) => r.code === 'RESOURCE_EXHAUSTED').length, 25);

    const used = async () =>
      (
        await call<{ resourceQuota: ResourceQuota }>(quotas, 'getResourceQuota', {
          namespace: 'race',
          name: 'q',
        })
      ).resourceQuota.status?.used ?? {};
    assert.deepEqual(await used(), { pods: '5', 'requests.cpu': '500m' });

    const { items } = await call<{ items: Pod[] }>(pods, 'listPods', { namespace: 'race' });
    assert.equal(items.length, 5);
    await call(pods, 'deletePod', { namespace: 'race', name: items[0]?.metadata?.name });
    await eventually(async () => (await used()).pods === '4', 'status.used.pods to drop to 4');
    assert.deepEqual(await used(), { pods: '4', 'requests.cpu': '400m' });
    // The freed room can be used again, once.
    assert.equal(
      (await outcome(call(pods, 'createPod', { pod: pod('again', { namespace: 'race' }) }))).code,
      'OK',
    );
    assert.equal(
      (await outcome(call(pods, 'createPod', { pod: pod('too-many', { namespace: 'race' }) }))).code,
      'RESOURCE_EXHAUSTED',
    );
  });

  test('a quota on Events, a kind served without a watch cache, counts them and releases on delete', async () => {
    await namespace('event-quota');
    const quotas = cluster.client('resourcequotas');
    await call(quotas, 'createResourceQuota', {
      resourceQuota: ResourceQuota.fromPartial({
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'q', namespace: 'event-quota' },
        spec: { hard: { 'count/events': '3' } },
      }),
    });
    const events = cluster.client('events');
    const event = (name: string) => ({
      event: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace: 'event-quota' },
        involvedObject: { kind: 'Pod', namespace: 'event-quota', name: 'p', apiVersion: 'v1' },
        reason: 'Tested',
        message: 'counted by the quota',
        type: 'Normal',
        source: { component: 'test' },
        count: 1,
      },
    });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => outcome(call(events, 'createEvent', event(`e${i}`)))),
    );
    assert.equal(results.filter((r) => r.code === 'OK').length, 3, JSON.stringify(results));
    assert.equal(results.filter((r) => r.code === 'RESOURCE_EXHAUSTED').length, 5);
    const used = async () =>
      (
        await call<{ resourceQuota: ResourceQuota }>(quotas, 'getResourceQuota', {
          namespace: 'event-quota',
          name: 'q',
        })
      ).resourceQuota.status?.used ?? {};
    assert.deepEqual(await used(), { 'count/events': '3' });
    const first = results.findIndex((r) => r.code === 'OK');
    await call(events, 'deleteEvent', { namespace: 'event-quota', name: `e${first}` });
    await eventually(async () => (await used())['count/events'] === '2', 'status.used to drop to 2');
    assert.equal((await outcome(call(events, 'createEvent', event('again')))).code, 'OK');
    assert.equal((await outcome(call(events, 'createEvent', event('too-many')))).code, 'RESOURCE_EXHAUSTED');
  });

  test('LimitRanger defaults, the default ServiceAccount and default tolerations show on a created pod', async () => {
    await namespace('limits');
    await call(cluster.client('limitranges'), 'createLimitRange', {
      limitRange: LimitRange.fromPartial({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'defaults', namespace: 'limits' },
        spec: {
          limits: [
            { type: 'Container', default: { cpu: '300m', memory: '200Mi' }, defaultRequest: { cpu: '150m' } },
          ],
        },
      }),
    });
    const bare = pod('bare', { namespace: 'limits' });
    bare.spec!.containers[0]!.resources = undefined;
    const { pod: created } = await call<{ pod: Pod }>(cluster.client('pods'), 'createPod', { pod: bare });
    const resources = created.spec?.containers[0]?.resources;
    assert.deepEqual(resources?.limits, { cpu: '300m', memory: '200Mi' });
    assert.deepEqual(resources?.requests, { cpu: '150m', memory: '200Mi' });
    assert.match(created.metadata?.annotations['kubernetes.io/limit-ranger'] ?? '', /LimitRanger plugin set/);
    assert.equal(created.spec?.serviceAccountName, 'default');
    const { serviceAccount } = await call<{ serviceAccount: ServiceAccount }>(
      cluster.client('serviceaccounts'),
      'getServiceAccount',
      { namespace: 'limits', name: 'default' },
    );
    assert.equal(serviceAccount.metadata?.name, 'default');
    assert.deepEqual(
      created.spec?.tolerations.map((t) => `${t.key}:${t.effect}:${t.tolerationSeconds}`),
      ['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300'],
    );

    const tooBig = pod('too-big', { namespace: 'limits' });
    await call(cluster.client('limitranges'), 'createLimitRange', {
      limitRange: LimitRange.fromPartial({
        apiVersion: 'v1',
        kind: 'LimitRange',
        metadata: { name: 'max', namespace: 'limits' },
        spec: { limits: [{ type: 'Container', max: { memory: '100Mi' } }] },
      }),
    });
    const refused = await outcome(call(cluster.client('pods'), 'createPod', { pod: tooBig }));
    assert.equal(refused.code, 'PERMISSION_DENIED');
    assert.match(
      refused.message,
      /spec\.containers\[0\]\.resources\.limits\.memory: maximum memory usage per Container is 100Mi, but limit is 128Mi/,
    );
  });

  test('a pod naming a missing service account is refused', async () => {
    const p = pod('robot');
    p.spec!.serviceAccountName = 'robot';
    const refused = await outcome(call(cluster.client('pods'), 'createPod', { pod: p }));
    assert.equal(refused.code, 'PERMISSION_DENIED');
    assert.match(refused.message, /serviceaccount "robot" not found/);
  });

  test('PodSecurity: baseline and restricted namespaces list every violation', async () => {
    await namespace('base', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    await namespace('strict', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const pods = cluster.client('pods');
    const privileged = pod('priv', { namespace: 'base' });
    privileged.spec!.hostNetwork = true;
    privileged.spec!.containers[0]!.securityContext = { privileged: true } as never;
    privileged.spec!.containers[0]!.ports = [
      { containerPort: 80, hostPort: 80, name: '', protocol: 'TCP', hostIp: '' },
    ];
    const base = await outcome(call(pods, 'createPod', { pod: privileged }));
    assert.equal(base.code, 'PERMISSION_DENIED');
    assert.equal(
      base.message,
      'pods "priv" is forbidden: violates PodSecurity "baseline:latest": host namespaces (hostNetwork=true), ' +
        'hostPort (container "web" uses hostPort 80), privileged (container "web" must not set securityContext.privileged=true)',
    );
    // A plain pod passes baseline but not restricted.
    assert.equal(
      (await outcome(call(pods, 'createPod', { pod: pod('plain', { namespace: 'base' }) }))).code,
      'OK',
    );
    const strict = await outcome(call(pods, 'createPod', { pod: pod('plain', { namespace: 'strict' }) }));
    assert.equal(strict.code, 'PERMISSION_DENIED');
    assert.equal(
      strict.message,
      'pods "plain" is forbidden: violates PodSecurity "restricted:latest": ' +
        'allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  test('PodSecurity: a Deployment whose pod template violates the level is created, with a logged warning', async () => {
    await namespace('base-workloads', { 'pod-security.kubernetes.io/enforce': 'baseline' });
    const d = deployment('host-net', 1, 'base-workloads');
    d.spec!.template!.spec!.hostNetwork = true;
    const created = await outcome(call(cluster.client('deployments'), 'createDeployment', { deployment: d }));
    assert.deepEqual(created, { code: 'OK', message: '' });
    const warned = () =>
      cluster
        .output()
        .split('\n')
        .filter((line) => line.includes('"name":"host-net"') && line.includes('"namespace":"base-workloads"'))
        .map((line) => JSON.parse(line) as { level: number; kind: string; msg: string });
    await eventually(async () => warned().length > 0, 'the PodSecurity warning in the apiserver log');
    assert.deepEqual(
      warned().map(({ level, kind, msg }) => ({ level, kind, msg })),
      [
        {
          level: 40,
          kind: 'Deployment',
          msg: 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
        },
      ],
    );
  });

  test('NodeRestriction: a kubelet changes only its own Node, and not its taints', async () => {
    const kubelet = {
      ...cluster.admin,
      clientCertificate: cluster.pki.kubelets['node-1']!.client.certFile,
      clientKey: cluster.pki.kubelets['node-1']!.client.keyFile,
      server: cluster.apiserver,
    };
    const asNode = cluster.client('nodes', kubelet);
    const asAdmin = cluster.client('nodes');
    const node = (name: string) =>
      Node.fromPartial({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels: { 'kubernetes.io/hostname': name } },
        spec: { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] },
      });
    await call(asAdmin, 'createNode', { node: node('node-2') });
    const { node: mine } = await call<{ node: Node }>(asNode, 'createNode', { node: node('node-1') });

    const untainted = structuredClone(mine);
    untainted.spec!.taints = [];
    const taints = await outcome(call(asNode, 'updateNode', { node: untainted }));
    assert.equal(taints.code, 'PERMISSION_DENIED');
    assert.match(taints.message, /node "node-1" is not allowed to modify taints/);

    const labelled = structuredClone(mine);
    labelled.metadata!.labels['node-restriction.kubernetes.io/pci'] = 'true';
    const labels = await outcome(call(asNode, 'updateNode', { node: labelled }));
    assert.equal(labels.code, 'PERMISSION_DENIED');
    assert.match(labels.message, /not allowed to modify labels: node-restriction.kubernetes.io\/pci/);

    const { node: other } = await call<{ node: Node }>(asAdmin, 'getNode', { name: 'node-2' });
    other.metadata!.labels.hijacked = 'yes';
    assert.equal((await outcome(call(asNode, 'updateNode', { node: other }))).code, 'PERMISSION_DENIED');

    const relabelled = structuredClone(mine);
    relabelled.metadata!.labels['topology.kubernetes.io/zone'] = 'a';
    assert.equal((await outcome(call(asNode, 'updateNode', { node: relabelled }))).code, 'OK');

    // A kubelet creates no ordinary pods.
    const bound = pod('not-mirror');
    bound.spec!.nodeName = 'node-1';
    const created = await outcome(call(cluster.client('pods', kubelet), 'createPod', { pod: bound }));
    assert.equal(created.code, 'PERMISSION_DENIED');
  });
});
