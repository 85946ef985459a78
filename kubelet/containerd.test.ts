/**
 * The kubelet as a real process on a real containerd (`--container-runtime-endpoint
 * unix://…`), against a real store and apiserver: it pulls the image from a local
 * registry, runs a host-network pod, reports it Running with a `containerd://` container,
 * serves its log through the apiserver, and, once the pod is deleted, stops it, confirms
 * the delete and leaves no container behind in containerd.
 *
 * Skipped only where containerd cannot run (not Linux, not root, packages missing);
 * in CI it must run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { type KubeletNode, kubeletComponent, LOOPBACK, nodeArgs } from '../cli/up/components.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { writeClientConfig } from '../sdk/client-config.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { GetPodLogsRequest } from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { type Containerd, containerdUnavailable, startContainerd } from '../test/containerd.js';
import { createCriRuntime } from './runtime/cri/cri-runtime.js';
import type { ContainerRuntime } from './runtime/runtime.js';

const entry = join(new URL('..', import.meta.url).pathname, 'bin/wheelhouse.js');

const unavailable = containerdUnavailable();
if (unavailable && process.env.CI === 'true')
  throw new Error(`containerd must run in CI, but cannot: ${unavailable}`);

async function until<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  ms = 30_000,
): Promise<T> {
  const start = Date.now();
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() - start > ms)
      assert.fail(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('kubelet on containerd', {
  skip: unavailable && `containerd cannot run here: ${unavailable}`,
}, () => {
  let cluster: Cluster | undefined;
  let containerd: Containerd | undefined;
  let cri: ContainerRuntime | undefined;
  let kubelet: ChildProcess | undefined;
  let output = '';
  let clients: ReturnType<typeof createClientset>;
  const pods = () => clients.kind<Pod>('Pod');

  before(async () => {
    cluster = await startCluster();
    containerd = await startContainerd();
    cri = createCriRuntime({ endpoint: containerd.endpoint });
    const kubeconfig = join(cluster.dir, 'kubelet-node-1.yaml');
    const cert = cluster.pki.kubelets['node-1']?.client;
    assert.ok(cert);
    writeClientConfig(kubeconfig, {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: cert.certFile,
      clientKey: cert.keyFile,
    });
    const node: KubeletNode = { name: 'node-1', kubeconfig, kubeletPort: 0, healthPort: 0 };
    clients = createClientset(cluster.admin, { component: 'kubelet-containerd-test' });
    const spec = kubeletComponent(
      {
        dataDir: cluster.dir,
        pki: cluster.pki,
        host: LOOPBACK,
        storePort: 0,
        apiserverPort: 0,
        storeMetricsPort: 0,
      },
      node,
    );
    const child = spawn(
      process.execPath,
      nodeArgs(spec, entry, [
        '--container-runtime-endpoint',
        containerd.endpoint,
        '--node-status-update-frequency',
        '1s',
      ]),
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, WHEELHOUSE_LOG_LEVEL: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' },
      },
    );
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      output += d.toString();
    });
    kubelet = child;
    await until(() => output.includes('registered'), `the kubelet to register:\n${output}`);
  });

  after(async () => {
    // Delete the pods first, so that the kubelet stops their containers and sandboxes.
    if (clients) {
      for (const p of (
        await pods()
          .list('default')
          .catch(() => ({ items: [] as Pod[] }))
      ).items) {
        await pods()
          .delete('default', p.metadata?.name ?? '', { gracePeriodSeconds: '1' })
          .catch(() => undefined);
      }
      await until(async () => (await pods().list('default')).items.length === 0, 'pods gone', 15_000).catch(
        () => undefined,
      );
    }
    // Whatever the kubelet left, removed directly, so no shim outlives the test.
    if (cri) {
      const sandboxes = await cri.listPodSandbox({}).catch(() => ({ items: [] }));
      for (const s of sandboxes.items) {
        await cri.stopPodSandbox({ podSandboxId: s.id }).catch(() => undefined);
        await cri.removePodSandbox({ podSandboxId: s.id }).catch(() => undefined);
      }
      await cri.close();
    }
    kubelet?.kill('SIGKILL');
    clients?.close();
    await containerd?.stop();
    await cluster?.stop();
  });

  test('runs a pod from the registry, serves its log, and removes its container on delete', async () => {
    assert.ok(containerd && cri && cluster);
    await pods().create(
      Pod.fromPartial({
        metadata: { name: 'hello', namespace: 'default' },
        spec: {
          nodeName: 'node-1',
          hostNetwork: true,
          containers: [
            {
              name: 'main',
              image: containerd.busybox,
              command: ['sh', '-c', 'echo hello; sleep 3600'],
            },
          ],
        },
      }),
    );
    let last: Pod | undefined;
    const running = await until(
      async () => {
        last = await pods().get('default', 'hello');
        const c = last.status?.containerStatuses.find((s) => s.name === 'main');
        return last.status?.phase === 'Running' && c?.state?.running ? c : undefined;
      },
      'the pod Running',
      45_000,
    ).catch((err: Error) => {
      const log = readFileSync(join(containerd?.dir ?? '', 'containerd.log'), 'utf8').slice(-3000);
      throw new Error(
        `${err.message}\nstatus: ${JSON.stringify(last?.status)}\nkubelet:\n${output}\ncontainerd:\n${log}`,
      );
    });
    assert.match(running.containerId, /^containerd:\/\//);
    assert.equal(running.started, true);
    const containerId = running.containerId.slice('containerd://'.length);

    const client = cluster.client('pods') as unknown as {
      getPodLogs(r: GetPodLogsRequest): ClientReadableStream<{ data: Buffer }>;
    };
    const text = await until(
      () =>
        new Promise<string>((resolve) => {
          const parts: Buffer[] = [];
          const s = client.getPodLogs(
            GetPodLogsRequest.fromPartial({ namespace: 'default', name: 'hello', container: 'main' }),
          );
          s.on('data', (m) => parts.push(m.data));
          s.on('error', (e: { details: string }) => resolve(`error: ${e.details}`));
          s.on('end', () => resolve(Buffer.concat(parts).toString()));
        }).then((t) => (t.includes('hello') ? t : false)),
      'the log to say hello',
    );
    assert.match(text, /^hello\n$/m);

    const listed = await cri.listContainers({});
    assert.ok(
      listed.containers.some((c) => c.id === containerId),
      'containerd runs the container the pod reports',
    );

    await pods().delete('default', 'hello', { gracePeriodSeconds: '2' });
    await until(async () => {
      try {
        await pods().get('default', 'hello');
        return false;
      } catch {
        return true;
      }
    }, `the kubelet to confirm the delete:\n${output}`);
    await until(
      async () => !(await cri?.listContainers({}))?.containers.some((c) => c.id === containerId),
      'the container gone from containerd',
    );
  });
});
