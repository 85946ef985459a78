/**
 * PodService.UpdatePodStatuses through a real store and apiserver: a kubelet writes the
 * status of its own Pods over one stream, each write authorized and admitted as
 * UpdatePodStatus is, and a failure answered for its Pod alone without ending the stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, Metadata } from '@grpc/grpc-js';
import type { ClientConfig } from '../../../sdk/client-config.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodServiceClient } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';
import { configAs, itemStream } from '../testing.js';

/** One open UpdatePodStatuses stream: send Pods, await each answer by id. */
const openStream = (client: PodServiceClient) =>
  itemStream(client.updatePodStatuses(new Metadata()), 'pod', (id, p: Pod) => ({ id, pod: p }));

/** Creates a Pod bound to `node`; resolves with it as stored. */
async function boundPod(pods: Client, name: string, node: string): Promise<Pod> {
  await call(pods, 'createPod', { pod: pod(name) });
  const { pod: bound } = await call<{ pod: Pod }>(pods, 'bindPod', {
    binding: { metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: node } },
  });
  return bound;
}

/** `p` reporting `phase` with a Ready condition of `ready`. */
function withStatus(p: Pod, phase: string, ready = 'True'): Pod {
  const conditions = (p.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
  return Pod.fromPartial({
    ...p,
    status: { ...p.status, phase, conditions: [...conditions, { type: 'Ready', status: ready }] },
  });
}

describe('PodService.UpdatePodStatuses', () => {
  let cluster: Cluster;
  let kubelet: ClientConfig;
  before(async () => {
    cluster = await startCluster();
    kubelet = configAs(cluster, cluster.pki.kubelets['node-1']!.client);
  });
  after(() => cluster.stop());

  test("a node writes its own Pods' status and is refused another node's, per Pod", async () => {
    const admin = cluster.client('pods');
    const mine = await boundPod(admin, 'mine', 'node-1');
    const theirs = await boundPod(admin, 'theirs', 'node-2');
    const later = await boundPod(admin, 'mine-later', 'node-1');
    const asNode = cluster.client<PodServiceClient>('pods', kubelet);
    const s = openStream(asNode);

    const ok = await s.request(1, withStatus(mine, 'Running'));
    assert.equal(ok.status, undefined, ok.status?.message);
    const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'mine' });
    assert.equal(got.pod.status?.phase, 'Running');
    assert.equal(got.pod.metadata?.resourceVersion, ok.resourceVersion);
    // Written under the kubelet's field manager, on the status subresource, as UpdatePodStatus writes.
    const entry = got.pod.metadata?.managedFields.find((m) => m.subresource === 'status');
    assert.ok(entry, 'a managedFields entry for the status subresource');
    assert.equal(entry.operation, 'Update');

    const refused = await s.request(2, withStatus(theirs, 'Running'));
    assert.equal(refused.status?.code, Code.PERMISSION_DENIED);
    assert.equal(refused.resourceVersion, '');
    // The same refusal the unary call answers.
    const unary = await call(asNode as unknown as Client, 'updatePodStatus', {
      pod: withStatus(theirs, 'Running'),
    }).then(
      () => undefined,
      (err: unknown) => err,
    );
    assert.ok(unary instanceof ApiError);
    assert.equal(unary.code, refused.status?.code);
    assert.equal(unary.message, refused.status?.message);
    const untouched = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'theirs' });
    assert.notEqual(untouched.pod.status?.phase, 'Running');

    // The stream goes on after a refusal.
    const after = await s.request(3, withStatus(later, 'Running'));
    assert.equal(after.status, undefined, after.status?.message);
    await s.end();
  });

  test('a stale resourceVersion is ABORTED for that Pod only', async () => {
    const admin = cluster.client('pods');
    const first = await boundPod(admin, 'stale', 'node-1');
    const other = await boundPod(admin, 'fresh', 'node-1');
    const s = openStream(cluster.client<PodServiceClient>('pods', kubelet));
    const moved = await s.request(1, withStatus(first, 'Pending', 'False'));
    assert.equal(moved.status, undefined, moved.status?.message);

    // `first` still carries the resourceVersion before that write.
    const [stale, fresh] = await Promise.all([
      s.request(2, withStatus(first, 'Running')),
      s.request(3, withStatus(other, 'Running')),
    ]);
    assert.equal(stale.status?.code, Code.ABORTED);
    assert.equal(stale.status?.reason, 'Conflict');
    assert.equal(fresh.status, undefined, fresh.status?.message);
    const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'stale' });
    assert.equal(got.pod.metadata?.resourceVersion, moved.resourceVersion);
    assert.equal(got.pod.status?.phase, 'Pending');
    await s.end();
  });

  test('an invalid status answers INVALID_ARGUMENT naming the field', async () => {
    const admin = cluster.client('pods');
    const p = await boundPod(admin, 'invalid', 'node-1');
    const s = openStream(cluster.client<PodServiceClient>('pods', kubelet));
    const res = await s.request(1, withStatus(p, 'Running', 'Maybe'));
    assert.equal(res.status?.code, Code.INVALID_ARGUMENT);
    const fields = res.status?.details?.causes.map((c) => c.field) ?? [];
    assert.ok(
      fields.some((f) => /^status\.conditions\[\d+\]\.status$/.test(f)),
      `causes name the condition's status: ${fields.join(', ')}`,
    );
    assert.match(res.status?.message ?? '', /status\.conditions\[\d+\]\.status/);
    // And the stream still writes a valid one.
    const ok = await s.request(2, withStatus(p, 'Running'));
    assert.equal(ok.status, undefined, ok.status?.message);
    await s.end();
  });
});
