/**
 * The scheduler's bind stream against a real store and apiserver: pipelined binds,
 * per-binding errors, bindings failed back when the apiserver goes away and a new
 * stream after it returns; and, against a server without BindPods, unary BindPod.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { createApiClient } from '../sdk/client/dynamic-client.js';
import { connectionFor } from '../sdk/client/index.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { ApiError, Code } from '../sdk/errors.js';
import { Binding } from '../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type BindPodRequest,
  BindPodResponse,
  PodServiceService,
} from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { CertFiles } from '../sdk/pki/cert.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';
import { outcome } from '../test/outcome.js';
import { createBindStream } from './bind-stream.js';

const bindingOf = (name: string, node: string) =>
  Binding.fromPartial({ metadata: { name, namespace: 'default' }, target: { kind: 'Node', name: node } });

describe('scheduler: the bind stream', () => {
  let cluster: Cluster;
  let clients: ReturnType<typeof createClientset>;
  const configOf = (c: CertFiles) => ({
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: c.certFile,
    clientKey: c.keyFile,
  });
  before(async () => {
    cluster = await startCluster();
    clients = createClientset(cluster.admin, { component: 'bind-stream-test' });
  });
  after(async () => {
    clients.close();
    await cluster.stop();
  });

  const createPods = async (prefix: string, n: number) => {
    for (let i = 0; i < n; i += 25) {
      await Promise.all(
        Array.from({ length: Math.min(25, n - i) }, (_, j) =>
          clients.kind<Pod>('Pod').create(pod(`${prefix}-${i + j}`)),
        ),
      );
    }
  };

  test('binds pipelined on one stream, as the scheduler; a failed binding rejects alone', async () => {
    const api = createApiClient(connectionFor(configOf(cluster.pki.scheduler), { component: 'scheduler' }));
    const binds = createBindStream(api);
    try {
      await createPods('piped', 200);
      const versions = await Promise.all(
        Array.from({ length: 200 }, (_, i) => binds.bind(bindingOf(`piped-${i}`, `node-${i % 5}`))),
      );
      assert.ok(binds.streaming);
      const got = await clients.kind<Pod>('Pod').get('default', 'piped-17');
      assert.equal(got.spec?.nodeName, 'node-2');
      assert.equal(got.metadata?.resourceVersion, versions[17]);

      const missing = await outcome(binds.bind(bindingOf('no-such-pod', 'node-1')));
      assert.equal(missing.code, 'NOT_FOUND');
      const again = await outcome(binds.bind(bindingOf('piped-0', 'node-4')));
      assert.equal(again.code, 'FAILED_PRECONDITION');
      assert.match(again.message, /already assigned to node "node-0"/);
      await clients.kind<Pod>('Pod').create(pod('after-errors'));
      assert.match(await binds.bind(bindingOf('after-errors', 'node-1')), /^\d+$/);
    } finally {
      binds.close();
      api.close();
    }
  });

  test('bindings pending when the apiserver goes away fail back; the next bind opens a new stream', async () => {
    const api = createApiClient(connectionFor(configOf(cluster.pki.scheduler), { component: 'scheduler' }));
    const binds = createBindStream(api);
    try {
      await createPods('restart', 150);
      // Open the stream first, so that the restart breaks one with bindings on it.
      await binds.bind(bindingOf('restart-0', 'node-1'));
      const settled = Array.from({ length: 149 }, (_, i) =>
        outcome(binds.bind(bindingOf(`restart-${i + 1}`, 'node-1'))),
      );
      await cluster.restartApiserver();
      const outcomes = await Promise.all(settled);
      // Each binding either was made or failed as a lost unary call does: none is left hanging.
      for (const o of outcomes)
        assert.ok(o.code === 'OK' || o.code === 'UNAVAILABLE', `${o.code}: ${o.message}`);
      for (let i = 1; i < 150; i++) {
        const p = await clients.kind<Pod>('Pod').get('default', `restart-${i}`);
        if (outcomes[i - 1]?.code === 'OK') assert.equal(p.spec?.nodeName, 'node-1');
      }
      await clients.kind<Pod>('Pod').create(pod('after-restart'));
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await binds.bind(bindingOf('after-restart', 'node-2'));
          break;
        } catch (err) {
          assert.ok(err instanceof ApiError && err.code === Code.UNAVAILABLE, String(err));
          if (Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.ok(binds.streaming);
      assert.equal((await clients.kind<Pod>('Pod').get('default', 'after-restart')).spec?.nodeName, 'node-2');
    } finally {
      binds.close();
      api.close();
    }
  });
});

describe('scheduler: the bind stream against an apiserver without BindPods', () => {
  // A test double of an older apiserver: PodService with BindPod alone, so that BindPods
  // answers UNIMPLEMENTED as grpc-js answers for any method a service leaves out.
  const received: BindPodRequest[] = [];
  const server = new Server();
  let address = '';
  before(async () => {
    server.addService(PodServiceService, {
      bindPod: (call: { request: BindPodRequest }, callback: (err: null, res: unknown) => void) => {
        received.push(call.request);
        callback(
          null,
          BindPodResponse.fromPartial({ pod: { metadata: { resourceVersion: String(received.length) } } }),
        );
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    address = `127.0.0.1:${port}`;
  });
  after(() => server.forceShutdown());

  test('falls back to unary BindPod, the bindings sent on the stream included', async () => {
    const api = createApiClient(connectionFor({ server: address, insecure: true }));
    const binds = createBindStream(api);
    try {
      // Sent together: they are all pending on the stream when UNIMPLEMENTED arrives.
      const versions = await Promise.all([1, 2, 3].map((i) => binds.bind(bindingOf(`old-${i}`, 'node-1'))));
      assert.equal(binds.streaming, false);
      assert.deepEqual(versions.map(Number).sort(), [1, 2, 3]);
      assert.equal(await binds.bind(bindingOf('old-4', 'node-2')), '4');
      assert.deepEqual(
        received.map((r) => `${r.binding?.metadata?.name}→${r.binding?.target?.name}`).sort(),
        ['old-1→node-1', 'old-2→node-1', 'old-3→node-1', 'old-4→node-2'],
      );
    } finally {
      binds.close();
      api.close();
    }
  });
});
