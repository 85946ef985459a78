import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ContainerState } from '../../../sdk/gen/runtime/v1/api.js';
import { outcome } from '../../../test/outcome.js';
import {
  containerConfig,
  describeRuntimeConformance,
  sandboxConfig,
  waitFor,
} from '../runtime-conformance.js';
import { groupMembers } from './proc.js';
import { createProcessRuntime } from './process-runtime.js';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

const roots: string[] = [];
function newRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'wheelhouse-process-runtime-'));
  roots.push(root);
  return root;
}
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

for (const isolated of [true, false]) {
  describeRuntimeConformance(
    isolated
      ? 'process runtime (namespaces, cgroups where the host allows)'
      : 'process runtime (plain processes)',
    {
      image: 'docker.io/library/sh:latest',
      missingImage: 'registry.example.com/no-such-executable-here:1.0',
      async start() {
        return createProcessRuntime({ root: newRoot(), namespaces: isolated, cgroups: isolated });
      },
    },
  );
}

describe('process runtime', () => {
  it('runs the executable an image names, and says how to fix a missing one', async () => {
    const root = newRoot();
    const rt = createProcessRuntime({ root });
    try {
      const sb = sandboxConfig('by-image', join(root, 'logs'));
      const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
      const { containerId } = await rt.createContainer({
        podSandboxId,
        config: containerConfig('echo', 'docker.io/library/echo:1.0', '', {
          command: [],
          args: ['from', 'image'],
        }),
        sandboxConfig: sb,
      });
      await rt.startContainer({ containerId });
      const status = await waitFor('exit', async () => {
        const { status } = await rt.containerStatus({ containerId, verbose: false });
        return status?.state === ContainerState.CONTAINER_EXITED ? status : undefined;
      });
      assert.equal(status.exitCode, 0);
      await waitFor('the log', async () =>
        readFileSync(join(root, 'logs/echo/0.log'), 'utf8').includes(' stdout F from image'),
      );

      const missing = await outcome(
        rt.createContainer({
          podSandboxId,
          config: containerConfig('nope', 'example.com/team/no-such-tool:2', '', { command: [] }),
          sandboxConfig: sb,
        }),
      );
      assert.equal(missing.code, 'FAILED_PRECONDITION');
      assert.match(
        missing.message,
        /"no-such-tool" .*not on the node's PATH.*install no-such-tool on the node, or give the container a command/,
      );
    } finally {
      for (const s of (await rt.listPodSandbox({ filter: undefined })).items)
        await rt.removePodSandbox({ podSandboxId: s.id });
      await rt.close();
    }
  });

  it('reports what it enforces on this host', async () => {
    const rt = createProcessRuntime({ root: newRoot(), namespaces: false, cgroups: false });
    const { status } = await rt.status({ verbose: false });
    const byType = new Map(status?.conditions.map((c) => [c.type, c]));
    assert.equal(byType.get('NamespacesEnforced')?.status, false);
    assert.equal(byType.get('CgroupLimitsEnforced')?.status, false);
    assert.equal(byType.get('MountsEnforced')?.status, false);
    assert.match(byType.get('MountsEnforced')?.message ?? '', /containers see the host's paths/);
    await rt.close();
  });

  it('adopts running containers after a restart, keeps their logs, and learns exits that happened while away', async () => {
    const root = newRoot();
    const logDir = join(root, 'logs');
    const first = createProcessRuntime({ root, adoptedPollMs: 50 });
    const sb = sandboxConfig('adopt', logDir);
    const { podSandboxId } = await first.runPodSandbox({ config: sb, runtimeHandler: '' });
    const ticker = await first.createContainer({
      podSandboxId,
      config: containerConfig('ticker', 'sh', 'i=0; while :; do echo tick $i; i=$((i+1)); sleep 0.05; done'),
      sandboxConfig: sb,
    });
    const quitter = await first.createContainer({
      podSandboxId,
      config: containerConfig(
        'quitter',
        'sh',
        'while [ ! -e "$FLAG" ]; do sleep 0.05; done; echo leaving; exit 5',
        {
          envs: [{ key: 'FLAG', value: join(root, 'flag') }],
        },
      ),
      sandboxConfig: sb,
    });
    await first.startContainer({ containerId: ticker.containerId });
    await first.startContainer({ containerId: quitter.containerId });
    const before = await first.containerStatus({ containerId: ticker.containerId, verbose: true });
    const pid = JSON.parse(before.info.info ?? '{}').pid as number;
    await first.close();

    // While no runtime reads: the quitter exits, the ticker keeps writing into its pipe.
    writeFileSync(join(root, 'flag'), '');
    await new Promise((r) => setTimeout(r, 300));

    const second = createProcessRuntime({ root, adoptedPollMs: 50 });
    try {
      const after = await second.containerStatus({ containerId: ticker.containerId, verbose: true });
      assert.equal(after.status?.state, ContainerState.CONTAINER_RUNNING);
      assert.equal(JSON.parse(after.info.info ?? '{}').pid, pid, 'the same process, not a restart');
      assert.equal(after.status?.startedAt, before.status?.startedAt);
      const gone = await waitFor('the quitter exit', async () => {
        const { status } = await second.containerStatus({ containerId: quitter.containerId, verbose: false });
        return status?.state === ContainerState.CONTAINER_EXITED ? status : undefined;
      });
      assert.equal(gone.exitCode, 5);
      assert.equal(gone.reason, 'Error');
      // Output written while away, and after, reaches the log in order, without gaps.
      const ticks = await waitFor('ticks after the restart', async () => {
        const lines = readText(join(logDir, 'ticker/0.log')).split('\n').filter(Boolean);
        return lines.length > 15 ? lines : undefined;
      });
      const numbers = ticks.map((l) => Number(l.split(' ').pop()));
      assert.deepEqual(
        numbers,
        numbers.map((_, i) => i),
      );
      assert.ok(readFileSync(join(logDir, 'quitter/0.log'), 'utf8').includes('stdout F leaving'));
      await second.stopContainer({ containerId: ticker.containerId, timeout: '2' });
      const stopped = await second.containerStatus({ containerId: ticker.containerId, verbose: false });
      assert.equal(stopped.status?.state, ContainerState.CONTAINER_EXITED);
    } finally {
      await second.removePodSandbox({ podSandboxId });
      await second.close();
    }
  });

  it('kills a container whose stop is still under way when the runtime closes', async () => {
    const root = newRoot();
    const logDir = join(root, 'logs');
    const first = createProcessRuntime({ root });
    const sb = sandboxConfig('closing', logDir);
    const { podSandboxId } = await first.runPodSandbox({ config: sb, runtimeHandler: '' });
    // It ignores SIGTERM: only the end of its grace period, 60 s away, would kill it.
    const { containerId } = await first.createContainer({
      podSandboxId,
      config: containerConfig('stubborn', 'sh', 'trap "" TERM; echo ready; exec sleep 600'),
      sandboxConfig: sb,
    });
    await first.startContainer({ containerId });
    const { info } = await first.containerStatus({ containerId, verbose: true });
    const wrapper = JSON.parse(info.info ?? '{}').pid as number;
    assert.ok(wrapper > 0);
    let second: ReturnType<typeof createProcessRuntime> | undefined;
    try {
      await waitFor('the trap set', async () => readText(join(logDir, 'stubborn/0.log')).includes('ready'));
      const stop = first.stopContainer({ containerId, timeout: '60' });
      // As a kubelet that exits while its pod workers still stop pods.
      await first.close();
      await waitFor('the container gone', async () => groupMembers(wrapper).length === 0, 5_000);
      await stop;
      second = createProcessRuntime({ root });
      const { status } = await second.containerStatus({ containerId, verbose: false });
      assert.equal(status?.state, ContainerState.CONTAINER_EXITED);
      assert.equal(status?.exitCode, 137);
      assert.notEqual(status?.reason, 'OOMKilled');
    } finally {
      for (const pid of groupMembers(wrapper)) process.kill(pid, 'SIGKILL');
      second ??= createProcessRuntime({ root });
      await second.removePodSandbox({ podSandboxId });
      await second.close();
    }
  });

  it('ends, as it closes, a container whose command exited unseen, keeping its last output', async () => {
    const root = newRoot();
    const logDir = join(root, 'logs');
    const first = createProcessRuntime({ root });
    const sb = sandboxConfig('exited-unseen', logDir);
    const { podSandboxId } = await first.runPodSandbox({ config: sb, runtimeHandler: '' });
    const { containerId } = await first.createContainer({
      podSandboxId,
      // Long enough to read its pid first: a status read after the exit file is written
      // finishes the container (and forgets its pid) on a fast host.
      config: containerConfig('brief', 'sh', 'sleep 0.3; echo last words; exit 3'),
      sandboxConfig: sb,
    });
    await first.startContainer({ containerId });
    const { info } = await first.containerStatus({ containerId, verbose: true });
    const wrapper = JSON.parse(info.info ?? '{}').pid as number;
    assert.ok(wrapper > 0, `the container's wrapper pid while it runs: ${info.info}`);
    let second: ReturnType<typeof createProcessRuntime> | undefined;
    try {
      // The event loop held until the wrapper has stopped itself after writing its exit
      // file: the runtime has not heard of the exit when it closes.
      const deadline = Date.now() + 10_000;
      while (!/\) T /.test(readText(`/proc/${wrapper}/stat`)) && Date.now() < deadline) {}
      assert.match(
        readText(`/proc/${wrapper}/stat`),
        /\) T /,
        `the wrapper (pid ${wrapper}) stopped itself; its log: ${JSON.stringify(readText(join(logDir, 'brief/0.log')))}`,
      );
      await first.close();
      assert.deepEqual(groupMembers(wrapper), []);
      assert.match(readText(join(logDir, 'brief/0.log')), / stdout F last words\n/);
      second = createProcessRuntime({ root });
      const { status } = await second.containerStatus({ containerId, verbose: false });
      assert.equal(status?.state, ContainerState.CONTAINER_EXITED);
      assert.equal(status?.exitCode, 3);
    } finally {
      for (const pid of groupMembers(wrapper)) process.kill(pid, 'SIGKILL');
      second ??= createProcessRuntime({ root });
      await second.removePodSandbox({ podSandboxId });
      await second.close();
    }
  });

  const isolatedHost = process.platform === 'linux' && process.getuid?.() === 0;
  describe('isolation on a Linux host as root', { skip: !isolatedHost && 'needs Linux and root' }, () => {
    it('gives the pod its own PID, UTS and mount namespaces and bind-mounts its volumes', async (t) => {
      const root = newRoot();
      const rt = createProcessRuntime({ root });
      assert.equal(rt.support.namespaces.enforced, true, JSON.stringify(rt.support.namespaces));
      const source = join(root, 'volume');
      const target = join(root, 'target');
      mkdirSync(source);
      mkdirSync(target);
      writeFileSync(join(source, 'data.txt'), 'volume data');
      const sb = { ...sandboxConfig('isolated', join(root, 'logs')), hostname: 'isolated' };
      const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
      t.after(async () => {
        await rt.removePodSandbox({ podSandboxId });
        await rt.close();
      });
      const { containerId } = await rt.createContainer({
        podSandboxId,
        config: containerConfig('main', 'sh', 'sleep 30', {
          mounts: [
            {
              containerPath: target,
              hostPath: source,
              readonly: true,
              selinuxRelabel: false,
              propagation: 0,
              uidMappings: [],
              gidMappings: [],
              recursiveReadOnly: false,
              image: undefined,
            },
          ],
        }),
        sandboxConfig: sb,
      });
      await rt.startContainer({ containerId });
      const run = async (script: string) =>
        Buffer.from((await rt.execSync({ containerId, cmd: ['sh', '-c', script], timeout: '10' })).stdout)
          .toString()
          .trim();
      assert.equal(await run('cat /proc/sys/kernel/hostname'), 'isolated');
      assert.notEqual(await run('readlink /proc/self/ns/pid'), readlinkSync('/proc/self/ns/pid'));
      assert.equal((await run('ps -e -o pid= 2>/dev/null | wc -l')) !== '', true);
      assert.equal(await run(`cat ${target}/data.txt`), 'volume data');
      assert.match(await run(`touch ${target}/new 2>&1 || echo read-only`), /read-only|Read-only/);
      assert.deepEqual(readdirSync(target), [], 'the bind mount lives in the container only');
    });

    it('applies memory and CPU limits through cgroups and reports OOMKilled', async (t) => {
      const root = newRoot();
      const rt = createProcessRuntime({ root, podPidsLimit: 64 });
      assert.equal(rt.support.cgroups.enforced, true, JSON.stringify(rt.support.cgroups));
      const sb = sandboxConfig('limited', join(root, 'logs'));
      const { podSandboxId } = await rt.runPodSandbox({ config: sb, runtimeHandler: '' });
      t.after(async () => {
        await rt.removePodSandbox({ podSandboxId });
        await rt.close();
      });
      const resources = {
        cpuPeriod: '100000',
        cpuQuota: '50000',
        cpuShares: '512',
        memoryLimitInBytes: String(32 * 1024 * 1024),
        oomScoreAdj: '0',
        cpusetCpus: '',
        cpusetMems: '',
        hugepageLimits: [],
        unified: {},
        memorySwapLimitInBytes: '0',
      };
      const { containerId } = await rt.createContainer({
        podSandboxId,
        config: containerConfig('hog', 'sh', 'sleep 0.3; head -c 200000000 /dev/zero | tail', {
          linux: { resources, securityContext: undefined },
        }),
        sandboxConfig: sb,
      });
      await rt.startContainer({ containerId });
      const info = JSON.parse((await rt.containerStatus({ containerId, verbose: true })).info.info ?? '{}');
      const layout = rt.support.cgroups.enforced ? rt.support.cgroups.layout : undefined;
      if (layout?.version === 1) {
        assert.equal(
          readFileSync(
            join(layout.roots.memory, 'wheelhouse', info.cgroup, 'memory.limit_in_bytes'),
            'utf8',
          ).trim(),
          String(32 * 1024 * 1024),
        );
        assert.equal(
          readFileSync(join(layout.roots.cpu, 'wheelhouse', info.cgroup, 'cpu.cfs_quota_us'), 'utf8').trim(),
          '50000',
        );
        assert.equal(
          readFileSync(
            join(layout.roots.pids, 'wheelhouse', `pod-${podSandboxId}`, 'pids.max'),
            'utf8',
          ).trim(),
          '64',
        );
      } else if (layout?.version === 2) {
        assert.equal(
          readFileSync(join(layout.root, 'wheelhouse', info.cgroup, 'memory.max'), 'utf8').trim(),
          String(32 * 1024 * 1024),
        );
        assert.equal(
          readFileSync(join(layout.root, 'wheelhouse', info.cgroup, 'cpu.max'), 'utf8').trim(),
          '50000 100000',
        );
      }
      const status = await waitFor('the OOM kill', async () => {
        const { status } = await rt.containerStatus({ containerId, verbose: false });
        return status?.state === ContainerState.CONTAINER_EXITED ? status : undefined;
      });
      assert.equal(status.reason, 'OOMKilled', JSON.stringify(status));
      await rt.removeContainer({ containerId });
      assert.equal(
        existsSync(join('/sys/fs/cgroup/memory/wheelhouse', info.cgroup)),
        false,
        'the cgroup is removed',
      );
      await rt.removePodSandbox({ podSandboxId });
      await rt.close();
    });
  });
});
