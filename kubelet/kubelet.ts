/**
 * The kubelet's main loop: pods come from the API (those bound to this node) and from
 * static manifests; a worker per pod drives the runtime towards each pod's spec and
 * reports status; the runtime is relisted every second (the PLEG), so that exits, and
 * containers found after a restart, wake their pod's worker. Pods the runtime holds
 * that no source wants any more are stopped and removed — once the API's pods are
 * known, so that a restarted kubelet adopts its pods instead of killing them.
 */
import type { Clientset } from '../sdk/client/typed-client.js';
import { updatePodStatusesStream } from '../sdk/client/update-pod-statuses-stream.js';
import { ApiError, Code } from '../sdk/errors.js';
import type { EventRecorder } from '../sdk/events/index.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { DeletedFinalStateUnknown, type InformerFactory } from '../sdk/informers/index.js';
import type { Logger } from '../sdk/logger.js';
import { admitPod } from './pods/admission.js';
import { createCrashLoopBackoff } from './pods/crash-loop-backoff.js';
import type { ObjectSource } from './pods/object-source.js';
import { createPodSyncer, type PodState } from './pods/pod-syncer.js';
import { createPodWorkers } from './pods/pod-workers.js';
import { createRuntimePods } from './pods/runtime-pods.js';
import { createProberManager } from './prober/prober-manager.js';
import type { ContainerRuntime } from './runtime/runtime.js';
import { createStatusManager } from './status/status-manager.js';
import { createVolumeManager } from './volumes/volume-manager.js';

export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';
export const CONFIG_SOURCE_ANNOTATION = 'kubernetes.io/config.source';

export interface KubeletOptions {
  readonly nodeName: string;
  readonly nodeIP: string;
  readonly runtime: ContainerRuntime;
  readonly runtimeName: string;
  readonly clients: Clientset;
  readonly informers: InformerFactory;
  readonly events: EventRecorder;
  readonly logger: Logger;
  readonly rootDir: string;
  readonly logRoot: string;
  readonly objects: ObjectSource;
  readonly allocatable: () => Readonly<Record<string, string>>;
  /** How often the runtime is relisted (default 1 s). */
  readonly relistPeriodMs?: number;
  /** How often every pod is synced even when nothing changed (default 10 s): volumes refresh, deadlines. */
  readonly resyncPeriodMs?: number;
  /** CrashLoopBackOff's first and largest waits (default 10 s and 5 min). */
  readonly backoff?: { initialMs: number; maxMs: number };
}

export interface Kubelet {
  run(signal: AbortSignal): Promise<void>;
  /** Pods with a running worker or containers in the runtime. */
  runningPods(): number;
  /** Adds, updates or removes (pod undefined) a pod of a source other than the API: static pods. */
  setStaticPod(uid: string, pod: Pod | undefined): void;
  /** A pod bound to this node as the API has it (from the cache). */
  apiPod(namespace: string, name: string): Pod | undefined;
  /**
   * Stops and removes every pod this kubelet runs, as a node shutdown does: the API's pods
   * first, all at once, then static pods in groups by `stopOrderOf` (ascending; a group at a
   * time, its pods at once). Each gets its own grace period, at most `gracePeriodCapSeconds`.
   * Call it only after `run` has returned: no worker may act on a pod meanwhile.
   */
  stopAllPods(opts: { gracePeriodCapSeconds: number; stopOrderOf: (pod: Pod) => number }): Promise<void>;
}

const isMirror = (pod: Pod) => pod.metadata?.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;

export function createKubelet(opts: KubeletOptions): Kubelet {
  const { logger, runtime } = opts;
  const pods = opts.clients.kind<Pod>('Pod');
  const informer = opts.informers.informerFor<Pod>('Pod', {
    fieldSelector: `spec.nodeName=${opts.nodeName}`,
  });
  const runtimePods = createRuntimePods(runtime);
  const statusManager = createStatusManager(updatePodStatusesStream(opts.clients.api), logger);
  const volumes = createVolumeManager({
    rootDir: opts.rootDir,
    objects: opts.objects,
    allocatable: opts.allocatable,
  });
  const states = new Map<string, PodState>();
  const staticPods = new Map<string, Pod>();
  /** Uids whose final delete or cleanup is done; their later events are ignored. */
  const finished = new Set<string>();
  const admitted = new Set<string>();

  const apiPodOf = (state: PodState): Pod | undefined => {
    if (!staticPods.has(state.uid)) return state.pod;
    const m = state.pod.metadata;
    return informer.indexer.get(`${m?.namespace}/${m?.name}`) as Pod | undefined;
  };

  let workers: ReturnType<typeof createPodWorkers>;
  const prober = createProberManager({
    runtime,
    onChange: (uid) => workers.enqueue(uid),
    onUnhealthy: (uid, container, kind, message) => {
      const state = states.get(uid);
      if (state) {
        opts.events.event(
          apiPodOf(state) ?? state.pod,
          'Warning',
          'Unhealthy',
          `${kind[0]?.toUpperCase()}${kind.slice(1)} probe failed: ${message}`,
        );
      }
      void container;
    },
  });
  const syncer = createPodSyncer({
    runtime,
    runtimeName: opts.runtimeName,
    runtimePods,
    volumes,
    objects: opts.objects,
    prober,
    backoff: createCrashLoopBackoff(opts.backoff ?? {}),
    events: opts.events,
    logger,
    nodeIP: opts.nodeIP,
    logRoot: opts.logRoot,
    allocatable: opts.allocatable,
    eventObject: (state) => apiPodOf(state) ?? state.pod,
  });

  /** The pod a source wants for this uid, if any. */
  const desired = (uid: string): Pod | undefined => {
    const s = staticPods.get(uid);
    if (s) return s;
    const p = informer.indexer.list().find((x) => x.metadata?.uid === uid) as Pod | undefined;
    return p && !isMirror(p) ? p : undefined;
  };

  const writeStatus = async (state: PodState, status: Parameters<typeof statusManager.setPodStatus>[1]) => {
    const apiPod = apiPodOf(state);
    if (apiPod) await statusManager.setPodStatus(apiPod, status);
  };

  // No pass before the runtime was listed once: a pod found there is adopted, not started again.
  let listed: () => void = () => undefined;
  const firstList = new Promise<void>((resolve) => {
    listed = resolve;
  });

  const pass = async (uid: string): Promise<number | undefined> => {
    await firstList;
    if (finished.has(uid)) return undefined;
    const pod = desired(uid);
    let state = states.get(uid);
    if (!pod) {
      // No source wants it: stop and remove whatever is left.
      const grace = Number(state?.pod.spec?.terminationGracePeriodSeconds ?? '30');
      if (state) await syncer.terminate(state, staticPods.has(uid) ? grace : 0);
      await syncer.cleanup(uid);
      states.delete(uid);
      admitted.delete(uid);
      statusManager.forget(uid);
      return undefined;
    }
    if (!state) {
      state = {
        uid,
        pod,
        startTime: pod.status?.startTime ?? new Date(),
        waiting: new Map(),
        imageBackoff: new Map(),
      };
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        state.terminal = { phase, reason: pod.status?.reason ?? '', message: pod.status?.message ?? '' };
      }
      states.set(uid, state);
    }
    state.pod = pod;

    if (pod.metadata?.deletionTimestamp) {
      const grace = Number(pod.metadata.deletionGracePeriodSeconds ?? '0');
      const final = await syncer.terminate(state, grace);
      await writeStatus(state, final).catch(() => undefined);
      await pods
        .delete(pod.metadata.namespace, pod.metadata.name, {
          gracePeriodSeconds: '0',
          preconditions: { uid, resourceVersion: '' },
        })
        .catch((err: unknown) => {
          if (!(err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)))
            throw err;
        });
      await syncer.cleanup(uid);
      finished.add(uid);
      states.delete(uid);
      admitted.delete(uid);
      return undefined;
    }

    if (!admitted.has(uid) && !state.terminal) {
      // Pods already running (found after a restart) were admitted before.
      const others = [...admitted].map((u) => states.get(u)?.pod).filter((p): p is Pod => p !== undefined);
      const refusal = runtimePods.get(uid) ? undefined : admitPod(pod, others, opts.allocatable());
      if (refusal) {
        state.terminal = { phase: 'Failed', ...refusal };
        opts.events.event(apiPodOf(state) ?? pod, 'Warning', refusal.reason, refusal.message);
      } else {
        admitted.add(uid);
      }
    }
    const { status, retryInMs } = await syncer.sync(state);
    if (state.terminal) admitted.delete(uid);
    await writeStatus(state, status);
    return retryInMs;
  };

  workers = createPodWorkers(pass, (uid, err) => logger.warn({ err, uid }, 'failed to sync a pod; retrying'));

  const podHandler = {
    onAdd: (p: Pod) => {
      if (!isMirror(p)) workers.enqueue(p.metadata?.uid ?? '');
      else
        for (const s of staticPods.values())
          if (s.metadata?.name === p.metadata?.name) workers.enqueue(s.metadata?.uid ?? '');
    },
    onUpdate: (_old: Pod, p: Pod) => podHandler.onAdd(p),
    onDelete: (p: Pod | DeletedFinalStateUnknown<Pod>) => {
      const pod = p instanceof DeletedFinalStateUnknown ? p.object : p;
      podHandler.onAdd(pod);
    },
  };
  informer.addEventHandler(podHandler);

  return {
    runningPods: () => runtimePods.all().length,
    apiPod: (namespace, name) => informer.indexer.get(`${namespace}/${name}`) as Pod | undefined,
    setStaticPod(uid, pod) {
      if (pod) staticPods.set(uid, pod);
      else staticPods.delete(uid);
      finished.delete(uid);
      workers?.enqueue(uid);
    },
    async run(signal) {
      const relistMs = opts.relistPeriodMs ?? 1_000;
      const resyncMs = opts.resyncPeriodMs ?? 10_000;
      await runtimePods.relist().catch((err: unknown) => logger.warn({ err }, 'failed to list the runtime'));
      listed();
      // The PLEG runs from the start, before the API answers (a standalone kubelet restarts
      // its static pods, even the apiserver's); until the API's pods are known, only pods a
      // file source wants are woken, so that no pod of the API is taken for an orphan.
      let synced = false;
      void informer.waitForSync(signal).then((ok) => {
        if (!ok) return;
        synced = true;
        logger.info({ adopted: runtimePods.all().length }, 'pods found in the runtime');
        for (const p of runtimePods.all()) workers.enqueue(p.uid);
      });
      const wake = (uid: string) => {
        if (synced || staticPods.has(uid)) workers.enqueue(uid);
      };
      let lastResync = Date.now();
      while (!signal.aborted) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, relistMs);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
        if (signal.aborted) break;
        try {
          for (const uid of await runtimePods.relist()) wake(uid);
        } catch (err) {
          logger.warn({ err }, 'failed to relist the runtime');
        }
        if (Date.now() - lastResync >= resyncMs) {
          lastResync = Date.now();
          for (const uid of states.keys()) workers.enqueue(uid);
          for (const p of runtimePods.all()) if (!states.has(p.uid)) wake(p.uid);
        }
      }
      prober.stopAll();
      workers.stop();
      await workers.drain();
    },
    async stopAllPods({ gracePeriodCapSeconds, stopOrderOf }) {
      await runtimePods.relist().catch(() => undefined);
      const uids = new Set([...states.keys(), ...runtimePods.all().map((p) => p.uid)]);
      const stop = async (uid: string) => {
        const state = states.get(uid);
        try {
          if (state) {
            const grace = Number(state.pod.spec?.terminationGracePeriodSeconds ?? '30');
            await syncer.terminate(state, Math.min(grace, gracePeriodCapSeconds));
          }
          await syncer.cleanup(uid);
        } catch (err) {
          logger.warn({ err, uid }, 'failed to stop a pod on shutdown');
        }
        states.delete(uid);
      };
      const groups = new Map<number, string[]>();
      for (const uid of uids) {
        const s = staticPods.get(uid);
        const order = s ? stopOrderOf(s) : Number.NEGATIVE_INFINITY;
        groups.set(order, [...(groups.get(order) ?? []), uid]);
      }
      for (const order of [...groups.keys()].sort((a, b) => a - b)) {
        const group = groups.get(order) ?? [];
        logger.info(
          { pods: group.map((uid) => states.get(uid)?.pod.metadata?.name ?? uid) },
          'stopping pods on shutdown',
        );
        await Promise.all(group.map(stop));
      }
    },
  };
}
