/**
 * One suite of behaviour every ContainerRuntime must show, run by each
 * runtime's test file against a real runtime: sandbox and container lifecycle,
 * exit codes and reasons, stop with a grace period, exec (sync and streaming),
 * stats, logs in the CRI format, and image pulls that succeed and fail. The
 * containers run POSIX `sh` commands only, so the same suite serves a runtime
 * that runs host executables and one that runs a busybox image.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ContainerConfig,
  ContainerState,
  PodSandboxConfig,
  PodSandboxState,
} from '../../sdk/gen/runtime/v1/api.js';
import { outcome } from '../../test/outcome.js';
import { parseLogLine } from '../log-line-format.js';
import {
  type ContainerRuntime,
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
} from './runtime.js';

export interface ConformanceTarget {
  /** An image with POSIX `sh`, `cat`, `sleep` and `echo`, pullable by this runtime. */
  image: string;
  /** An image reference this runtime cannot pull. */
  missingImage: string;
  /** Starts (or connects to) the runtime under test. */
  start(): Promise<ContainerRuntime>;
  /** false where the runtime does not offer streaming exec (the test then expects UNIMPLEMENTED). */
  streamingExec?: boolean;
  /**
   * Why an exec'd command outlives its caller going away, where the runtime keeps it
   * (containerd does: its streaming server does not kill an exec whose client left).
   */
  execOutlivesCaller?: string;
  /** Called after the suite; stops what start() started. */
  stop?(): Promise<void>;
}

/** Waits for `check` to return a value (not undefined/false) before the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sandboxConfig(name: string, logDirectory: string): PodSandboxConfig {
  const uid = `uid-${name}-${Date.now()}`;
  return PodSandboxConfig.fromPartial({
    metadata: { name, uid, namespace: 'default', attempt: 0 },
    // Empty: a host-network pod keeps the node's hostname (runc refuses to set
    // one without a private UTS namespace).
    hostname: '',
    logDirectory,
    labels: { [podNameLabel]: name, [podNamespaceLabel]: 'default', [podUidLabel]: uid },
    annotations: { 'example.com/note': name },
    linux: { securityContext: { namespaceOptions: { network: 2 /* NODE */ } } },
  });
}

export function containerConfig(
  name: string,
  image: string,
  script: string,
  extra: Partial<ContainerConfig> = {},
): ContainerConfig {
  return ContainerConfig.fromPartial({
    metadata: { name, attempt: 0 },
    image: { image },
    command: ['sh', '-c', script],
    logPath: `${name}/0.log`,
    labels: { [containerNameLabel]: name },
    annotations: { 'example.com/container': name },
    ...extra,
  });
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export function describeRuntimeConformance(name: string, target: ConformanceTarget): void {
  describe(`${name}: CRI conformance`, () => {
    let rt: ContainerRuntime;
    let logs: string;
    before(async () => {
      rt = await target.start();
      logs = mkdtempSync(join(tmpdir(), 'wheelhouse-runtime-logs-'));
      await rt.pullImage({
        image: { image: target.image, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
        auth: undefined,
        sandboxConfig: undefined,
      });
    });
    after(async () => {
      const { items } = await rt.listPodSandbox({ filter: undefined });
      for (const s of items) await rt.removePodSandbox({ podSandboxId: s.id });
      await rt.close();
      await target.stop?.();
      rmSync(logs, { recursive: true, force: true });
    });

    /** Runs a sandbox and a started container in it. */
    async function runContainer(pod: string, script: string, extra: Partial<ContainerConfig> = {}) {
      const sb = sandboxConfig(pod, join(logs, pod));
      const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
      const { containerId } = await rt.createContainer({
        podSandboxId,
        config: containerConfig('main', target.image, script, extra),
        sandboxConfig: sb,
      });
      await rt.startContainer({ containerId });
      return { podSandboxId, containerId, logPath: join(logs, pod, 'main/0.log') };
    }

    const exited = (containerId: string) =>
      waitFor(`container ${containerId} to exit`, async () => {
        const { status } = await rt.containerStatus({ containerId, verbose: false });
        return status?.state === ContainerState.CONTAINER_EXITED ? status : undefined;
      });

    it('reports its version and readiness', async () => {
      const v = await rt.version({ version: 'v1' });
      assert.equal(v.runtimeApiVersion, 'v1');
      assert.ok(v.runtimeName.length > 0);
      const { status } = await rt.status({ verbose: false });
      const ready = status?.conditions.find((c) => c.type === 'RuntimeReady');
      assert.equal(ready?.status, true);
    });

    it('runs, lists, stops and removes a sandbox, keeping labels and annotations', async () => {
      const sb = sandboxConfig('lifecycle', join(logs, 'lifecycle'));
      const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
      const { status } = await rt.podSandboxStatus({ podSandboxId, verbose: false });
      assert.equal(status?.state, PodSandboxState.SANDBOX_READY);
      assert.equal(status?.metadata?.name, 'lifecycle');
      assert.equal(status?.labels[podNameLabel], 'lifecycle');
      assert.equal(status?.annotations['example.com/note'], 'lifecycle');
      assert.ok(BigInt(status?.createdAt ?? '0') > 0n);

      const listed = await rt.listPodSandbox({
        filter: { id: '', state: undefined, labelSelector: { [podNameLabel]: 'lifecycle' } },
      });
      assert.deepEqual(
        listed.items.map((i) => i.id),
        [podSandboxId],
      );
      const none = await rt.listPodSandbox({
        filter: { id: '', state: undefined, labelSelector: { [podNameLabel]: 'no-such-pod' } },
      });
      assert.equal(none.items.length, 0);

      await rt.stopPodSandbox({ podSandboxId });
      await rt.stopPodSandbox({ podSandboxId }); // idempotent
      const stopped = await rt.podSandboxStatus({ podSandboxId, verbose: false });
      assert.equal(stopped.status?.state, PodSandboxState.SANDBOX_NOTREADY);
      await rt.removePodSandbox({ podSandboxId });
      await rt.removePodSandbox({ podSandboxId }); // idempotent
      assert.equal((await outcome(rt.podSandboxStatus({ podSandboxId, verbose: false }))).code, 'NOT_FOUND');
    });

    it('runs a container to completion: exit code, reason, times, logs in the CRI format', async () => {
      const { containerId, logPath } = await runContainer(
        'complete',
        'echo "out $GREETING"; echo to-err >&2; printf no-newline',
        { envs: [{ key: 'GREETING', value: 'hello' }] },
      );
      const status = await exited(containerId);
      assert.equal(status.exitCode, 0);
      assert.equal(status.reason, 'Completed');
      // containerd stamps startedAt when its start call returns and finishedAt from the exit
      // event, so a container that exits at once may finish "before" it started; both
      // still come after its creation.
      assert.ok(BigInt(status.startedAt) > 0n && BigInt(status.finishedAt) > 0n);
      assert.ok(BigInt(status.startedAt) >= BigInt(status.createdAt));
      assert.ok(BigInt(status.finishedAt) >= BigInt(status.createdAt));
      assert.equal(status.labels[containerNameLabel], 'main');
      assert.equal(status.annotations['example.com/container'], 'main');
      const lines = await waitFor('the log to hold three lines', async () => {
        const text = readText(logPath);
        const ls = text.split('\n').filter((l) => l !== '');
        return ls.length >= 3 ? ls : undefined;
      });
      for (const line of lines) {
        const parsed = parseLogLine(Buffer.from(line));
        assert.ok(parsed.timestamp, `a CRI log line: ${line}`);
      }
      const byStream = (s: string) =>
        lines.filter((l) => l.split(' ')[1] === s).map((l) => l.split(' ').slice(3).join(' '));
      assert.deepEqual(byStream('stdout'), ['out hello', 'no-newline']);
      assert.deepEqual(byStream('stderr'), ['to-err']);
    });

    it('records a failing exit code as Error', async () => {
      const { containerId } = await runContainer('fails', 'exit 3');
      const status = await exited(containerId);
      assert.equal(status.exitCode, 3);
      assert.equal(status.reason, 'Error');
    });

    it('lists containers by sandbox, state and label', async () => {
      const { podSandboxId, containerId } = await runContainer('listing', 'sleep 30');
      const running = await rt.listContainers({
        filter: {
          id: '',
          podSandboxId,
          state: { state: ContainerState.CONTAINER_RUNNING },
          labelSelector: { [containerNameLabel]: 'main' },
        },
      });
      assert.deepEqual(
        running.containers.map((c) => c.id),
        [containerId],
      );
      assert.equal(running.containers[0]?.podSandboxId, podSandboxId);
      const exitedList = await rt.listContainers({
        filter: {
          id: '',
          podSandboxId,
          state: { state: ContainerState.CONTAINER_EXITED },
          labelSelector: {},
        },
      });
      assert.equal(exitedList.containers.length, 0);
      await rt.stopContainer({ containerId, timeout: '0' });
      await rt.stopContainer({ containerId, timeout: '0' }); // idempotent
      await rt.removeContainer({ containerId });
      await rt.removeContainer({ containerId }); // idempotent
      assert.equal((await outcome(rt.containerStatus({ containerId, verbose: false }))).code, 'NOT_FOUND');
    });

    it('stops a container with SIGTERM and lets it finish within the grace period', async () => {
      const { containerId, logPath } = await runContainer(
        'graceful',
        'trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.05; done',
      );
      await waitFor('the trap to be set', async () => readText(logPath).includes('stdout F ready'));
      const t0 = Date.now();
      await rt.stopContainer({ containerId, timeout: '10' });
      assert.ok(
        Date.now() - t0 < 5000,
        'a container that exits on SIGTERM is not held for the whole grace period',
      );
      const status = await exited(containerId);
      assert.equal(status.exitCode, 0);
    });

    it('kills a container that ignores SIGTERM once the grace period is over', async () => {
      const { containerId, logPath } = await runContainer(
        'stubborn',
        'trap "" TERM; echo ready; while :; do sleep 0.05; done',
      );
      await waitFor('the trap to be set', async () => readText(logPath).includes('stdout F ready'));
      const t0 = Date.now();
      await rt.stopContainer({ containerId, timeout: '1' });
      const took = Date.now() - t0;
      assert.ok(took >= 900, `waited the grace period (${took} ms)`);
      const status = await exited(containerId);
      assert.equal(status.exitCode, 137);
    });

    it('execs a command synchronously with the container environment', async () => {
      const { containerId } = await runContainer('exec', 'sleep 30', {
        envs: [{ key: 'WHO', value: 'pod' }],
      });
      const ok = await rt.execSync({
        containerId,
        cmd: ['sh', '-c', 'echo "hi $WHO"; echo e >&2'],
        timeout: '10',
      });
      assert.equal(ok.exitCode, 0);
      assert.equal(Buffer.from(ok.stdout).toString(), 'hi pod\n');
      assert.equal(Buffer.from(ok.stderr).toString(), 'e\n');
      const failed = await rt.execSync({ containerId, cmd: ['sh', '-c', 'exit 7'], timeout: '10' });
      assert.equal(failed.exitCode, 7);
      const timedOut = await outcome(rt.execSync({ containerId, cmd: ['sleep', '10'], timeout: '1' }));
      assert.equal(timedOut.code, 'DEADLINE_EXCEEDED');
    });

    it('execs a command with streams: stdin in, stdout and stderr out, exit code', async () => {
      const { containerId } = await runContainer('exec-stream', 'sleep 30');
      if (target.streamingExec === false) {
        const refused = await outcome(
          rt.exec({ containerId, cmd: ['true'], tty: false, stdin: false, stdout: true, stderr: true }),
        );
        assert.equal(refused.code, 'UNIMPLEMENTED');
        return;
      }
      // `head` reads what it needs and exits: not every streaming protocol can carry the
      // end of stdin (Kubernetes' v4 WebSocket protocol cannot).
      const session = await rt.exec({
        containerId,
        cmd: ['sh', '-c', 'head -n 2; echo done >&2; exit 4'],
        tty: false,
        stdin: true,
        stdout: true,
        stderr: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      session.stdout?.on('data', (b: Buffer) => out.push(b));
      session.stderr?.on('data', (b: Buffer) => err.push(b));
      session.stdin?.write('line one\n');
      session.stdin?.write('line two\n');
      assert.equal(await session.exitCode, 4);
      assert.equal(Buffer.concat(out).toString(), 'line one\nline two\n');
      assert.equal(Buffer.concat(err).toString(), 'done\n');
      session.close();
    });

    it('execs with a terminal where the runtime offers one, following its size', async () => {
      const { containerId } = await runContainer('exec-tty', 'sleep 30');
      if (target.streamingExec === false) return;
      const session = await rt.exec({
        containerId,
        // The resize travels apart from the command: wait (bounded) until it has landed.
        cmd: [
          'sh',
          '-c',
          'if [ -t 0 ]; then i=0; while [ "$(stty size 2>/dev/null)" != "30 100" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; stty size; else echo no-tty; fi; exit 5',
        ],
        tty: true,
        stdin: true,
        stdout: true,
        stderr: true,
      });
      session.resize({ width: 100, height: 30 });
      const out: Buffer[] = [];
      session.stdout?.on('data', (b: Buffer) => out.push(b));
      session.stderr?.resume();
      assert.equal(await session.exitCode, 5);
      if (session.tty) {
        assert.equal(session.stderr, null, 'a terminal carries stderr with stdout');
        assert.match(Buffer.concat(out).toString(), /(^|\n)30 100\r?\n$/);
      } else {
        assert.equal(Buffer.concat(out).toString(), 'no-tty\n');
      }
      session.close();
    });

    // Where the runtime cannot kill it (execOutlivesCaller), the caller is still released at once.
    it("kills an exec'd command when its signal aborts, and releases the caller", async () => {
      const { containerId } = await runContainer('exec-cancel', 'sleep 30');
      if (target.streamingExec === false) return;
      const controller = new AbortController();
      const session = await rt.exec(
        {
          containerId,
          cmd: ['sh', '-c', 'echo started; exec sleep 4321'],
          tty: false,
          stdin: false,
          stdout: true,
          stderr: true,
        },
        controller.signal,
      );
      await new Promise<void>((resolve) => session.stdout?.once('data', () => resolve()));
      const running = async () =>
        Buffer.from((await rt.execSync({ containerId, cmd: ['ps', '-o', 'args'], timeout: '10' })).stdout)
          .toString()
          .includes('sleep 4321');
      assert.ok(await running(), 'the command runs');
      controller.abort();
      const released = await Promise.race([
        outcome(session.exitCode).then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 5_000)),
      ]);
      assert.ok(released, 'the session settles once its signal aborts');
      if (target.execOutlivesCaller === undefined)
        await waitFor('the command to be killed', async () => !(await running()));
      session.close();
    });

    it('reports stats of running containers', async () => {
      const { podSandboxId, containerId } = await runContainer(
        'stats',
        'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 30',
      );
      const stats = await waitFor('CPU usage to show', async () => {
        const { stats } = await rt.containerStats({ containerId });
        return BigInt(stats?.cpu?.usageCoreNanoSeconds?.value ?? '0') > 0n ? stats : undefined;
      });
      assert.equal(stats?.attributes?.id, containerId);
      assert.ok(stats?.memory?.workingSetBytes, 'memory is reported');
      const list = await rt.listContainerStats({ filter: { id: '', podSandboxId, labelSelector: {} } });
      assert.deepEqual(
        list.stats.map((s) => s.attributes?.id),
        [containerId],
      );
    });

    it('pulls images, reports them, and fails to pull one that does not exist', async () => {
      const spec = (image: string) => ({
        image,
        annotations: {},
        userSpecifiedImage: '',
        runtimeHandler: '',
      });
      const pulled = await rt.pullImage({
        image: spec(target.image),
        auth: undefined,
        sandboxConfig: undefined,
      });
      assert.ok(pulled.imageRef.length > 0);
      const present = await rt.imageStatus({ image: spec(target.image), verbose: false });
      assert.ok(present.image, 'a pulled image is present');
      const { images } = await rt.listImages({ filter: undefined });
      assert.ok(images.some((i) => i.repoTags.some((t) => t.includes(present.image?.repoTags[0] ?? '-'))));
      const missing = await outcome(
        rt.pullImage({ image: spec(target.missingImage), auth: undefined, sandboxConfig: undefined }),
      );
      assert.notEqual(missing.code, 'OK');
      assert.ok(missing.message.length > 0);
      const absent = await rt.imageStatus({ image: spec(target.missingImage), verbose: false });
      assert.equal(absent.image, undefined);
      const fs = await rt.imageFsInfo({});
      assert.ok(fs.imageFilesystems.length > 0);
    });

    it('refuses a container in an unknown sandbox and a second start', async () => {
      const unknown = await outcome(
        rt.createContainer({
          podSandboxId: 'f'.repeat(64),
          config: containerConfig('x', target.image, 'true'),
          sandboxConfig: undefined,
        }),
      );
      assert.equal(unknown.code, 'NOT_FOUND');
      const { containerId } = await runContainer('twice', 'sleep 30');
      const again = await outcome(rt.startContainer({ containerId }));
      assert.notEqual(again.code, 'OK');
    });
  });
}
