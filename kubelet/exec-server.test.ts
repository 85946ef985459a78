/**
 * KubeletService.Exec through the kubelet's real API server (TLS, the apiserver's
 * client certificate) on the real process runtime: a sandbox and a container run by
 * the runtime as the kubelet runs them, commands exec'd into it over gRPC.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type ClientDuplexStream, credentials, type ServiceError } from '@grpc/grpc-js';
import {
  type ExecExit,
  type ExecRequest,
  type ExecResponse,
  ExecStart,
  KubeletServiceClient,
} from '../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import { createLogger } from '../sdk/logger.js';
import { ensureClusterPki } from '../sdk/pki/index.js';
import { type KubeletApiServer, startKubeletApiServer } from './api-server.js';
import { fileLogSource } from './file-log-source.js';
import { createProcessRuntime } from './runtime/process/process-runtime.js';
import { type ContainerRuntime, containerNameLabel } from './runtime/runtime.js';
import { containerConfig, sandboxConfig, waitFor } from './runtime/runtime-conformance.js';

const dir = mkdtempSync(join(tmpdir(), 'kubelet-exec-'));
const pki = ensureClusterPki(join(dir, 'cluster'), { nodes: ['node-1'] });
const ca = readFileSync(pki.caFile);
let runtime: ContainerRuntime;
let kubelet: KubeletApiServer;
let client: KubeletServiceClient;
const pods: Record<string, string> = {};

/** Runs a sandbox named `pod` with one container `main` running `script`; returns the pod's uid. */
async function runPod(pod: string, script: string): Promise<{ uid: string; containerId: string }> {
  const sb = sandboxConfig(pod, join(dir, 'logs', pod));
  const { podSandboxId } = await runtime.runPodSandbox({ config: sb, runtimeHandler: '' });
  const { containerId } = await runtime.createContainer({
    podSandboxId,
    // The kubelet labels each container with its pod's identity, as it labels the sandbox.
    config: containerConfig('main', 'docker.io/library/sh:latest', script, {
      labels: { ...sb.labels, [containerNameLabel]: 'main' },
    }),
    sandboxConfig: sb,
  });
  await runtime.startContainer({ containerId });
  return { uid: sb.metadata?.uid ?? '', containerId };
}

before(async () => {
  // Plain processes: the pid a command prints is the host's, so a test can see it killed.
  runtime = createProcessRuntime({ root: join(dir, 'runtime'), namespaces: false, cgroups: false });
  const serving = pki.kubelets['node-1']!.serving;
  kubelet = await startKubeletApiServer({
    nodeName: 'node-1',
    tls: { cert: readFileSync(serving.certFile), key: readFileSync(serving.keyFile), ca },
    logs: fileLogSource({ root: join(dir, 'logs') }),
    exec: runtime,
    logger: createLogger('kubelet', { level: 'silent' }),
    address: '127.0.0.1:0',
  });
  const apiserver = pki.apiserverKubeletClient;
  client = new KubeletServiceClient(
    `127.0.0.1:${kubelet.port}`,
    credentials.createSsl(ca, readFileSync(apiserver.keyFile), readFileSync(apiserver.certFile)),
  );
  pods.web = (await runPod('web', 'sleep 60')).uid;
  const done = await runPod('done', 'exit 0');
  await waitFor('the container of pod done to exit', async () => {
    const { status } = await runtime.containerStatus({ containerId: done.containerId, verbose: false });
    return status?.state === 2;
  });
});

after(async () => {
  // What the runtime waits on as it closes need not hold the process (its poller is
  // unref'd): this does, so that the hook runs to its end and the dir goes.
  const alive = setInterval(() => undefined, 1000);
  try {
    client?.close();
    await kubelet?.stop();
    if (runtime) {
      const { items } = await runtime.listPodSandbox({ filter: undefined });
      for (const s of items) await runtime.removePodSandbox({ podSandboxId: s.id });
      await runtime.close();
    }
  } finally {
    clearInterval(alive);
    // Also after a failed step above; retried in case a process still ending writes under it.
    rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  }
});

interface ExecOutcome {
  tty?: boolean;
  stdout: string;
  stderr: string;
  exit?: ExecExit;
  error?: ServiceError;
}

type ExecStream = ClientDuplexStream<ExecRequest, ExecResponse>;

/** Collects what an exec stream sends until it ends. */
function collect(stream: ExecStream, onStdout?: (text: string) => void): Promise<ExecOutcome> {
  const result: ExecOutcome = { stdout: '', stderr: '' };
  return new Promise((resolve) => {
    stream.on('data', (r: ExecResponse) => {
      const m = r.message;
      if (m?.$case === 'started') result.tty = m.value.tty;
      else if (m?.$case === 'stdout') {
        result.stdout += m.value.toString();
        onStdout?.(result.stdout);
      } else if (m?.$case === 'stderr') result.stderr += m.value.toString();
      else if (m?.$case === 'exit') result.exit = m.value;
    });
    stream.on('error', (err: ServiceError) => {
      result.error = err;
      resolve(result);
    });
    stream.on('end', () => resolve(result));
  });
}

function start(partial: Partial<ExecStart>): ExecStream {
  const stream = client.exec();
  stream.write({
    message: {
      $case: 'start',
      value: ExecStart.fromPartial({
        namespace: 'default',
        podName: 'web',
        container: 'main',
        stdout: true,
        stderr: true,
        ...partial,
      }),
    },
  });
  return stream;
}

function exec(partial: Partial<ExecStart>, stdin: string[] = []): Promise<ExecOutcome> {
  const stream = start({ stdin: stdin.length > 0, ...partial });
  const done = collect(stream);
  for (const chunk of stdin) stream.write({ message: { $case: 'stdin', value: Buffer.from(chunk) } });
  if (stdin.length > 0) stream.write({ message: { $case: 'stdinClose', value: true } });
  stream.end();
  return done;
}

describe('KubeletService.Exec on the process runtime', () => {
  it('feeds stdin to the command and returns what it echoes, then exit code 0', async () => {
    const out = await exec({ command: ['cat'] }, ['hello\n', 'world\n']);
    assert.equal(out.error, undefined);
    assert.equal(out.tty, false);
    assert.equal(out.stdout, 'hello\nworld\n');
    assert.deepEqual(out.exit, { exitCode: 0, message: '' });
  });

  it('keeps stderr apart from stdout', async () => {
    const out = await exec({ command: ['sh', '-c', 'echo to-out; echo to-err >&2'] });
    assert.equal(out.stdout, 'to-out\n');
    assert.equal(out.stderr, 'to-err\n');
    assert.equal(out.exit?.exitCode, 0);
  });

  it('returns the exit code of a failing command', async () => {
    const out = await exec({ command: ['sh', '-c', 'exit 3'] });
    assert.equal(out.error, undefined);
    assert.deepEqual(out.exit, { exitCode: 3, message: 'command terminated with non-zero exit code: 3' });
  });

  it('runs in the container: its environment and working directory', async () => {
    const out = await exec({ command: ['sh', '-c', 'echo "$HOSTNAME" >/dev/null; pwd; test -n "$PATH"'] });
    assert.equal(out.exit?.exitCode, 0);
    assert.ok(out.stdout.length > 0);
  });

  it('says no terminal was given where the runtime offers none, and joins stderr to stdout as one would', async () => {
    const out = await exec({ command: ['sh', '-c', 'echo o; echo e >&2'], tty: true });
    assert.equal(out.tty, false);
    assert.equal(out.stdout, 'o\ne\n');
    assert.equal(out.exit?.exitCode, 0);
  });

  it('checks the pod uid when given', async () => {
    const ok = await exec({ command: ['true'], podUid: pods.web! });
    assert.equal(ok.exit?.exitCode, 0);
    const other = await exec({ command: ['true'], podUid: 'not-the-uid' });
    assert.equal(other.error?.code, 5 /* NOT_FOUND */);
    assert.match(other.error?.details ?? '', /uid not-the-uid/);
  });

  it('refuses a container that is not running, and one that is not there', async () => {
    const exited = await exec({ podName: 'done', command: ['true'] });
    assert.equal(exited.error?.code, 9 /* FAILED_PRECONDITION */);
    assert.match(
      exited.error?.details ?? '',
      /container "main" of pod default\/done is not running \(exited\)/,
    );
    const missing = await exec({ podName: 'nope', command: ['true'] });
    assert.equal(missing.error?.code, 5 /* NOT_FOUND */);
    const noContainer = await exec({ container: 'side', command: ['true'] });
    assert.equal(noContainer.error?.code, 5 /* NOT_FOUND */);
  });

  it('refuses a call that does not start with what to run', async () => {
    const noCommand = await exec({ command: [] });
    assert.equal(noCommand.error?.code, 3 /* INVALID_ARGUMENT */);
    assert.match(noCommand.error?.details ?? '', /command/);
    const stream = client.exec();
    const done = collect(stream);
    stream.write({ message: { $case: 'stdin', value: Buffer.from('x') } });
    stream.end();
    const out = await done;
    assert.equal(out.error?.code, 3 /* INVALID_ARGUMENT */);
    assert.match(out.error?.details ?? '', /first message of Exec must be "start"/);
  });

  it('kills the command when the caller cancels', async () => {
    let pid = 0;
    const stream = start({ command: ['sh', '-c', 'echo $$; exec sleep 60'] });
    const done = collect(stream, (text) => {
      if (text.endsWith('\n')) pid = Number(text.trim());
    });
    await waitFor('the command to print its pid', async () => pid > 0);
    assert.doesNotThrow(() => process.kill(pid, 0), 'the command runs');
    stream.cancel();
    const out = await done;
    assert.equal(out.error?.code, 1 /* CANCELLED */);
    await waitFor('the command to be killed', async () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    });
  });

  it('streams large output to a slow reader without losing any of it', async (t) => {
    const size = 8 * 1024 * 1024;
    const t0 = performance.now();
    const stream = start({ command: ['head', '-c', String(size), '/dev/zero'] });
    stream.end();
    let received = 0;
    let exit: ExecExit | undefined;
    stream.on('data', (r: ExecResponse) => {
      if (r.message?.$case === 'stdout') {
        received += r.message.value.length;
        // A slow reader: the kubelet must wait for it rather than buffer the whole output.
        stream.pause();
        setTimeout(() => stream.resume(), 1);
      } else if (r.message?.$case === 'exit') exit = r.message.value;
    });
    await new Promise<void>((resolve, reject) => {
      stream.on('end', resolve);
      stream.on('error', reject);
    });
    t.diagnostic(
      `8 MiB of exec output from the kubelet in ${((performance.now() - t0) / 1000).toFixed(2)} s`,
    );
    assert.equal(received, size);
    assert.equal(exit?.exitCode, 0);
  });
});
