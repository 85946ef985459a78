/**
 * PodService.BindPods through a real store and apiserver: many bindings over one
 * stream, each answered by its id, failures answered without ending the stream, and
 * each binding authorized as BindPod is.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, Metadata } from '@grpc/grpc-js';
import { Code } from '../../../sdk/errors.js';
import { Binding } from '../../../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { PodServiceClient } from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { CertFiles } from '../../../sdk/pki/cert.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';
import { configAs, itemStream } from '../testing.js';

interface BindingInput {
  metadata?: { name?: string; namespace?: string; uid?: string };
  target?: { kind?: string; name?: string };
}

/** One open BindPods stream: send bindings, await each answer by id. */
const openStream = (client: PodServiceClient) =>
  itemStream(client.bindPods(new Metadata()), 'binding', (id, binding: BindingInput) => ({
    id,
    binding: Binding.fromPartial(binding),
  }));

/** Creates `<prefix>-0` … `<prefix>-<n-1>`, a few at a time; returns their uids in order. */
async function createPods(pods: Client, prefix: string, n: number): Promise<string[]> {
  const uids: string[] = [];
  for (let i = 0; i < n; i += 25) {
    const batch = Array.from({ length: Math.min(25, n - i) }, (_, j) =>
      call<{ pod: Pod }>(pods, 'createPod', { pod: pod(`${prefix}-${i + j}`) }),
    );
    for (const created of await Promise.all(batch)) uids.push(created.pod.metadata?.uid ?? '');
  }
  return uids;
}

const binding = (name: string, node: string, uid = ''): BindingInput => ({
  metadata: { name, namespace: 'default', uid },
  target: { kind: 'Node', name: node },
});

describe('PodService.BindPods', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());
  const as = (certs: CertFiles) => configAs(cluster, certs);

  test('binds many pods over one stream, as the scheduler, each answered by its id', async () => {
    const admin = cluster.client('pods');
    const n = 300;
    const uids = await createPods(admin, 'many', n);
    const s = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.scheduler)));
    // More than the server takes in flight at once (256): the rest wait for room.
    for (let i = 0; i < n; i++) s.send(i + 1, binding(`many-${i}`, `node-${i % 7}`, uids[i]));
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.answer(i + 1)));
    for (const res of answers) {
      assert.equal(res.status, undefined, `binding ${res.id}: ${res.status?.message}`);
      assert.match(res.resourceVersion, /^\d+$/);
    }
    for (const i of [0, 150, n - 1]) {
      const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: `many-${i}` });
      assert.equal(got.pod.spec?.nodeName, `node-${i % 7}`);
      assert.equal(got.pod.metadata?.resourceVersion, answers[i]?.resourceVersion);
      assert.equal(got.pod.status?.conditions.find((c) => c.type === 'PodScheduled')?.status, 'True');
    }
    // Half-closed by the client, the server ends the stream once every answer is sent.
    await s.end();
  });

  test('a binding that fails answers its error, and the stream goes on', async () => {
    const admin = cluster.client('pods');
    await call(admin, 'createPod', { pod: pod('taken') });
    await call(admin, 'bindPod', { binding: binding('taken', 'node-1') });
    await call(admin, 'createPod', { pod: pod('free') });
    await call(admin, 'createPod', { pod: pod('replaced') });
    const s = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.scheduler)));

    s.send(1, binding('missing', 'node-1'));
    const missing = await s.answer(1);
    assert.equal(missing.status?.code, Code.NOT_FOUND);
    assert.equal(missing.resourceVersion, '');
    assert.match(missing.status?.message ?? '', /missing/);

    s.send(2, binding('taken', 'node-2'));
    const taken = await s.answer(2);
    assert.equal(taken.status?.code, Code.FAILED_PRECONDITION);
    assert.match(taken.status?.message ?? '', /already assigned to node "node-1"/);

    s.send(3, { metadata: { name: 'free', namespace: 'default' } });
    const noNode = await s.answer(3);
    assert.equal(noNode.status?.code, Code.INVALID_ARGUMENT);
    assert.deepEqual(
      noNode.status?.details?.causes.map((c) => c.field),
      ['target.name'],
    );

    s.send(4, binding('replaced', 'node-1', 'not-its-uid'));
    assert.equal((await s.answer(4)).status?.code, Code.ABORTED);

    s.send(5, {
      metadata: { name: 'Not_A_Name', namespace: 'default' },
      target: { kind: 'Node', name: 'n' },
    });
    assert.equal((await s.answer(5)).status?.code, Code.INVALID_ARGUMENT);

    // After all that, the same stream still binds.
    s.send(6, binding('free', 'node-3'));
    const ok = await s.answer(6);
    assert.equal(ok.status, undefined, ok.status?.message);
    const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'free' });
    assert.equal(got.pod.spec?.nodeName, 'node-3');
    s.stream.cancel();
  });

  test('each binding is authorized: a caller without create on pods/binding is refused, per binding', async () => {
    const admin = cluster.client('pods');
    await call(admin, 'createPod', { pod: pod('not-for-kcm') });
    // The controller manager may do much, but not bind pods.
    const s = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.controllerManager)));
    s.send(1, binding('not-for-kcm', 'node-1'));
    const refused = await s.answer(1);
    assert.equal(refused.status?.code, Code.PERMISSION_DENIED);
    assert.match(
      refused.status?.message ?? '',
      /User "system:kube-controller-manager" cannot create resource "pods\/binding"/,
    );
    // The refusal ends nothing: a second binding on the same stream gets its own answer.
    s.send(2, binding('not-for-kcm', 'node-2'));
    assert.equal((await s.answer(2)).status?.code, Code.PERMISSION_DENIED);
    const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'not-for-kcm' });
    assert.equal(got.pod.spec?.nodeName, '');
    s.stream.cancel();
  });

  test('two bindings with one id in flight: the second is refused, the first is made', async () => {
    const admin = cluster.client('pods');
    await call(admin, 'createPod', { pod: pod('dup-a') });
    await call(admin, 'createPod', { pod: pod('dup-b') });
    const s = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.scheduler)));
    const two = s.arrivals(2);
    s.send(7, binding('dup-a', 'node-1'));
    s.send(7, binding('dup-b', 'node-1'));
    const got = await two;
    const codes = got.map((r) => r.status?.code ?? Code.OK).sort();
    assert.deepEqual(codes, [Code.OK, Code.INVALID_ARGUMENT]);
    s.stream.cancel();
  });

  test('a stream cancelled with bindings in flight leaves each pod bound or untouched, and the server serving', async () => {
    const admin = cluster.client('pods');
    const n = 100;
    await createPods(admin, 'cancel', n);
    const s = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.scheduler)));
    for (let i = 0; i < n; i++) s.send(i, binding(`cancel-${i}`, 'node-9'));
    s.stream.cancel();
    // Whatever was made is whole: bound pods carry the node and the condition together.
    for (let i = 0; i < n; i++) {
      const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: `cancel-${i}` });
      const scheduled = got.pod.status?.conditions.find((c) => c.type === 'PodScheduled')?.status;
      if (got.pod.spec?.nodeName === 'node-9') assert.equal(scheduled, 'True');
      else assert.equal(got.pod.spec?.nodeName, '');
    }
    const again = openStream(cluster.client<PodServiceClient>('pods', as(cluster.pki.scheduler)));
    await call(admin, 'createPod', { pod: pod('after-cancel') });
    again.send(1, binding('after-cancel', 'node-1'));
    assert.equal((await again.answer(1)).status, undefined);
    again.stream.cancel();
  });
});
