/**
 * ExecPod end to end: a real store and apiserver (processes, RBAC on, an audit log),
 * and the kubelet API of node-1 in this process on the real process runtime, reached
 * through the Node object with the apiserver's kubelet client certificate. The Pods'
 * containers are run by the runtime with the identity labels the kubelet gives them.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { type KubeletApiServer, startKubeletApiServer } from '../../kubelet/api-server.js';
import { fileLogSource } from '../../kubelet/file-log-source.js';
import { createProcessRuntime } from '../../kubelet/runtime/process/process-runtime.js';
import {
  type ContainerRuntime,
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
} from '../../kubelet/runtime/runtime.js';
import { containerConfig, sandboxConfig, waitFor } from '../../kubelet/runtime/runtime-conformance.js';
import type { ClientConfig } from '../../sdk/client-config.js';
import { Code } from '../../sdk/errors.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  type ExecPodExit,
  type ExecPodRequest,
  type ExecPodResponse,
  ExecPodStart,
} from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { createLogger } from '../../sdk/logger.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';

let cluster: Cluster;
let kubelet: KubeletApiServer;
let runtime: ContainerRuntime;
let tokens: string;
let auditPath: string;
let as: Record<'viewer' | 'editor', ClientConfig>;

before(async () => {
  const base = process.env.TMPDIR ?? '/tmp';
  tokens = join(base, `wheelhouse-exec-tokens-${process.pid}.csv`);
  auditPath = join(base, `wheelhouse-exec-audit-${process.pid}.log`);
  writeFileSync(tokens, ['viewer-token,viewer,u-viewer', 'editor-token,editor,u-editor'].join('\n'), {
    mode: 0o600,
  });
  cluster = await startCluster({
    apiserverArgs: [
      '--authorization-mode',
      'Node,RBAC',
      '--token-auth-file',
      tokens,
      '--audit-log-path',
      auditPath,
    ],
  });
  const token = (t: string): ClientConfig => ({
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    token: t,
  });
  as = { viewer: token('viewer-token'), editor: token('editor-token') };
  for (const [user, role] of [
    ['viewer', 'view'],
    ['editor', 'edit'],
  ]) {
    await call(cluster.client('rolebindings'), 'createRoleBinding', {
      roleBinding: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { namespace: 'default', name: `${user}-${role}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      },
    });
  }

  runtime = createProcessRuntime({
    root: join(cluster.dir, 'node-1-runtime'),
    namespaces: false,
    cgroups: false,
  });
  const serving = cluster.pki.kubelets['node-1']!.serving;
  kubelet = await startKubeletApiServer({
    nodeName: 'node-1',
    tls: {
      cert: readFileSync(serving.certFile),
      key: readFileSync(serving.keyFile),
      ca: readFileSync(cluster.pki.caFile),
    },
    logs: fileLogSource({ root: join(cluster.dir, 'node-1-logs') }),
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
});

after(async () => {
  await kubelet?.stop();
  if (runtime) {
    const { items } = await runtime.listPodSandbox({ filter: undefined });
    for (const s of items) await runtime.removePodSandbox({ podSandboxId: s.id });
    await runtime.close();
  }
  await cluster?.stop();
  rmSync(tokens, { force: true });
  rmSync(auditPath, { force: true });
});

/**
 * A Pod in the API, bound to node-1 and (unless `phase` says otherwise) Running, with
 * its containers running `sleep 60` in the runtime as the kubelet would run them.
 */
async function runningPod(
  name: string,
  containers: string[],
  opts: { phase?: string; nodeName?: string; annotations?: Record<string, string> } = {},
): Promise<Pod> {
  const pods = cluster.client('pods');
  const { pod } = await call<{ pod: Pod }>(pods, 'createPod', {
    pod: Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'default', annotations: opts.annotations ?? {} },
      spec: {
        nodeName: opts.nodeName ?? 'node-1',
        containers: containers.map((c) => ({ name: c, image: 'sh' })),
      },
    }),
  });
  const phase = opts.phase ?? 'Running';
  if (phase !== 'Pending') {
    await call(pods, 'updatePodStatus', { pod: { ...pod, status: { ...pod.status, phase } } });
  }
  if (phase === 'Running') {
    const uid = pod.metadata?.uid ?? '';
    const sb = sandboxConfig(name, join(cluster.dir, 'node-1-logs', name));
    sb.labels = { [podNameLabel]: name, [podNamespaceLabel]: 'default', [podUidLabel]: uid };
    const { podSandboxId } = await runtime.runPodSandbox({ config: sb, runtimeHandler: '' });
    for (const c of containers) {
      const { containerId } = await runtime.createContainer({
        podSandboxId,
        config: containerConfig(c, 'docker.io/library/sh:latest', 'sleep 60', {
          labels: { ...sb.labels, [containerNameLabel]: c },
        }),
        sandboxConfig: sb,
      });
      await runtime.startContainer({ containerId });
    }
  }
  return pod;
}

type ExecStream = ClientDuplexStream<ExecPodRequest, ExecPodResponse>;

interface ExecOutcome {
  container?: string;
  stdout: string;
  stderr: string;
  exit?: ExecPodExit;
  error?: ServiceError;
}

function open(start: Partial<ExecPodStart>, config?: ClientConfig): ExecStream {
  const pods = cluster.client('pods', config) as unknown as { execPod(): ExecStream };
  const stream = pods.execPod();
  stream.write({
    message: {
      $case: 'start',
      value: ExecPodStart.fromPartial({ namespace: 'default', stdout: true, stderr: true, ...start }),
    },
  });
  return stream;
}

function collect(stream: ExecStream, onStdout?: (text: string) => void): Promise<ExecOutcome> {
  const out: ExecOutcome = { stdout: '', stderr: '' };
  return new Promise((resolve) => {
    stream.on('data', (r: ExecPodResponse) => {
      const m = r.message;
      if (m?.$case === 'started') out.container = m.value.container;
      else if (m?.$case === 'stdout') {
        out.stdout += m.value.toString();
        onStdout?.(out.stdout);
      } else if (m?.$case === 'stderr') out.stderr += m.value.toString();
      else if (m?.$case === 'exit') out.exit = m.value;
    });
    stream.on('error', (err: ServiceError) => {
      out.error = err;
      resolve(out);
    });
    stream.on('end', () => resolve(out));
  });
}

function exec(start: Partial<ExecPodStart>, stdin: string[] = [], config?: ClientConfig) {
  const stream = open({ stdin: stdin.length > 0, ...start }, config);
  const done = collect(stream);
  for (const chunk of stdin) stream.write({ message: { $case: 'stdin', value: Buffer.from(chunk) } });
  if (stdin.length > 0) stream.write({ message: { $case: 'stdinClose', value: true } });
  stream.end();
  return done;
}

describe('ExecPod through the apiserver and the kubelet', () => {
  test('an edit user runs a command: stdin in, stdout and stderr apart, the exit code', async () => {
    await runningPod('web', ['main']);
    const out = await exec(
      { name: 'web', command: ['sh', '-c', 'cat; echo to-err >&2; exit 3'] },
      ['one\n', 'two\n'],
      as.editor,
    );
    assert.equal(out.error, undefined);
    assert.equal(out.container, 'main');
    assert.equal(out.stdout, 'one\ntwo\n');
    assert.equal(out.stderr, 'to-err\n');
    assert.deepEqual(out.exit, { exitCode: 3, message: 'command terminated with non-zero exit code: 3' });
  });

  test('a view user may not exec (create pods/exec), and the audit log says so', async () => {
    const out = await exec({ name: 'web', command: ['true'] }, [], as.viewer);
    assert.equal(out.error?.code, Code.PERMISSION_DENIED);
    assert.match(out.error?.details ?? '', /viewer/);
    assert.match(out.error?.details ?? '', /pods\/exec|exec/);
    const line = await waitFor('the refused exec in the audit log', async () =>
      readFileSync(auditPath, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"user":"viewer"') && l.includes('ExecPod'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .at(0),
    );
    assert.equal(line.verb, 'create');
    assert.equal(line.resource, 'pods');
    assert.equal(line.subresource, 'exec');
    assert.equal(line.name, 'web');
    assert.equal(line.decision, 'forbid');
    const allowed = readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"user":"editor"') && l.includes('ExecPod'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.ok(
      allowed.some((l) => l.subresource === 'exec' && l.decision === 'allow'),
      'the allowed exec is audited',
    );
  });

  test('a pod that is not running is refused with FAILED_PRECONDITION', async () => {
    await runningPod('waiting', ['main'], { phase: 'Pending' });
    const pending = await exec({ name: 'waiting', command: ['true'] });
    assert.equal(pending.error?.code, Code.FAILED_PRECONDITION);
    assert.match(pending.error?.details ?? '', /pod default\/waiting: it is Pending.*only in a running pod/);
    await runningPod('finished', ['main'], { phase: 'Succeeded' });
    const done = await exec({ name: 'finished', command: ['true'] });
    assert.equal(done.error?.code, Code.FAILED_PRECONDITION);
    assert.match(done.error?.details ?? '', /it is Succeeded/);
    await runningPod('unscheduled', ['main'], { phase: 'Pending', nodeName: '' });
    const unscheduled = await exec({ name: 'unscheduled', command: ['true'] });
    assert.equal(unscheduled.error?.code, Code.FAILED_PRECONDITION);
    assert.match(unscheduled.error?.details ?? '', /not scheduled to a node/);
  });

  test('the default container: the annotation, else the first; an unknown one is refused', async () => {
    await runningPod('two', ['first', 'second'], {
      annotations: { 'kubectl.kubernetes.io/default-container': 'second' },
    });
    const annotated = await exec({ name: 'two', command: ['true'] });
    assert.equal(annotated.container, 'second');
    assert.equal(annotated.exit?.exitCode, 0);
    await runningPod('plain', ['a', 'b']);
    const first = await exec({ name: 'plain', command: ['true'] });
    assert.equal(first.container, 'a');
    const named = await exec({ name: 'plain', container: 'b', command: ['true'] });
    assert.equal(named.container, 'b');
    const unknown = await exec({ name: 'plain', container: 'c', command: ['true'] });
    assert.equal(unknown.error?.code, Code.INVALID_ARGUMENT);
    assert.match(
      unknown.error?.details ?? '',
      /container "c" is not valid for pod default\/plain: choose one of \[a b\]/,
    );
    const missing = await exec({ name: 'no-such-pod', command: ['true'] });
    assert.equal(missing.error?.code, Code.NOT_FOUND);
  });

  test('the caller cancelling kills the command on the node', async () => {
    let pid = 0;
    const stream = open({ name: 'web', command: ['sh', '-c', 'echo $$; exec sleep 60'] });
    const done = collect(stream, (text) => {
      if (text.endsWith('\n')) pid = Number(text.trim());
    });
    await waitFor('the command to print its pid', async () => pid > 0);
    stream.cancel();
    assert.equal((await done).error?.code, Code.CANCELLED);
    await waitFor('the command to be killed', async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  });

  test('large output reaches a slow reader whole, through both hops', async (t) => {
    const size = 16 * 1024 * 1024;
    const stream = open({ name: 'web', command: ['head', '-c', String(size), '/dev/zero'] });
    stream.end();
    const started = process.hrtime.bigint();
    let received = 0;
    let exit: ExecPodExit | undefined;
    stream.on('data', (r: ExecPodResponse) => {
      if (r.message?.$case === 'stdout') {
        received += r.message.value.length;
        // A reader slower than the command: every hop must wait for it, not buffer.
        if (received % (1024 * 1024) < r.message.value.length) {
          stream.pause();
          setTimeout(() => stream.resume(), 5);
        }
      } else if (r.message?.$case === 'exit') exit = r.message.value;
    });
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    t.diagnostic(
      `16 MiB of exec output through apiserver and kubelet in ${seconds.toFixed(2)} s (${(16 / seconds).toFixed(1)} MiB/s)`,
    );
    assert.equal(received, size);
    assert.equal(exit?.exitCode, 0);
  });
});
