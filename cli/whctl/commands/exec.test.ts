/**
 * `whctl exec` through the real binary: a real store and apiserver (processes), the
 * kubelet API of node-1 in this process on the real process runtime, and whctl run as
 * a child process with stdin piped, its exit code the command's.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type KubeletApiServer, startKubeletApiServer } from '../../../kubelet/api-server.js';
import { fileLogSource } from '../../../kubelet/file-log-source.js';
import { createProcessRuntime } from '../../../kubelet/runtime/process/process-runtime.js';
import {
  type ContainerRuntime,
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
} from '../../../kubelet/runtime/runtime.js';
import { containerConfig, sandboxConfig } from '../../../kubelet/runtime/runtime-conformance.js';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { createLogger } from '../../../sdk/logger.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';

const whctlBin = new URL('../../../bin/whctl.js', import.meta.url).pathname;
let cluster: Cluster;
let kubelet: KubeletApiServer;
let runtime: ContainerRuntime;
let configPath: string;

before(async () => {
  cluster = await startCluster();
  configPath = join(cluster.dir, 'whctl-admin.yaml');
  writeClientConfig(configPath, cluster.admin);
  runtime = createProcessRuntime({ root: join(cluster.dir, 'runtime'), namespaces: false, cgroups: false });
  const serving = cluster.pki.kubelets['node-1']!.serving;
  kubelet = await startKubeletApiServer({
    nodeName: 'node-1',
    tls: {
      cert: readFileSync(serving.certFile),
      key: readFileSync(serving.keyFile),
      ca: readFileSync(cluster.pki.caFile),
    },
    logs: fileLogSource({ root: join(cluster.dir, 'logs') }),
    exec: runtime,
    logger: createLogger('kubelet', { level: 'silent' }),
    address: '127.0.0.1:0',
  });
  await call(cluster.client('nodes'), 'createNode', {
    node: Node.fromPartial({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-1' },
      status: {
        addresses: [{ type: 'InternalIP', address: '127.0.0.1' }],
        daemonEndpoints: { kubeletEndpoint: { port: kubelet.port } },
      },
    }),
  });
  const pods = cluster.client('pods');
  const { pod } = await call<{ pod: Pod }>(pods, 'createPod', {
    pod: Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'sh' }] },
    }),
  });
  await call(pods, 'updatePodStatus', { pod: { ...pod, status: { ...pod.status, phase: 'Running' } } });
  const sb = sandboxConfig('web', join(cluster.dir, 'logs', 'web'));
  sb.labels = {
    [podNameLabel]: 'web',
    [podNamespaceLabel]: 'default',
    [podUidLabel]: pod.metadata?.uid ?? '',
  };
  const { podSandboxId } = await runtime.runPodSandbox({ config: sb, runtimeHandler: '' });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    config: containerConfig('main', 'docker.io/library/sh:latest', 'sleep 60', {
      labels: { ...sb.labels, [containerNameLabel]: 'main' },
    }),
    sandboxConfig: sb,
  });
  await runtime.startContainer({ containerId });
});

after(async () => {
  await kubelet?.stop();
  if (runtime) {
    const { items } = await runtime.listPodSandbox({ filter: undefined });
    for (const s of items) await runtime.removePodSandbox({ podSandboxId: s.id });
    await runtime.close();
  }
  await cluster?.stop();
});

/** Runs the whctl binary with `stdin` piped in; resolves with its exit code and output. */
function whctl(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [whctlBin, ...args], {
      env: { ...process.env, WHEELHOUSE_CONFIG: configPath },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      err += b.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
    child.stdin.end(stdin);
  });
}

describe('whctl exec', () => {
  test('runs a command with stdin and exits with its exit code', async () => {
    const r = await whctl(
      ['exec', '-i', 'web', '--', 'sh', '-c', 'cat; echo oops >&2; exit 3'],
      'piped in\n',
    );
    assert.equal(r.out, 'piped in\n');
    assert.equal(r.err, 'oops\ncommand terminated with exit code 3\n');
    assert.equal(r.code, 3);
  });

  test('exits 0 for a command that succeeds; without -i stdin is not read', async () => {
    const r = await whctl(['exec', '-c', 'main', 'web', '--', 'sh', '-c', 'echo hi; cat'], 'not sent\n');
    assert.equal(r.out, 'hi\n');
    assert.equal(r.err, '');
    assert.equal(r.code, 0);
  });

  test('-t without a terminal is refused politely and the command still runs', async () => {
    const r = await whctl(['exec', '-i', '-t', 'web', '--', 'echo', 'plain'], '');
    assert.equal(r.out, 'plain\n');
    assert.match(r.err, /Unable to use a TTY - input is not a terminal/);
    assert.equal(r.code, 0);
  });

  test('says what is wrong: no command, an unknown pod', async () => {
    const usage = await whctl(['exec', 'web']);
    assert.equal(usage.code, 1);
    assert.match(usage.err, /give a command to run/);
    const missing = await whctl(['exec', 'nope', '--', 'true']);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /Error from server \(NotFound\).*nope/);
  });
});
