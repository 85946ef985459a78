/**
 * `wheelhouse crictl exec` through the real binary against a real containerd started by
 * the test (test/containerd.ts): streaming exec with stdin, output and the exit code,
 * and ExecSync with --sync.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Containerd, containerdUnavailable, startContainerd } from '../../test/containerd.js';
import { createCriRuntime } from '../runtime/cri/cri-runtime.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { containerConfig, sandboxConfig } from '../runtime/runtime-conformance.js';

const unavailable = containerdUnavailable();
if (unavailable && process.env.CI === 'true')
  throw new Error(`containerd must run in CI, but cannot: ${unavailable}`);

const wheelhouse = new URL('../../bin/wheelhouse.js', import.meta.url).pathname;

describe('wheelhouse crictl exec against containerd', { skip: unavailable }, () => {
  let containerd: Containerd;
  let rt: ContainerRuntime;
  let containerId: string;
  const logs = mkdtempSync(join(tmpdir(), 'wheelhouse-crictl-'));

  before(async () => {
    containerd = await startContainerd();
    rt = createCriRuntime({ endpoint: containerd.endpoint });
    await rt.pullImage({
      image: { image: containerd.busybox, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
      auth: undefined,
      sandboxConfig: undefined,
    });
    const sb = sandboxConfig('crictl', join(logs, 'crictl'));
    const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
    ({ containerId } = await rt.createContainer({
      podSandboxId,
      config: containerConfig('main', containerd.busybox, 'sleep 60'),
      sandboxConfig: sb,
    }));
    await rt.startContainer({ containerId });
  });

  after(async () => {
    if (rt) {
      const { items } = await rt.listPodSandbox({ filter: undefined });
      for (const s of items) await rt.removePodSandbox({ podSandboxId: s.id });
      await rt.close();
    }
    await containerd?.stop();
    rmSync(logs, { recursive: true, force: true });
  });

  function crictl(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [wheelhouse, 'crictl', '--runtime-endpoint', containerd.endpoint, ...args],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
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

  it('streams: stdin in, stdout and stderr apart, the exit code as its own', async () => {
    const r = await crictl(
      ['exec', '-i', containerId, 'sh', '-c', 'head -n 1; echo to-err >&2; exit 3'],
      'from stdin\n',
    );
    assert.equal(r.out, 'from stdin\n');
    assert.equal(r.err, 'to-err\n');
    assert.equal(r.code, 3);
  });

  it('passes flags after the container to the command', async () => {
    const r = await crictl(['exec', containerId, 'sh', '-c', 'echo -n streamed']);
    assert.equal(r.out, 'streamed');
    assert.equal(r.code, 0);
  });

  it('runs to the end with ExecSync under --sync', async () => {
    const r = await crictl(['exec', '--sync', containerId, 'sh', '-c', 'echo synced; echo e >&2; exit 2']);
    assert.equal(r.out, 'synced\n');
    assert.equal(r.err, 'e\n');
    assert.equal(r.code, 2);
  });
});
