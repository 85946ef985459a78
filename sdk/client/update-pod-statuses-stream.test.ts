/**
 * Pod status writes over the apiserver's UpdatePodStatuses stream: through a real
 * apiserver as a kubelet, each write answered with the resourceVersion written and
 * refusals answered for that Pod alone; and unary UpdatePodStatus against an apiserver
 * without the stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  Server,
  type ServerUnaryCall,
  type sendUnaryData,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { Code } from '../errors.js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import {
  BindPodRequest,
  PodServiceService,
  type UpdatePodStatusRequest,
  type UpdatePodStatusResponse,
} from '../gen/wheelhouse/core/v1/pod_service.js';
import { clientsetAs, codeOf, listen } from './testing.js';
import { createClientset } from './typed-client.js';
import { updatePodStatusesStream } from './update-pod-statuses-stream.js';

const template = (name: string) =>
  Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: 'default', name },
    spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
  });

const running = (pod: Pod) => Pod.fromPartial({ ...pod, status: { ...pod.status, phase: 'Running' } });

describe('Pod status writes over UpdatePodStatuses', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test("a kubelet writes its Pods' statuses; refusals fail alone", async () => {
    const admin = createClientset(cluster.admin, { component: 'test' });
    const kubelet = clientsetAs(cluster, cluster.pki.kubelets['node-1']!.client);
    const stream = updatePodStatusesStream(kubelet.api);
    try {
      const pods = admin.kind<Pod>('Pod');
      const bound: Pod[] = [];
      for (const [name, node] of [
        ['a', 'node-1'],
        ['b', 'node-1'],
        ['other', 'node-2'],
      ] as const) {
        await pods.create(template(name));
        await admin.api.call(
          pods.info,
          'bindPod',
          BindPodRequest.fromPartial({
            binding: { metadata: { namespace: 'default', name }, target: { kind: 'Node', name: node } },
          }),
        );
        bound.push(await pods.get('default', name));
      }
      const [a, b, other] = bound as [Pod, Pod, Pod];
      const [rvA, refused, rvB] = await Promise.all([
        stream.updateStatus(running(a)),
        codeOf(stream.updateStatus(running(other))),
        stream.updateStatus(running(b)),
      ]);
      assert.equal(stream.streaming, true);
      assert.equal(refused, Code.PERMISSION_DENIED);
      for (const [name, rv] of [
        ['a', rvA],
        ['b', rvB],
      ]) {
        const got = await pods.get('default', name!);
        assert.equal(got.status?.phase, 'Running');
        assert.equal(got.metadata?.resourceVersion, rv);
      }
      // `a` as first read is stale now.
      assert.equal(await codeOf(stream.updateStatus(running(a))), Code.ABORTED);
      assert.equal(await codeOf(stream.updateStatus(running(template('missing')))), Code.NOT_FOUND);
    } finally {
      stream.close();
      admin.close();
      kubelet.close();
    }
  });
});

test('against an apiserver without UpdatePodStatuses, writes go through unary UpdatePodStatus', async () => {
  const server = new Server();
  let unaryCalls = 0;
  // Only the unary method: grpc-js answers every other one UNIMPLEMENTED, as an older apiserver does.
  const implementation: UntypedServiceImplementation = {
    updatePodStatus(
      call: ServerUnaryCall<UpdatePodStatusRequest, UpdatePodStatusResponse>,
      done: sendUnaryData<UpdatePodStatusResponse>,
    ) {
      unaryCalls++;
      const pod = Pod.fromPartial(call.request.pod ?? {});
      pod.metadata!.resourceVersion = String(100 + unaryCalls);
      done(null, { pod });
    },
  };
  server.addService(PodServiceService, implementation);
  const clients = createClientset({ server: await listen(server), insecure: true }, { component: 'test' });
  const stream = updatePodStatusesStream(clients.api);
  try {
    const written = await Promise.all(
      Array.from({ length: 10 }, (_, i) => stream.updateStatus(running(template(`u-${i}`)))),
    );
    assert.equal(stream.streaming, false);
    assert.equal(unaryCalls, 10);
    assert.deepEqual(
      [...written].sort((x, y) => Number(x) - Number(y)),
      Array.from({ length: 10 }, (_, i) => String(101 + i)),
    );
    // Once UNIMPLEMENTED was answered, the stream is not tried again.
    await stream.updateStatus(running(template('later')));
    assert.equal(unaryCalls, 11);
  } finally {
    stream.close();
    clients.close();
    server.forceShutdown();
  }
});
