/**
 * One pass of a pod worker over one pod — the kubelet's SyncPod and its terminating
 * twin. Level-based: it reads the pod's spec and what the runtime holds for it, takes
 * the next steps (a sandbox, the next init container, the app containers that must
 * (re)start, a container that failed its liveness probe), and generates the status.
 * It returns when to look again (a back-off ending, a deadline); changes in the
 * runtime and in the API wake it earlier.
 */
import { join } from 'node:path';
import type { EventRecorder } from '../../sdk/events/index.js';
import { ContainerState, type ContainerStatus, NamespaceMode } from '../../sdk/gen/runtime/v1/api.js';
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../sdk/logger.js';
import { runAction } from '../prober/prober.js';
import type { ProberManager } from '../prober/prober-manager.js';
import {
  type ContainerRuntime,
  containerNameLabel,
  podNameLabel,
  podNamespaceLabel,
  podUidLabel,
} from '../runtime/runtime.js';
import { generatePodStatus } from '../status/pod-status.js';
import { MountError, type VolumeManager } from '../volumes/volume-manager.js';
import type { CrashLoopBackoff } from './crash-loop-backoff.js';
import { containerEnv, expand } from './env.js';
import type { ObjectSource } from './object-source.js';
import { nsToMs, type RuntimePod, type RuntimePods, readySandbox } from './runtime-pods.js';

/** What the kubelet remembers of a pod between passes. */
export interface PodState {
  readonly uid: string;
  pod: Pod;
  startTime: Date;
  waiting: Map<string, { reason: string; message: string }>;
  terminal?: { phase: 'Failed' | 'Succeeded'; reason: string; message: string };
  /** Image pull back-off: the time before which the image is not tried again, and the delay. */
  imageBackoff: Map<string, { until: number; delayMs: number }>;
}

export interface SyncContext {
  readonly runtime: ContainerRuntime;
  readonly runtimeName: string;
  readonly runtimePods: RuntimePods;
  readonly volumes: VolumeManager;
  readonly objects: ObjectSource;
  readonly prober: ProberManager;
  readonly backoff: CrashLoopBackoff;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly nodeIP: string;
  readonly logRoot: string;
  readonly allocatable: () => Readonly<Record<string, string>>;
  /** The pod whose object events are about (the mirror pod for a static pod). */
  readonly eventObject: (state: PodState) => Pod;
  readonly now?: () => number;
}

export const restartCountAnnotation = 'io.kubernetes.container.restartCount';
export const terminationGraceAnnotation = 'io.kubernetes.pod.terminationGracePeriod';

/** The directory the runtime writes a pod's container logs under, which the log API reads. */
export function podLogDirectory(logRoot: string, pod: Pod): string {
  const m = pod.metadata;
  return join(logRoot, `${m?.namespace}_${m?.name}_${m?.uid}`);
}

function podLabels(pod: Pod): Record<string, string> {
  return {
    [podUidLabel]: pod.metadata?.uid ?? '',
    [podNameLabel]: pod.metadata?.name ?? '',
    [podNamespaceLabel]: pod.metadata?.namespace ?? '',
  };
}

function sandboxConfig(pod: Pod, logRoot: string, attempt: number) {
  return {
    metadata: {
      name: pod.metadata?.name ?? '',
      uid: pod.metadata?.uid ?? '',
      namespace: pod.metadata?.namespace ?? '',
      attempt,
    },
    // A host-network pod shares the node's UTS namespace, so it has the node's hostname.
    hostname: pod.spec?.hostNetwork ? '' : pod.spec?.hostname || pod.metadata?.name || '',
    logDirectory: podLogDirectory(logRoot, pod),
    portMappings: [],
    labels: podLabels(pod),
    annotations: { ...(pod.metadata?.annotations ?? {}) },
    // A CRI runtime gives the sandbox its own namespaces (and, for the network, a CNI
    // setup) unless told the pod shares the node's.
    linux: {
      cgroupParent: '',
      sysctls: {},
      securityContext: {
        readonlyRootfs: false,
        supplementalGroups: [],
        privileged: false,
        namespaceOptions: {
          network: pod.spec?.hostNetwork ? NamespaceMode.NODE : NamespaceMode.POD,
          pid: pod.spec?.hostPid ? NamespaceMode.NODE : NamespaceMode.POD,
          ipc: pod.spec?.hostIpc ? NamespaceMode.NODE : NamespaceMode.POD,
          targetId: '',
        },
      },
    },
  };
}

function imagePullPolicy(c: Container): string {
  if (c.imagePullPolicy) return c.imagePullPolicy;
  const tagless = !/:[^/]+$/.test(c.image.split('@')[0] ?? '');
  return tagless || c.image.endsWith(':latest') ? 'Always' : 'IfNotPresent';
}

const imageBackoffInitialMs = 10_000;
const imageBackoffMaxMs = 300_000;

export function createPodSyncer(ctx: SyncContext) {
  const now = ctx.now ?? Date.now;
  const fields = () => ({ podIP: ctx.nodeIP, hostIP: ctx.nodeIP });
  const event = (state: PodState, type: 'Normal' | 'Warning', reason: string, message: string) =>
    ctx.events.event(ctx.eventObject(state), type, reason, message);

  /** Pulls the image as its policy asks; undefined when ready, else the waiting reason. */
  const ensureImage = async (
    state: PodState,
    c: Container,
  ): Promise<{ reason: string; message: string } | undefined> => {
    const policy = imagePullPolicy(c);
    const present = await ctx.runtime
      .imageStatus({
        image: { image: c.image, annotations: {}, userSpecifiedImage: c.image, runtimeHandler: '' },
        verbose: false,
      })
      .then((r) => r.image !== undefined)
      .catch(() => false);
    if (policy === 'Never') {
      if (present) return undefined;
      const message = `Container image "${c.image}" is not present with pull policy of Never`;
      event(state, 'Warning', 'ErrImageNeverPull', message);
      return { reason: 'ErrImageNeverPull', message };
    }
    if (present && policy === 'IfNotPresent') return undefined;
    const backoff = state.imageBackoff.get(c.image);
    if (backoff && now() < backoff.until) {
      const message = `Back-off pulling image "${c.image}"`;
      event(state, 'Normal', 'BackOff', message);
      return { reason: 'ImagePullBackOff', message };
    }
    event(state, 'Normal', 'Pulling', `Pulling image "${c.image}"`);
    const started = now();
    try {
      await ctx.runtime.pullImage({
        image: { image: c.image, annotations: {}, userSpecifiedImage: c.image, runtimeHandler: '' },
      });
      state.imageBackoff.delete(c.image);
      event(state, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in ${now() - started}ms`);
      return undefined;
    } catch (err) {
      const delayMs = backoff ? Math.min(imageBackoffMaxMs, backoff.delayMs * 2) : imageBackoffInitialMs;
      state.imageBackoff.set(c.image, { until: now() + delayMs, delayMs });
      const message = `Failed to pull image "${c.image}": ${(err as Error).message}`;
      event(state, 'Warning', 'Failed', message);
      return { reason: 'ErrImagePull', message };
    }
  };

  /** Creates and starts the next instance of a container; the waiting reason when it cannot. */
  const startContainer = async (
    state: PodState,
    c: Container,
    sandboxId: string,
    attempt: number,
    mounts: Map<string, string>,
  ): Promise<void> => {
    const pod = state.pod;
    const image = await ensureImage(state, c);
    if (image) {
      state.waiting.set(c.name, image);
      return;
    }
    let env: Map<string, string>;
    try {
      env = await containerEnv(c, {
        pod,
        fields: fields(),
        objects: ctx.objects,
        allocatable: ctx.allocatable(),
      });
    } catch (err) {
      const message = (err as Error).message;
      state.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
      event(state, 'Warning', 'Failed', `Error: ${message}`);
      return;
    }
    const volumeMounts = [];
    for (const m of c.volumeMounts) {
      const host = mounts.get(m.name);
      if (host === undefined) {
        const message = `volume mount "${m.name}" of container "${c.name}" names no volume of the pod`;
        state.waiting.set(c.name, { reason: 'CreateContainerConfigError', message });
        return;
      }
      const sub = m.subPathExpr ? expand(m.subPathExpr, env) : m.subPath;
      volumeMounts.push({
        containerPath: m.mountPath,
        hostPath: sub ? join(host, sub) : host,
        readonly: m.readOnly === true,
        selinuxRelabel: false,
        propagation: 0,
        uidMappings: [],
        gidMappings: [],
        recursiveReadOnly: false,
      });
    }
    const vars = env;
    let containerId: string;
    try {
      const created = await ctx.runtime.createContainer({
        podSandboxId: sandboxId,
        config: {
          metadata: { name: c.name, attempt },
          image: { image: c.image, annotations: {}, userSpecifiedImage: c.image, runtimeHandler: '' },
          command: c.command.map((a) => expand(a, vars)),
          args: c.args.map((a) => expand(a, vars)),
          workingDir: c.workingDir,
          envs: [...vars].map(([key, value]) => ({ key, value })),
          mounts: volumeMounts,
          devices: [],
          labels: { ...podLabels(pod), [containerNameLabel]: c.name },
          annotations: {
            [restartCountAnnotation]: String(attempt),
            [terminationGraceAnnotation]: pod.spec?.terminationGracePeriodSeconds ?? '30',
          },
          logPath: join(c.name, `${attempt}.log`),
          stdin: c.stdin,
          stdinOnce: c.stdinOnce,
          tty: c.tty,
        },
        sandboxConfig: sandboxConfig(pod, ctx.logRoot, 0),
      });
      containerId = created.containerId;
    } catch (err) {
      const message = (err as Error).message;
      state.waiting.set(c.name, { reason: 'CreateContainerError', message });
      event(state, 'Warning', 'Failed', `Error: ${message}`);
      return;
    }
    event(state, 'Normal', 'Created', `Created container ${c.name}`);
    try {
      await ctx.runtime.startContainer({ containerId });
    } catch (err) {
      const message = (err as Error).message;
      state.waiting.set(c.name, { reason: 'RunContainerError', message });
      event(state, 'Warning', 'Failed', `Error: ${message}`);
      return;
    }
    state.waiting.delete(c.name);
    event(state, 'Normal', 'Started', `Started container ${c.name}`);
    const postStart = c.lifecycle?.postStart;
    if (postStart) {
      const result = await runAction(
        postStart,
        { runtime: ctx.runtime, containerId, container: c, podIP: ctx.nodeIP },
        30_000,
      );
      if (!result.ok) {
        event(state, 'Warning', 'FailedPostStartHook', result.message);
        await ctx.runtime.stopContainer({ containerId, timeout: '0' }).catch(() => undefined);
      }
    }
  };

  /** Stops one container: its preStop hook, then SIGTERM, then SIGKILL once `graceSeconds` are over. */
  const killContainer = async (
    state: PodState,
    c: Container | undefined,
    status: ContainerStatus,
    graceSeconds: number,
    why: string,
  ) => {
    const name = status.metadata?.name ?? '';
    event(state, 'Normal', 'Killing', why || `Stopping container ${name}`);
    const deadline = now() + graceSeconds * 1000;
    const preStop = c?.lifecycle?.preStop;
    if (preStop && graceSeconds > 0) {
      const result = await runAction(
        preStop,
        { runtime: ctx.runtime, containerId: status.id, container: c, podIP: ctx.nodeIP },
        graceSeconds * 1000,
      );
      if (!result.ok) event(state, 'Warning', 'FailedPreStopHook', result.message);
    }
    const remaining = Math.max(0, Math.ceil((deadline - now()) / 1000));
    // A minimum of 2 s for SIGTERM, as the kubelet gives after a long preStop hook.
    const timeout = graceSeconds === 0 ? 0 : Math.max(remaining, preStop ? 2 : 0);
    await ctx.runtime.stopContainer({ containerId: status.id, timeout: String(timeout) });
  };

  const killPod = async (state: PodState, runtimePod: RuntimePod | undefined, graceSeconds: number) => {
    if (!runtimePod) return;
    const specs = [...(state.pod.spec?.initContainers ?? []), ...(state.pod.spec?.containers ?? [])];
    const running = [...runtimePod.containers.values()]
      .map((l) => l[0])
      .filter((c): c is ContainerStatus => c !== undefined && c.state === ContainerState.CONTAINER_RUNNING);
    await Promise.all(
      running.map((c) =>
        killContainer(
          state,
          specs.find((s) => s.name === c.metadata?.name),
          c,
          graceSeconds,
          `Stopping container ${c.metadata?.name}`,
        ),
      ),
    );
    for (const s of runtimePod.sandboxes) await ctx.runtime.stopPodSandbox({ podSandboxId: s.id });
  };

  /** Keeps the newest two instances of each container (the current one and the last, for lastState and logs). */
  const pruneInstances = async (runtimePod: RuntimePod) => {
    for (const list of runtimePod.containers.values()) {
      for (const old of list.slice(2)) {
        if (old.state === ContainerState.CONTAINER_EXITED)
          await ctx.runtime.removeContainer({ containerId: old.id }).catch(() => undefined);
      }
    }
  };

  const status = (state: PodState, runtimePod: RuntimePod | undefined): PodStatus =>
    generatePodStatus({
      pod: state.pod,
      runtimePod,
      notes: {
        waiting: state.waiting,
        ready: (_name, id) => ctx.prober.readiness(id),
        started: (_name, id) => ctx.prober.started(id),
      },
      runtimeName: ctx.runtimeName,
      hostIP: ctx.nodeIP,
      podIP: ctx.nodeIP,
      startTime: state.startTime,
      ...(state.terminal ? { terminal: state.terminal } : {}),
      now: new Date(now()),
    });

  /** The pod should run: take the next steps. Returns the status and when to look again (ms). */
  async function sync(state: PodState): Promise<{ status: PodStatus; retryInMs?: number }> {
    const pod = state.pod;
    const uid = state.uid;
    const spec = pod.spec;
    let runtimePod = ctx.runtimePods.get(uid);
    if (!spec) return { status: status(state, runtimePod) };
    const policy = spec.restartPolicy || 'Always';

    if (state.terminal) {
      await killPod(state, runtimePod, 0);
      runtimePod = await ctx.runtimePods.refresh(uid);
      ctx.prober.retain(uid, new Set());
      return { status: status(state, runtimePod) };
    }

    const deadline =
      spec.activeDeadlineSeconds !== undefined ? Number(spec.activeDeadlineSeconds) * 1000 : undefined;
    if (deadline !== undefined && now() - state.startTime.getTime() >= deadline) {
      state.terminal = {
        phase: 'Failed',
        reason: 'DeadlineExceeded',
        message: 'Pod was active on the node longer than the specified deadline',
      };
      event(state, 'Normal', 'DeadlineExceeded', state.terminal.message);
      return sync(state);
    }
    let retryInMs: number | undefined =
      deadline !== undefined ? Math.max(0, state.startTime.getTime() + deadline - now()) : undefined;
    const retry = (ms: number) => {
      retryInMs = retryInMs === undefined ? ms : Math.min(retryInMs, ms);
    };

    // Volumes first: a container must not start without them.
    let mounts: Map<string, string>;
    try {
      mounts = await ctx.volumes.setUp(pod, fields());
    } catch (err) {
      const message = err instanceof MountError ? err.message : `${(err as Error).message}`;
      event(state, 'Warning', 'FailedMount', `MountVolume.SetUp failed: ${message}`);
      for (const c of [...spec.initContainers, ...spec.containers]) {
        if (!runtimePod?.containers.get(c.name)?.length) {
          state.waiting.set(c.name, { reason: 'ContainerCreating', message: '' });
        }
      }
      retry(2_000);
      return { status: status(state, runtimePod), retryInMs };
    }

    let sandbox = readySandbox(runtimePod);
    if (!sandbox) {
      const exited = [...(runtimePod?.containers.values() ?? [])].some((l) => l.length > 0);
      if (exited && policy === 'Never' && status(state, runtimePod).phase !== 'Pending') {
        return { status: status(state, runtimePod) };
      }
      const attempt = runtimePod?.sandboxes.length ?? 0;
      try {
        await ctx.runtime.runPodSandbox({
          config: sandboxConfig(pod, ctx.logRoot, attempt),
          runtimeHandler: '',
        });
      } catch (err) {
        event(
          state,
          'Warning',
          'FailedCreatePodSandBox',
          `Failed to create pod sandbox: ${(err as Error).message}`,
        );
        retry(2_000);
        return { status: status(state, runtimePod), retryInMs };
      }
      runtimePod = await ctx.runtimePods.refresh(uid);
      sandbox = readySandbox(runtimePod);
      if (!sandbox) {
        retry(1_000);
        return { status: status(state, runtimePod), retryInMs };
      }
    }

    const instances = (name: string) => runtimePod?.containers.get(name) ?? [];
    const shouldRestart = (top: ContainerStatus) =>
      policy === 'Always' || (policy === 'OnFailure' && top.exitCode !== 0);
    /** Whether an exited instance may restart now; sets the waiting reason and the retry when it must wait. */
    const backoffOver = (c: Container, top: ContainerStatus): boolean => {
      const wait = ctx.backoff.remaining(`${uid}/${c.name}`, nsToMs(top.startedAt), nsToMs(top.finishedAt));
      if (wait <= 0) return true;
      const message = `back-off ${Math.round(wait / 1000)}s restarting failed container=${c.name} pod=${pod.metadata?.name}_${pod.metadata?.namespace}(${uid})`;
      if (state.waiting.get(c.name)?.reason !== 'CrashLoopBackOff')
        event(state, 'Warning', 'BackOff', 'Back-off restarting failed container');
      state.waiting.set(c.name, { reason: 'CrashLoopBackOff', message });
      retry(wait);
      return false;
    };

    // Init containers, one at a time, each to success.
    for (const c of spec.initContainers) {
      const [top] = instances(c.name);
      if (top?.state === ContainerState.CONTAINER_EXITED && top.exitCode === 0) continue;
      if (
        top?.state === ContainerState.CONTAINER_RUNNING ||
        top?.state === ContainerState.CONTAINER_CREATED
      ) {
        return { status: status(state, runtimePod), ...(retryInMs !== undefined ? { retryInMs } : {}) };
      }
      if (top?.state === ContainerState.CONTAINER_EXITED) {
        if (policy === 'Never') {
          state.terminal = { phase: 'Failed', reason: '', message: '' };
          return sync(state);
        }
        if (!backoffOver(c, top)) return { status: status(state, runtimePod), retryInMs };
      }
      await startContainer(state, c, sandbox.id, (top?.metadata?.attempt ?? -1) + 1, mounts);
      if (state.waiting.has(c.name)) retry(imageOrConfigRetry(state, c.image));
      runtimePod = await ctx.runtimePods.refresh(uid);
      return { status: status(state, runtimePod), ...(retryInMs !== undefined ? { retryInMs } : {}) };
    }

    // App containers: start those that never ran, restart those the policy says, kill the unhealthy.
    const keep = new Set<string>();
    await Promise.all(
      spec.containers.map(async (c) => {
        const [top] = instances(c.name);
        if (top?.state === ContainerState.CONTAINER_RUNNING) {
          const failed = ctx.prober.livenessFailed(top.id);
          if (failed) {
            const grace = Number(
              c.livenessProbe?.terminationGracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? '30',
            );
            await killContainer(
              state,
              c,
              top,
              grace,
              `Container ${c.name} failed ${failed.kind} probe, will be restarted`,
            );
            return;
          }
          keep.add(top.id);
          ctx.prober.ensure(uid, c, top.id, ctx.nodeIP);
          state.waiting.delete(c.name);
          return;
        }
        if (top?.state === ContainerState.CONTAINER_CREATED) {
          await ctx.runtime.startContainer({ containerId: top.id }).catch(() => undefined);
          return;
        }
        if (top?.state === ContainerState.CONTAINER_EXITED) {
          if (!shouldRestart(top)) {
            state.waiting.delete(c.name);
            return;
          }
          if (!backoffOver(c, top)) return;
        }
        await startContainer(state, c, sandbox.id, (top?.metadata?.attempt ?? -1) + 1, mounts);
        if (state.waiting.has(c.name)) retry(imageOrConfigRetry(state, c.image));
      }),
    );
    ctx.prober.retain(uid, keep);
    runtimePod = await ctx.runtimePods.refresh(uid);
    // Newly started containers get their probe workers on this pass, not the next.
    for (const c of spec.containers) {
      const [top] = instances(c.name);
      if (top?.state === ContainerState.CONTAINER_RUNNING) ctx.prober.ensure(uid, c, top.id, ctx.nodeIP);
    }
    if (runtimePod) await pruneInstances(runtimePod);
    return { status: status(state, runtimePod), ...(retryInMs !== undefined ? { retryInMs } : {}) };
  }

  const imageOrConfigRetry = (state: PodState, image: string): number => {
    const b = state.imageBackoff.get(image);
    return b ? Math.max(100, b.until - now()) : 2_000;
  };

  /**
   * The pod is being deleted (or its source dropped it): stop everything within the grace
   * period. Returns the final status, every container terminated.
   */
  async function terminate(state: PodState, graceSeconds: number): Promise<PodStatus> {
    const uid = state.uid;
    ctx.prober.retain(uid, new Set());
    await killPod(state, ctx.runtimePods.get(uid) ?? (await ctx.runtimePods.refresh(uid)), graceSeconds);
    const runtimePod = await ctx.runtimePods.refresh(uid);
    state.waiting.clear();
    const final = status(state, runtimePod);
    // A deleted pod ends in a terminal phase, as the kubelet reports it before the final delete.
    if (final.phase !== 'Succeeded' && final.phase !== 'Failed') {
      const all = final.containerStatuses;
      final.phase =
        all.length > 0 && all.every((s) => s.state?.terminated?.exitCode === 0) ? 'Succeeded' : 'Failed';
    }
    return final;
  }

  /** Removes what is left of a pod that no source has any more: sandboxes, containers, volumes. */
  async function cleanup(uid: string): Promise<void> {
    const runtimePod = ctx.runtimePods.get(uid) ?? (await ctx.runtimePods.refresh(uid));
    ctx.prober.retain(uid, new Set());
    for (const s of runtimePod?.sandboxes ?? []) {
      await ctx.runtime.stopPodSandbox({ podSandboxId: s.id });
      await ctx.runtime.removePodSandbox({ podSandboxId: s.id });
    }
    for (const list of runtimePod?.containers.values() ?? []) {
      for (const c of list) await ctx.runtime.removeContainer({ containerId: c.id }).catch(() => undefined);
    }
    ctx.volumes.tearDown(uid);
    ctx.backoff.forget(`${uid}/`);
    await ctx.runtimePods.refresh(uid);
  }

  return { sync, terminate, cleanup, status };
}

export type PodSyncer = ReturnType<typeof createPodSyncer>;
