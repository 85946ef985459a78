/**
 * The process runtime: the embedded default, which runs containers as host
 * process groups so that a node needs nothing installed.
 *
 * - A sandbox is a directory under the runtime's root and, where the host
 *   allows (Linux, root, util-linux), a holder process that owns the pod's PID,
 *   mount, IPC and UTS namespaces, and a cgroup. Pods use the host network: the
 *   sandbox's IP is the node's.
 * - A container is a process group started by a small `sh` wrapper that joins
 *   the container's cgroup, enters the pod's namespaces (and a mount namespace
 *   of its own where its mounts are bind-mounted), runs the command and records
 *   its exit code in a file. The group is detached from the kubelet: it outlives
 *   a kubelet restart, and its stdout and stderr are FIFOs it holds open
 *   itself, so output written while no kubelet reads waits in the pipe (the
 *   container blocks once the pipe is full) instead of killing it.
 * - State lives in JSON files under the root. A new runtime on the same root
 *   adopts containers whose pid and start time still match, reads their FIFOs
 *   again and learns their exit from the wrapper's exit file.
 * - An image names an executable on the node's PATH (see image-executable.ts);
 *   it is present when that executable resolves.
 * - Whatever the host does not let it enforce is said in Status.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  type FSWatcher,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { ApiError, Code } from '../../../sdk/errors.js';
import {
  ContainerConfig,
  ContainerState,
  type ContainerStats,
  type ContainerStatus,
  type Image,
  PodSandboxConfig,
  PodSandboxState,
} from '../../../sdk/gen/runtime/v1/api.js';
import { type ContainerRuntime, criApiVersion, type ExecSession, RuntimeConditionType } from '../runtime.js';
import { type Cgroups, createCgroups } from './cgroups.js';
import { type CriLogWriter, createCriLogWriter } from './cri-log-writer.js';
import { createFifoStock } from './fifo-stock.js';
import { detectHostSupport, type HostSupport } from './host-support.js';
import { executableName, resolveExecutable } from './image-executable.js';
import { childrenOf, groupUsage, isSameProcess, processStartTime, signalGroup } from './proc.js';
import { createSpawner, type SpawnedProcess } from './spawner.js';

export const processRuntimeName = 'wheelhouse-process';
export const processRuntimeVersion = '0.1.0';

/** How long close() waits for a container it ends to be gone, and again for its log to drain. */
const closeWaitMs = 2000;

export interface ProcessRuntimeOptions {
  /** The runtime's state: sandboxes, containers, FIFOs, exit files. */
  root: string;
  /** The node's IP, which every (host-network) sandbox reports. Default: the first non-loopback IPv4. */
  nodeIp?: string;
  /** Where image names are looked up. Default: the kubelet's PATH. */
  path?: string;
  /** The pids limit of each pod's cgroup (the kubelet's --pod-max-pids). */
  podPidsLimit?: number;
  /** false turns pod namespaces off even where the host has them. */
  namespaces?: boolean;
  /** false turns cgroup limits off even where the host has them. */
  cgroups?: boolean;
  /** The folder under each cgroup hierarchy the runtime owns. Default `wheelhouse`. */
  cgroupParent?: string;
  /** How often adopted containers (not children of this process) are checked for exit. Default 500 ms. */
  adoptedPollMs?: number;
  /** Worker threads that start processes, off the caller's event loop (see spawner.ts). Default 2. */
  spawnThreads?: number;
}

interface SandboxRecord {
  id: string;
  config: unknown;
  createdAt: string;
  ready: boolean;
  /** The holder's group leader (the `unshare --fork` parent), when namespaces are on. */
  holderPid?: number;
  holderStart?: string;
  /** PID 1 of the pod's namespaces, the target containers and execs enter. */
  initPid?: number;
  cgroup?: string;
}

interface ContainerRecord {
  id: string;
  sandboxId: string;
  config: unknown;
  createdAt: string;
  state: 'created' | 'running' | 'exited';
  argv: string[];
  imageRef: string;
  logPath: string;
  cwd: string;
  env: Record<string, string>;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  message?: string;
  pid?: number;
  startTime?: string;
  /** This runtime sent SIGKILL: an exit by SIGKILL is then not the OOM killer's. */
  killed?: boolean;
  cgroup?: string;
}

interface Live {
  /** The wrapper this runtime started (none for an adopted container): its exit is heard at once. */
  child?: SpawnedProcess;
  log: CriLogWriter;
  readers: Socket[];
  watcher: FSWatcher;
  /** Settles once both FIFOs reached their end (every writer closed) and the log took what they held. */
  drained: Promise<void>;
}

const wrapperScript = [
  'exit_file=$1; shift',
  'for f in $WH_CGROUP_PROCS; do echo 0 > "$f" || exit 126; done',
  'unset WH_CGROUP_PROCS',
  "trap ':' TERM INT",
  '"$@"',
  'code=$?',
  'echo "$code" > "$exit_file.tmp" && mv "$exit_file.tmp" "$exit_file"',
  // Hold the log FIFOs open until a runtime has read the exit file and kills
  // us: output still in the pipe survives a runtime that is down right now.
  'kill -STOP $$',
  'exit "$code"',
].join('\n');

/** Runs inside the container's own mount namespace: bind mounts, working dir, exec. */
const mountScript = [
  'printf "%s" "$WH_MOUNTS" | while IFS="	" read -r ro host target; do',
  '  [ -n "$target" ] || continue',
  '  if [ -d "$host" ]; then mkdir -p "$target"; else mkdir -p "$(dirname "$target")"; [ -e "$target" ] || : > "$target"; fi',
  '  mount --bind "$host" "$target" || exit 125',
  '  if [ "$ro" = ro ]; then mount -o remount,bind,ro "$target" || exit 125; fi',
  'done || exit 125',
  'cd "$WH_WORKDIR" || exit 125',
  'unset WH_MOUNTS WH_WORKDIR',
  'exec "$@"',
].join('\n');

const holderScript = [
  'echo "$1" > /proc/sys/kernel/hostname 2>/dev/null',
  "trap 'exit 0' TERM INT",
  'while :; do sleep 3600 & wait $!; done',
].join('\n');

export function createProcessRuntime(options: ProcessRuntimeOptions): ContainerRuntime & {
  readonly support: HostSupport;
} {
  const root = options.root;
  const cgroupParent = options.cgroupParent ?? 'wheelhouse';
  const searchPath = options.path ?? process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin';
  const nodeIp = options.nodeIp ?? firstIpv4();
  const support = detectHostSupport({
    cgroupParent,
    ...(options.namespaces !== undefined ? { namespaces: options.namespaces } : {}),
    ...(options.cgroups !== undefined ? { cgroups: options.cgroups } : {}),
  });
  const cgroups: Cgroups | undefined = support.cgroups.enforced
    ? createCgroups(support.cgroups.layout, cgroupParent)
    : undefined;
  const namespaced = support.namespaces.enforced;

  const sandboxDir = (id: string): string => join(root, 'sandboxes', id);
  const containerDir = (id: string): string => join(root, 'containers', id);
  mkdirSync(join(root, 'sandboxes'), { recursive: true });
  mkdirSync(join(root, 'containers'), { recursive: true });

  const sandboxes = new Map<string, SandboxRecord>();
  const containers = new Map<string, ContainerRecord>();
  const live = new Map<string, Live>();
  const spawner = createSpawner({ threads: options.spawnThreads ?? 2 });
  const fifos = createFifoStock(join(root, 'fifos'), (paths) => spawner.run('mkfifo', paths));
  const images = new Map<string, string>(); // image reference → executable path
  const lastCpu = new Map<string, { at: bigint; usage: bigint }>();

  const saveSandbox = (s: SandboxRecord): void => writeJson(join(sandboxDir(s.id), 'sandbox.json'), s);
  const saveContainer = (c: ContainerRecord): void =>
    writeJson(join(containerDir(c.id), 'container.json'), c);
  const saveImages = (): void => writeJson(join(root, 'images.json'), Object.fromEntries(images));

  // Load what an earlier runtime on this root left.
  for (const id of readdirSync(join(root, 'sandboxes'))) {
    const s = readJson<SandboxRecord>(join(sandboxDir(id), 'sandbox.json'));
    if (s) sandboxes.set(id, s);
  }
  for (const id of readdirSync(join(root, 'containers'))) {
    const c = readJson<ContainerRecord>(join(containerDir(id), 'container.json'));
    if (c) containers.set(id, c);
  }
  for (const [ref, path] of Object.entries(readJson<Record<string, string>>(join(root, 'images.json')) ?? {}))
    images.set(ref, path);

  const sandboxConfig = (s: SandboxRecord): PodSandboxConfig => PodSandboxConfig.fromJSON(s.config);
  const containerConfig = (c: ContainerRecord): ContainerConfig => ContainerConfig.fromJSON(c.config);

  const getSandbox = (id: string): SandboxRecord => {
    const s = sandboxes.get(id) ?? findByPrefix(sandboxes, id);
    if (!s) throw ApiError.notFound(`pod sandbox "${id}" not found`);
    return s;
  };
  const getContainer = (id: string): ContainerRecord => {
    const c = containers.get(id) ?? findByPrefix(containers, id);
    if (!c) throw ApiError.notFound(`container "${id}" not found`);
    return c;
  };

  /** Records a container's end from its exit file (or as killed when there is none). */
  const finish = (c: ContainerRecord, signal?: NodeJS.Signals | null): void => {
    if (c.state !== 'running' || containers.get(c.id) !== c) return;
    const exitFile = join(containerDir(c.id), 'exit');
    let code: number;
    let finishedAt = nowNs();
    if (existsSync(exitFile)) {
      code = Number(readFileSync(exitFile, 'utf8').trim());
      // File times are coarse (a clock tick): never before the recorded start.
      const mtime = statSync(exitFile, { bigint: true }).mtimeNs;
      const started = BigInt(c.startedAt ?? '0');
      finishedAt = String(mtime > started ? mtime : started);
    } else {
      // The wrapper itself was killed: only SIGKILL (ours, or the OOM killer's) does that.
      code = 128 + (signal === 'SIGTERM' ? 15 : 9);
    }
    let oom = false;
    if (c.cgroup && cgroups) oom = code === 137 && !c.killed && cgroups.usage(c.cgroup).oomKills > 0;
    signalGroup(c.pid, 'SIGKILL', c.startTime);
    c.state = 'exited';
    c.exitCode = code;
    c.finishedAt = finishedAt;
    c.reason = oom ? 'OOMKilled' : code === 0 ? 'Completed' : 'Error';
    if (code === 126 || code === 125)
      c.message = 'the runtime could not set the container up (cgroup or mounts)';
    delete c.pid;
    saveContainer(c);
  };

  /** Whether a running container has ended: its exit file is written, or its wrapper is gone. */
  const gone = (c: ContainerRecord): boolean =>
    existsSync(join(containerDir(c.id), 'exit')) || !c.pid || !isSameProcess(c.pid, c.startTime ?? '');

  /** Reads a running container's FIFOs into its log and watches for its exit. */
  const attach = (c: ContainerRecord, child?: SpawnedProcess, writers?: number[]): Live => {
    const dir = containerDir(c.id);
    const log = createCriLogWriter(c.logPath);
    const readers: Socket[] = [];
    const streams: Promise<void>[] = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const fd = openSync(join(dir, stream), constants.O_RDONLY | constants.O_NONBLOCK);
      const socket = new Socket({ fd, readable: true, writable: false });
      readers.push(socket);
      streams.push(log.attach(socket, stream));
    }
    for (const fd of writers ?? []) closeSync(fd);
    const exitFile = join(dir, 'exit');
    const watcher = watch(dir, (_event, name) => {
      if (name === 'exit' && existsSync(exitFile)) finish(c);
    });
    watcher.on('error', () => {});
    const drained = Promise.all(streams).then(() => {
      watcher.close();
      return log.close();
    });
    const entry: Live = { log, readers, watcher, drained, ...(child ? { child } : {}) };
    if (existsSync(exitFile)) finish(c);
    live.set(c.id, entry);
    if (child) {
      void child.exited.then(({ signal }) => {
        // The wrapper wrote its exit file before it exited; read it now. A runtime that
        // closed meanwhile no longer holds it (the next one adopts it).
        if (live.get(c.id) === entry) finish(c, signal);
      });
    }
    return entry;
  };

  // Adopt containers an earlier runtime started.
  for (const c of containers.values()) {
    if (c.state !== 'running') continue;
    if (c.pid && isSameProcess(c.pid, c.startTime ?? '')) attach(c);
    else finish(c, 'SIGKILL');
  }
  for (const s of sandboxes.values()) {
    if (s.ready && s.holderPid && !isSameProcess(s.holderPid, s.holderStart ?? '')) {
      s.ready = false;
      saveSandbox(s);
    }
  }
  const poller = setInterval(() => {
    for (const id of live.keys()) {
      const c = containers.get(id);
      if (c?.state === 'running' && gone(c)) finish(c);
    }
  }, options.adoptedPollMs ?? 500);
  poller.unref();

  /**
   * Containers a stop is under way for. Invariant: when the runtime closes, each of them
   * is killed there and then; no later runtime would know it was asked to stop it.
   */
  const stopping = new Set<ContainerRecord>();

  const stopContainer = async (c: ContainerRecord, timeoutSeconds: number): Promise<void> => {
    if (c.state === 'created') {
      // Never started: it simply will not run.
      c.state = 'exited';
      c.exitCode = 0;
      c.finishedAt = nowNs();
      c.reason = 'Completed';
      saveContainer(c);
      return;
    }
    if (c.state !== 'running') return;
    stopping.add(c);
    try {
      await stopRunning(c, timeoutSeconds);
    } finally {
      stopping.delete(c);
    }
  };

  const stopRunning = async (c: ContainerRecord, timeoutSeconds: number): Promise<void> => {
    if (timeoutSeconds > 0) {
      signalGroup(c.pid, 'SIGTERM', c.startTime);
      if (await waitExit(c, Date.now() + timeoutSeconds * 1000)) return;
    }
    c.killed = true;
    saveContainer(c);
    signalGroup(c.pid, 'SIGKILL', c.startTime);
    await waitExit(c, Date.now() + 10_000);
  };

  /**
   * Waits until the container is recorded as exited, or the deadline; true when
   * it exited. A child's exit is recorded by its exit event; an adopted
   * container's by its pid going away.
   */
  const waitExit = async (c: ContainerRecord, deadline: number): Promise<boolean> => {
    while (c.state === 'running') {
      if (gone(c)) finish(c);
      else if (Date.now() > deadline) return false;
      else await sleep(10);
    }
    return true;
  };

  const stopSandbox = async (s: SandboxRecord): Promise<void> => {
    await Promise.all(
      [...containers.values()].filter((c) => c.sandboxId === s.id).map((c) => stopContainer(c, 0)),
    );
    if (s.holderPid) {
      signalGroup(s.holderPid, 'SIGKILL', s.holderStart);
      const deadline = Date.now() + 5000;
      while (isSameProcess(s.holderPid, s.holderStart ?? '') && Date.now() < deadline) await sleep(10);
    }
    for (const c of containers.values()) if (c.sandboxId === s.id) await removeCgroup(c.cgroup);
    await removeCgroup(s.cgroup);
    if (s.ready) {
      s.ready = false;
      saveSandbox(s);
    }
  };

  /** Removes a cgroup once the processes just killed in it are gone. */
  const removeCgroup = async (path: string | undefined): Promise<void> => {
    if (!path || !cgroups) return;
    const deadline = Date.now() + 2000;
    while (!cgroups.remove(path) && Date.now() < deadline) await sleep(10);
  };

  const removeContainer = async (c: ContainerRecord): Promise<void> => {
    await stopContainer(c, 0);
    await removeCgroup(c.cgroup);
    const l = live.get(c.id);
    if (l) {
      for (const r of l.readers) r.destroy();
      l.watcher.close();
      await l.log.close();
      live.delete(c.id);
    }
    containers.delete(c.id);
    lastCpu.delete(c.id);
    rmSync(containerDir(c.id), { recursive: true, force: true });
  };

  const containerEnv = (c: ContainerRecord): NodeJS.ProcessEnv => ({ ...c.env });

  const statusOf = (c: ContainerRecord): ContainerStatus => {
    const config = containerConfig(c);
    return {
      id: c.id,
      metadata: config.metadata,
      state: stateOf(c),
      createdAt: c.createdAt,
      startedAt: c.startedAt ?? '0',
      finishedAt: c.finishedAt ?? '0',
      exitCode: c.exitCode ?? 0,
      image: config.image,
      imageRef: c.imageRef,
      reason: c.reason ?? '',
      message: c.message ?? '',
      labels: config.labels,
      annotations: config.annotations,
      mounts: config.mounts,
      logPath: c.logPath,
      resources: config.linux?.resources ? { linux: config.linux.resources } : undefined,
      imageId: imageIdOf(c.imageRef),
      user: undefined,
    };
  };

  const statsOf = (c: ContainerRecord): ContainerStats => {
    const config = containerConfig(c);
    const now = BigInt(nowNs());
    let cpu = 0n;
    let workingSet = 0n;
    let usage = 0n;
    if (c.state === 'running') {
      if (c.cgroup && cgroups) {
        const u = cgroups.usage(c.cgroup);
        cpu = u.cpuUsageNanoSeconds;
        workingSet = u.memoryWorkingSetBytes;
        usage = u.memoryUsageBytes;
      } else if (c.pid) {
        const u = groupUsage(c.pid);
        cpu = u.cpuNanoSeconds;
        workingSet = u.rssBytes;
        usage = u.rssBytes;
      }
    }
    const prev = lastCpu.get(c.id);
    lastCpu.set(c.id, { at: now, usage: cpu });
    const nanoCores =
      prev && now > prev.at && cpu >= prev.usage
        ? ((cpu - prev.usage) * 1_000_000_000n) / (now - prev.at)
        : 0n;
    return {
      attributes: {
        id: c.id,
        metadata: config.metadata,
        labels: config.labels,
        annotations: config.annotations,
      },
      cpu: {
        timestamp: String(now),
        usageCoreNanoSeconds: { value: String(cpu) },
        usageNanoCores: { value: String(nanoCores) },
      },
      memory: {
        timestamp: String(now),
        workingSetBytes: { value: String(workingSet) },
        availableBytes: undefined,
        usageBytes: { value: String(usage) },
        rssBytes: { value: String(workingSet) },
        pageFaults: undefined,
        majorPageFaults: undefined,
      },
      writableLayer: {
        timestamp: String(now),
        fsId: { mountpoint: root },
        usedBytes: { value: '0' },
        inodesUsed: { value: '0' },
      },
      swap: undefined,
    };
  };

  const imageOf = (ref: string, path: string): Image => ({
    id: imageIdOf(path),
    repoTags: [ref],
    repoDigests: [],
    size: String(statSync(path).size),
    uid: undefined,
    username: '',
    spec: { image: ref, annotations: {}, userSpecifiedImage: '', runtimeHandler: '' },
    pinned: false,
  });

  /** The argv a container runs, and the working dir; fails as CreateContainer must. */
  const resolveCommand = (config: ContainerConfig, env: Record<string, string>): string[] => {
    const image = config.image?.image ?? '';
    if (config.command.length === 0) {
      const name = executableName(image);
      const path = resolveExecutable(name, searchPath);
      if (!path)
        throw new ApiError(
          Code.FAILED_PRECONDITION,
          `the process runtime runs an image as the executable it names, and "${name}" (from image "${image}") ` +
            `is not on the node's PATH (${searchPath}); install ${name || 'it'} on the node, or give the container a command`,
        );
      return [path, ...config.args];
    }
    const [first, ...rest] = config.command;
    if (first && !first.includes('/') && !resolveExecutable(first, env.PATH ?? searchPath))
      throw new ApiError(
        Code.FAILED_PRECONDITION,
        `command "${first}" of container "${config.metadata?.name ?? ''}" is not on its PATH (${env.PATH ?? searchPath}); install it on the node or give an absolute path`,
      );
    return [first ?? '', ...rest, ...config.args];
  };

  const runtime: ContainerRuntime & { readonly support: HostSupport } = {
    support,

    async version() {
      return {
        version: criApiVersion,
        runtimeName: processRuntimeName,
        runtimeVersion: processRuntimeVersion,
        runtimeApiVersion: criApiVersion,
      };
    },

    async status(request) {
      const condition = (type: string, ok: { enforced: boolean; reason?: string }) => ({
        type,
        status: ok.enforced,
        reason: ok.enforced ? '' : 'NotEnforced',
        message: ok.enforced ? '' : (ok.reason ?? ''),
      });
      const ns = support.namespaces;
      const cg = support.cgroups;
      return {
        status: {
          conditions: [
            { type: RuntimeConditionType.RuntimeReady, status: true, reason: '', message: '' },
            { type: RuntimeConditionType.NetworkReady, status: true, reason: '', message: '' },
            condition(RuntimeConditionType.NamespacesEnforced, ns.enforced ? ns : ns),
            condition(RuntimeConditionType.CgroupLimitsEnforced, cg),
            condition(
              RuntimeConditionType.MountsEnforced,
              ns.enforced
                ? ns
                : {
                    enforced: false,
                    reason: `mounts need the pod's own mount namespace, which is off: ${ns.reason}; containers see the host's paths`,
                  },
            ),
          ],
        },
        info: verboseInfo(request.verbose, 'config', { root, nodeIp, support }),
      };
    },

    async runPodSandbox(request) {
      const config = PodSandboxConfig.fromPartial(request.config ?? {});
      if (!config.metadata?.name || !config.metadata.uid)
        throw ApiError.invalid('a pod sandbox needs metadata with a name and a uid');
      const s: SandboxRecord = {
        id: newId(),
        config: PodSandboxConfig.toJSON(config),
        createdAt: nowNs(),
        ready: true,
      };
      mkdirSync(sandboxDir(s.id), { recursive: true });
      if (config.logDirectory) mkdirSync(config.logDirectory, { recursive: true });
      const env: NodeJS.ProcessEnv = { PATH: searchPath };
      if (cgroups) {
        s.cgroup = `pod-${s.id}`;
        const podResources = config.linux?.resources;
        cgroups.create(s.cgroup, {
          ...(podResources ? { resources: podResources } : {}),
          ...(options.podPidsLimit ? { pidsMax: options.podPidsLimit } : {}),
        });
        env.WH_CGROUP_PROCS = cgroups.procsFiles(s.cgroup).join(' ');
      }
      if (namespaced && support.unshare) {
        const holder = await spawner
          .spawn(
            '/bin/sh',
            [
              '-c',
              'for f in $WH_CGROUP_PROCS; do echo 0 > "$f" || exit 126; done; unset WH_CGROUP_PROCS; exec "$@"',
              'wheelhouse-pod',
              support.unshare,
              '--pid',
              '--fork',
              '--mount-proc',
              '--ipc',
              '--uts',
              '--mount',
              '--propagation',
              'slave',
              '--',
              '/bin/sh',
              '-c',
              holderScript,
              'pause',
              config.hostname || config.metadata.name,
            ],
            { detached: true, env, cwd: sandboxDir(s.id) },
          )
          .catch((err: unknown) => {
            throw new ApiError(
              Code.INTERNAL,
              `could not start the pod sandbox holder process: ${String(err)}`,
            );
          });
        const pid = holder.pid;
        s.holderPid = pid;
        const deadline = Date.now() + 5000;
        while (Date.now() < deadline) {
          const init = childrenOf(pid)[0];
          if (init && readlinkSafe(`/proc/${init}/ns/pid`) !== readlinkSafe(`/proc/${pid}/ns/pid`)) {
            s.initPid = init;
            break;
          }
          if (holder.exitCode !== null) break;
          await sleep(2);
        }
        s.holderStart = processStartTime(pid);
        if (!s.initPid) {
          signalGroup(pid, 'SIGKILL');
          throw new ApiError(
            Code.INTERNAL,
            `the pod sandbox's namespaces did not come up (holder pid ${pid})`,
          );
        }
      }
      sandboxes.set(s.id, s);
      saveSandbox(s);
      return { podSandboxId: s.id };
    },

    async stopPodSandbox(request) {
      const s = sandboxes.get(request.podSandboxId) ?? findByPrefix(sandboxes, request.podSandboxId);
      if (s) await stopSandbox(s);
      return {};
    },

    async removePodSandbox(request) {
      const s = sandboxes.get(request.podSandboxId) ?? findByPrefix(sandboxes, request.podSandboxId);
      if (!s) return {};
      await stopSandbox(s);
      for (const c of [...containers.values()]) if (c.sandboxId === s.id) await removeContainer(c);
      sandboxes.delete(s.id);
      rmSync(sandboxDir(s.id), { recursive: true, force: true });
      return {};
    },

    async podSandboxStatus(request) {
      const s = getSandbox(request.podSandboxId);
      const config = sandboxConfig(s);
      return {
        status: {
          id: s.id,
          metadata: config.metadata,
          state: s.ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY,
          createdAt: s.createdAt,
          network: { ip: nodeIp, additionalIps: [] },
          linux: {
            namespaces: {
              options: {
                network: 2, // NODE: pods use the host network
                pid: namespaced ? 0 : 2,
                ipc: namespaced ? 0 : 2,
                targetId: '',
                usernsOptions: undefined,
              },
            },
          },
          labels: config.labels,
          annotations: config.annotations,
          runtimeHandler: '',
        },
        info: verboseInfo(request.verbose, 'info', {
          pid: s.initPid ?? 0,
          holderPid: s.holderPid ?? 0,
          cgroup: s.cgroup ?? '',
          dir: sandboxDir(s.id),
        }),
        containersStatuses: [],
        timestamp: nowNs(),
      };
    },

    async listPodSandbox(request) {
      const f = request.filter;
      const items = [...sandboxes.values()]
        .filter((s) => !f?.id || s.id.startsWith(f.id))
        .filter(
          (s) =>
            !f?.state ||
            f.state.state === (s.ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY),
        )
        .map((s) => ({ s, config: sandboxConfig(s) }))
        .filter(({ config }) => matches(config.labels, f?.labelSelector))
        .map(({ s, config }) => ({
          id: s.id,
          metadata: config.metadata,
          state: s.ready ? PodSandboxState.SANDBOX_READY : PodSandboxState.SANDBOX_NOTREADY,
          createdAt: s.createdAt,
          labels: config.labels,
          annotations: config.annotations,
          runtimeHandler: '',
        }));
      return { items };
    },

    async createContainer(request) {
      const s = getSandbox(request.podSandboxId);
      if (!s.ready)
        throw new ApiError(
          Code.FAILED_PRECONDITION,
          `pod sandbox "${s.id}" is not ready; run a new sandbox for the pod`,
        );
      const config = ContainerConfig.fromPartial(request.config ?? {});
      const name = config.metadata?.name;
      if (!name) throw ApiError.invalid('a container needs metadata with a name');
      for (const other of containers.values()) {
        const m = other.sandboxId === s.id ? containerConfig(other).metadata : undefined;
        if (m && m.name === name && m.attempt === (config.metadata?.attempt ?? 0))
          throw ApiError.alreadyExists(
            `container "${name}" attempt ${m.attempt} already exists in sandbox "${s.id}" as "${other.id}"; remove it first`,
          );
      }
      const sbConfig = sandboxConfig(s);
      const env: Record<string, string> = {};
      for (const kv of config.envs) env[kv.key] = kv.value;
      env.PATH ??= searchPath;
      env.HOSTNAME ??= sbConfig.hostname || sbConfig.metadata?.name || '';
      const argv = resolveCommand(config, env);
      const imageRef =
        config.command.length === 0
          ? (resolveExecutable(executableName(config.image?.image ?? ''), searchPath) ?? '')
          : (resolveExecutable(executableName(config.image?.image ?? ''), searchPath) ?? (argv[0] as string));
      const logPath =
        sbConfig.logDirectory && config.logPath
          ? join(sbConfig.logDirectory, config.logPath)
          : join(containerDir('pending'), 'container.log');
      const c: ContainerRecord = {
        id: newId(),
        sandboxId: s.id,
        config: ContainerConfig.toJSON(config),
        createdAt: nowNs(),
        state: 'created',
        argv,
        imageRef,
        logPath,
        cwd: config.workingDir || sandboxDir(s.id),
        env,
      };
      if (logPath.startsWith(containerDir('pending'))) c.logPath = join(containerDir(c.id), 'container.log');
      const dir = containerDir(c.id);
      mkdirSync(dir, { recursive: true });
      // Held in the map while its FIFOs are made, so a concurrent create of the same name is refused.
      containers.set(c.id, c);
      try {
        await fifos.take(join(dir, 'stdout'), join(dir, 'stderr'));
      } catch (err) {
        containers.delete(c.id);
        rmSync(dir, { recursive: true, force: true });
        throw new ApiError(
          Code.INTERNAL,
          `could not create the log pipes of container "${c.id}": ${String(err)}`,
        );
      }
      saveContainer(c);
      return { containerId: c.id };
    },

    async startContainer(request) {
      const c = getContainer(request.containerId);
      if (c.state !== 'created')
        throw new ApiError(
          Code.FAILED_PRECONDITION,
          `container "${c.id}" is ${c.state === 'running' ? 'already running' : 'exited'}; create a new one to run it again`,
        );
      const s = getSandbox(c.sandboxId);
      if (!s.ready) throw new ApiError(Code.FAILED_PRECONDITION, `pod sandbox "${s.id}" is not ready`);
      const config = containerConfig(c);
      const dir = containerDir(c.id);
      rmSync(join(dir, 'exit'), { force: true });
      const env: NodeJS.ProcessEnv = containerEnv(c);
      if (cgroups && s.cgroup) {
        c.cgroup = `${s.cgroup}/${c.id}`;
        cgroups.create(c.cgroup, { resources: config.linux?.resources });
        env.WH_CGROUP_PROCS = cgroups.procsFiles(c.cgroup).join(' ');
      }
      let argv = c.argv;
      let cwd = c.cwd;
      if (namespaced && s.initPid && support.nsenter && support.unshare) {
        env.WH_MOUNTS = config.mounts
          .map((m) => `${m.readonly ? 'ro' : 'rw'}\t${m.hostPath}\t${m.containerPath}\n`)
          .join('');
        env.WH_WORKDIR = c.cwd;
        argv = [
          support.nsenter,
          '-t',
          String(s.initPid),
          '--pid',
          '--ipc',
          '--uts',
          '--mount',
          '--no-fork',
          '--',
          support.unshare,
          '--mount',
          '--fork',
          '--propagation',
          'slave',
          '--',
          '/bin/sh',
          '-c',
          mountScript,
          'wheelhouse-mounts',
          ...c.argv,
        ];
        cwd = sandboxDir(s.id);
      } else if (!existsSync(cwd)) {
        throw new ApiError(
          Code.FAILED_PRECONDITION,
          `working directory "${cwd}" of container "${config.metadata?.name ?? ''}" does not exist on the node, and this host cannot give the container its own mounts (${support.namespaces.enforced ? '' : support.namespaces.reason}); create it or change workingDir`,
        );
      }
      mkdirSync(join(c.logPath, '..'), { recursive: true });
      // The log exists from the start: the process may run, and even exit, before this
      // runtime hears it started and attaches its readers (it starts from another thread).
      closeSync(openSync(c.logPath, 'a'));
      const writers = ['stdout', 'stderr'].map((stream) => openSync(join(dir, stream), 'r+'));
      let child: SpawnedProcess;
      try {
        child = await spawner.spawn(
          '/bin/sh',
          ['-c', wrapperScript, 'wheelhouse-container', join(dir, 'exit'), ...argv],
          { detached: true, stdio: ['ignore', writers[0] as number, writers[1] as number], env, cwd },
        );
      } catch (err) {
        for (const fd of writers) closeSync(fd);
        throw new ApiError(Code.INTERNAL, `could not start container "${c.id}": ${String(err)}`);
      }
      if (!child.pid) {
        for (const fd of writers) closeSync(fd);
        throw new ApiError(Code.INTERNAL, `could not start container "${c.id}"`);
      }
      c.pid = child.pid;
      c.startTime = processStartTime(child.pid);
      c.startedAt = nowNs();
      c.state = 'running';
      saveContainer(c);
      attach(c, child, writers);
      return {};
    },

    async stopContainer(request) {
      const c = containers.get(request.containerId) ?? findByPrefix(containers, request.containerId);
      if (!c) throw ApiError.notFound(`container "${request.containerId}" not found`);
      await stopContainer(c, Number(request.timeout));
      return {};
    },

    async removeContainer(request) {
      const c = containers.get(request.containerId) ?? findByPrefix(containers, request.containerId);
      if (c) await removeContainer(c);
      return {};
    },

    async listContainers(request) {
      const f = request.filter;
      const list = [...containers.values()]
        .filter((c) => !f?.id || c.id.startsWith(f.id))
        .filter((c) => !f?.podSandboxId || c.sandboxId.startsWith(f.podSandboxId))
        .filter((c) => !f?.state || f.state.state === stateOf(c))
        .map((c) => ({ c, config: containerConfig(c) }))
        .filter(({ config }) => matches(config.labels, f?.labelSelector))
        .map(({ c, config }) => ({
          id: c.id,
          podSandboxId: c.sandboxId,
          metadata: config.metadata,
          image: config.image,
          imageRef: c.imageRef,
          state: stateOf(c),
          createdAt: c.createdAt,
          labels: config.labels,
          annotations: config.annotations,
          imageId: imageIdOf(c.imageRef),
        }));
      return { containers: list };
    },

    async containerStatus(request) {
      const c = getContainer(request.containerId);
      return {
        status: statusOf(c),
        info: verboseInfo(request.verbose, 'info', { pid: c.pid ?? 0, argv: c.argv, cgroup: c.cgroup ?? '' }),
      };
    },

    async reopenContainerLog(request) {
      const c = getContainer(request.containerId);
      const l = live.get(c.id);
      if (c.state !== 'running' || !l)
        throw new ApiError(Code.FAILED_PRECONDITION, `container "${c.id}" is not running`);
      l.log.reopen();
      return {};
    },

    async execSync(request) {
      const c = getContainer(request.containerId);
      const child = await spawnExec(c, request.cmd);
      const limit = 16 * 1024 * 1024;
      const collect = (stream: NodeJS.ReadableStream | null): Promise<Buffer> =>
        new Promise((resolve) => {
          const chunks: Buffer[] = [];
          let size = 0;
          if (!stream) return resolve(Buffer.alloc(0));
          stream.on('data', (b: Buffer) => {
            if (size < limit) chunks.push(b.subarray(0, limit - size));
            size += b.length;
          });
          stream.on('end', () => resolve(Buffer.concat(chunks)));
          stream.on('error', () => resolve(Buffer.concat(chunks)));
        });
      const timeout = Number(request.timeout);
      let timedOut = false;
      const timer =
        timeout > 0
          ? setTimeout(() => {
              timedOut = true;
              signalGroup(child.pid, 'SIGKILL');
            }, timeout * 1000)
          : undefined;
      const [stdout, stderr, exitCode] = await Promise.all([
        collect(child.stdout),
        collect(child.stderr),
        exitOf(child),
      ]);
      clearTimeout(timer);
      if (timedOut)
        throw new ApiError(
          Code.DEADLINE_EXCEEDED,
          `command ${JSON.stringify(request.cmd)} timed out after ${timeout}s`,
        );
      return { stdout, stderr, exitCode };
    },

    async exec(request, signal) {
      const c = getContainer(request.containerId);
      // No terminal to offer: with one asked for, stderr joins stdout as it would on a terminal.
      const child = await spawnExec(c, request.cmd, request.stdin, request.tty);
      const exitCode = exitOf(child);
      const close = (): void => signalGroup(child.pid, 'SIGKILL');
      signal?.addEventListener('abort', close, { once: true });
      void exitCode.then(() => signal?.removeEventListener('abort', close));
      const session: ExecSession = {
        tty: false,
        stdin: request.stdin ? child.stdin : null,
        stdout: request.stdout || request.tty ? child.stdout : null,
        stderr: request.stderr && !request.tty ? child.stderr : null,
        resize() {},
        exitCode,
        close,
      };
      if (!session.stdout) child.stdout?.resume();
      if (!session.stderr) child.stderr?.resume();
      return session;
    },

    async containerStats(request) {
      return { stats: statsOf(getContainer(request.containerId)) };
    },

    async listContainerStats(request) {
      const f = request.filter;
      const stats = [...containers.values()]
        .filter((c) => c.state === 'running')
        .filter((c) => !f?.id || c.id.startsWith(f.id))
        .filter((c) => !f?.podSandboxId || c.sandboxId.startsWith(f.podSandboxId))
        .filter((c) => matches(containerConfig(c).labels, f?.labelSelector))
        .map(statsOf);
      return { stats };
    },

    async listImages() {
      const list: Image[] = [];
      for (const [ref, path] of images) if (existsSync(path)) list.push(imageOf(ref, path));
      return { images: list };
    },

    async imageStatus(request) {
      const ref = request.image?.image ?? '';
      const path = resolveExecutable(executableName(ref), searchPath);
      return { image: path ? imageOf(ref, path) : undefined, info: {} };
    },

    async pullImage(request) {
      const ref = request.image?.image ?? '';
      const name = executableName(ref);
      const path = resolveExecutable(name, searchPath);
      if (!path)
        throw ApiError.notFound(
          `image "${ref}" not found: the process runtime runs an image as the executable it names, and "${name}" is not on the node's PATH (${searchPath}); install it on the node or use an image whose name is an installed command`,
        );
      images.set(ref, path);
      saveImages();
      return { imageRef: path };
    },

    async removeImage(request) {
      const ref = request.image?.image ?? '';
      for (const [k, path] of images)
        if (k === ref || path === ref || imageIdOf(path) === ref) images.delete(k);
      saveImages();
      return {};
    },

    async imageFsInfo() {
      const fs = statfsSync(root, { bigint: true });
      return {
        imageFilesystems: [
          {
            timestamp: nowNs(),
            fsId: { mountpoint: root },
            usedBytes: { value: String((fs.blocks - fs.bfree) * fs.bsize) },
            inodesUsed: { value: String(fs.files - fs.ffree) },
          },
        ],
        containerFilesystems: [],
      };
    },

    async close() {
      clearInterval(poller);
      // Running containers outlive the runtime, and a later one adopts them. Two kinds are
      // ended here instead, before anything awaits: those being stopped (the caller wants
      // them gone, and no later runtime knows it), and those whose command has exited (their
      // wrapper only waits to be killed by a runtime that read its exit file; one that is
      // never started again on this root would leave it stopped forever).
      const ending: ContainerRecord[] = [];
      for (const c of stopping) {
        if (c.state !== 'running') continue;
        c.killed = true;
        signalGroup(c.pid, 'SIGKILL', c.startTime);
        ending.push(c);
      }
      for (const id of live.keys()) {
        const c = containers.get(id);
        if (c?.state === 'running' && !stopping.has(c) && gone(c)) ending.push(c);
      }
      await Promise.all(
        ending.map(async (c) => {
          await waitExit(c, Date.now() + closeWaitMs);
          // Killed, the wrapper no longer holds the FIFOs: what they still hold reaches the log.
          const l = live.get(c.id);
          if (l) await within(l.drained, closeWaitMs);
        }),
      );
      await spawner.close();
      for (const l of live.values()) {
        for (const r of l.readers) r.destroy();
        l.watcher.close();
        await l.log.close();
      }
      live.clear();
    },
  };

  /** A command in a running container: its namespaces and cgroup where it has them, its env and cwd. */
  /** `mergeStderr`: the command's stderr goes to its stdout, as on the terminal a TTY would give it. */
  async function spawnExec(
    c: ContainerRecord,
    cmd: string[],
    stdin = false,
    mergeStderr = false,
  ): Promise<ChildProcess> {
    if (c.state !== 'running' || !c.pid)
      throw new ApiError(Code.FAILED_PRECONDITION, `container "${c.id}" is not running`);
    if (cmd.length === 0) throw ApiError.invalid('exec needs a command');
    const env: NodeJS.ProcessEnv = containerEnv(c);
    let argv = cmd;
    let cwd = c.cwd;
    if (namespaced && support.nsenter) {
      const target = await containerInit(c.pid);
      if (!target) throw new ApiError(Code.FAILED_PRECONDITION, `container "${c.id}" has no running process`);
      argv = [
        support.nsenter,
        '-t',
        String(target),
        '--pid',
        '--mount',
        '--ipc',
        '--uts',
        '--wd',
        '--',
        ...cmd,
      ];
      cwd = '/';
    }
    if (c.cgroup && cgroups) env.WH_CGROUP_PROCS = cgroups.procsFiles(c.cgroup).join(' ');
    return spawn(
      '/bin/sh',
      [
        '-c',
        `for f in $WH_CGROUP_PROCS; do echo 0 > "$f" 2>/dev/null; done; unset WH_CGROUP_PROCS; exec "$@"${mergeStderr ? ' 2>&1' : ''}`,
        'wheelhouse-exec',
        ...argv,
      ],
      {
        detached: true,
        stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
        env,
        cwd,
      },
    );
  }

  return runtime;
}

/** The container's own process: wrapper → unshare parent → the command (namespaced layout). */
async function containerInit(wrapperPid: number): Promise<number | undefined> {
  // Just after StartContainer the chain may not have forked yet.
  const deadline = Date.now() + 2000;
  for (;;) {
    const unshareParent = childrenOf(wrapperPid)[0];
    const init = unshareParent ? childrenOf(unshareParent)[0] : undefined;
    if (init || Date.now() > deadline) return init;
    await sleep(5);
  }
}

function exitOf(child: ChildProcess): Promise<number> {
  return new Promise((resolve) => {
    child.once('error', () => resolve(127));
    child.once('close', (code, signal) =>
      resolve(code ?? 128 + (signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1)),
    );
  });
}

/** CRI's verbose info: one key holding JSON, only when asked. */
function verboseInfo(verbose: boolean, key: string, value: unknown): Record<string, string> {
  return verbose ? { [key]: JSON.stringify(value) } : {};
}

function stateOf(c: ContainerRecord): ContainerState {
  return c.state === 'created'
    ? ContainerState.CONTAINER_CREATED
    : c.state === 'running'
      ? ContainerState.CONTAINER_RUNNING
      : ContainerState.CONTAINER_EXITED;
}

function matches(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  for (const [k, v] of Object.entries(selector ?? {})) if (labels[k] !== v) return false;
  return true;
}

function findByPrefix<T>(map: Map<string, T>, prefix: string): T | undefined {
  if (prefix.length < 4) return undefined;
  let found: T | undefined;
  for (const [id, v] of map) {
    if (!id.startsWith(prefix)) continue;
    if (found) throw ApiError.invalid(`"${prefix}" names more than one object; give more of the ID`);
    found = v;
  }
  return found;
}

function imageIdOf(path: string): string {
  return path ? `sha256:${createHash('sha256').update(path).digest('hex')}` : '';
}

function newId(): string {
  return randomBytes(32).toString('hex');
}

function nowNs(): string {
  return String(BigInt(Date.now()) * 1_000_000n);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits for `p`, or `ms` at most; no timer is left behind. */
async function within(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

function readlinkSafe(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

function firstIpv4(): string {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  return '127.0.0.1';
}

function writeJson(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value));
  renameSync(tmp, path);
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}
