/**
 * PodService.UpdatePodStatuses through a real store and apiserver: a kubelet writes the
 * status of its own Pods over one stream, each write authorized and admitted as
 * UpdatePodStatus is, and a failure answered for its Pod alone without ending the stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Client, type ClientDuplexStream, Metadata } from '@grpc/grpc-js';
import type { ClientConfig } from '../../../sdk/client-config.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type {
  PodServiceClient,
  UpdatePodStatusesRequest,
  UpdatePodStatusesResponse,
} from '../../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';

type Stream = ClientDuplexStream<UpdatePodStatusesRequest, UpdatePodStatusesResponse>;

/** One open UpdatePodStatuses stream: send Pods, await each answer by id. */
function openStream(client: PodServiceClient) {
  const stream: Stream = client.updatePodStatuses(new Metadata());
  const answers = new Map<number, UpdatePodStatusesResponse>();
  const waiters = new Map<number, (res: UpdatePodStatusesResponse) => void>();
  const endWaiters: ((err: Error) => void)[] = [];
  let ended: Error | undefined;
  stream.on('data', (res: UpdatePodStatusesResponse) => {
    const w = waiters.get(res.id);
    if (w) {
      waiters.delete(res.id);
      w(res);
    } else answers.set(res.id, res);
  });
  const onEnd = (err: Error) => {
    ended = err;
    for (const w of endWaiters) w(err);
  };
  stream.on('error', onEnd);
  stream.on('end', () => onEnd(new Error('the stream ended')));
  return {
    stream,
    /** Sends `p` under `id` and resolves with its answer. */
    update(id: number, p: Pod, timeoutMs = 20_000): Promise<UpdatePodStatusesResponse> {
      if (ended) return Promise.reject(ended);
      const answered = new Promise<UpdatePodStatusesResponse>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer for pod ${id}`)), timeoutMs);
        waiters.set(id, (res) => {
          clearTimeout(timer);
          resolve(res);
        });
        endWaiters.push((err) => {
          clearTimeout(timer);
          reject(err);
        });
      });
      stream.write({ id, pod: p });
      return answered;
    },
    /** Half-closes the stream; resolves once the server ended it. */
    end(): Promise<void> {
      const done = new Promise<void>((resolve) => stream.on('status', () => resolve()));
      stream.end();
      return done;
    },
  };
}

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
    const certs = cluster.pki.kubelets['node-1']!.client;
    kubelet = {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: certs.certFile,
      clientKey: certs.keyFile,
    };
  });
  after(() => cluster.stop());

  test("a node writes its own Pods' status and is refused another node's, per Pod", async () => {
    const admin = cluster.client('pods');
    const mine = await boundPod(admin, 'mine', 'node-1');
    const theirs = await boundPod(admin, 'theirs', 'node-2');
    const later = await boundPod(admin, 'mine-later', 'node-1');
    const asNode = cluster.client<PodServiceClient>('pods', kubelet);
    const s = openStream(asNode);

    const ok = await s.update(1, withStatus(mine, 'Running'));
    assert.equal(ok.status, undefined, ok.status?.message);
    const got = await call<{ pod: Pod }>(admin, 'getPod', { namespace: 'default', name: 'mine' });
    assert.equal(got.pod.status?.phase, 'Running');
    assert.equal(got.pod.metadata?.resourceVersion, ok.resourceVersion);
    // Written under the kubelet's field manager, on the status subresource, as UpdatePodStatus writes.
    const entry = got.pod.metadata?.managedFields.find((m) => m.subresource === 'status');
    assert.ok(entry, 'a managedFields entry for the status subresource');
    assert.equal(entry.operation, 'Update');

    const refused = await s.update(2, withStatus(theirs, 'Running'));
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
    const after = await s.update(3, withStatus(later, 'Running'));
    assert.equal(after.status, undefined, after.status?.message);
    await s.end();
  });

  test('a stale resourceVersion is ABORTED for that Pod only', async () => {
    const admin = cluster.client('pods');
    const first = await boundPod(admin, 'stale', 'node-1');
    const other = await boundPod(admin, 'fresh', 'node-1');
    const s = openStream(cluster.client<PodServiceClient>('pods', kubelet));
    const moved = await s.update(1, withStatus(first, 'Pending', 'False'));
    assert.equal(moved.status, undefined, moved.status?.message);

    // `first` still carries the resourceVersion before that write.
    const [stale, fresh] = await Promise.all([
      s.update(2, withStatus(first, 'Running')),
      s.update(3, withStatus(other, 'Running')),
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
    const res = await s.update(1, withStatus(p, 'Running', 'Maybe'));
    assert.equal(res.status?.code, Code.INVALID_ARGUMENT);
    const fields = res.status?.details?.causes.map((c) => c.field) ?? [];
    assert.ok(
      fields.some((f) => /^status\.conditions\[\d+\]\.status$/.test(f)),
      `causes name the condition's status: ${fields.join(', ')}`,
    );
    assert.match(res.status?.message ?? '', /status\.conditions\[\d+\]\.status/);
    // And the stream still writes a valid one.
    const ok = await s.update(2, withStatus(p, 'Running'));
    assert.equal(ok.status, undefined, ok.status?.message);
    await s.end();
  });
});
