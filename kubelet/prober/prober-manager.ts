/**
 * The probe workers: one per probe of each running container, each on its own timer
 * (initialDelaySeconds, then every periodSeconds, each run bounded by timeoutSeconds),
 * counting successes and failures against the thresholds before a result flips, with
 * Kubernetes' defaults (period 10 s, timeout 1 s, failureThreshold 3, successThreshold 1).
 * Liveness and readiness wait for the startup probe. A flip is reported to the pod
 * worker, which acts on it (a liveness failure restarts the container).
 */
import type { Container, Probe } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { ContainerRuntime } from '../runtime/runtime.js';
import { runAction } from './prober.js';

export type ProbeKind = 'startup' | 'liveness' | 'readiness';

export interface ProbeFailure {
  readonly kind: ProbeKind;
  readonly message: string;
}

export interface ProberManager {
  /** Starts the probe workers of a running container (once per container id). */
  ensure(podUid: string, container: Container, containerId: string, podIP: string): void;
  /** Stops the workers of containers not in `keep` (ids). */
  retain(podUid: string, keep: ReadonlySet<string>): void;
  readiness(containerId: string): boolean;
  started(containerId: string): boolean;
  /** The container failed its liveness (or startup) probe and must be restarted. */
  livenessFailed(containerId: string): ProbeFailure | undefined;
  stopAll(): void;
}

interface Worker {
  podUid: string;
  timers: NodeJS.Timeout[];
  stopped: boolean;
}

export function createProberManager(opts: {
  runtime: ContainerRuntime;
  /** A result flipped for a container of this pod: sync it. */
  onChange(podUid: string): void;
  /** A failed probe, for the Unhealthy event. */
  onUnhealthy(podUid: string, container: Container, kind: ProbeKind, message: string): void;
}): ProberManager {
  const workers = new Map<string, Worker>();
  const ready = new Map<string, boolean>();
  const started = new Map<string, boolean>();
  const liveFailed = new Map<string, ProbeFailure>();

  const startProbe = (
    w: Worker,
    kind: ProbeKind,
    probe: Probe,
    container: Container,
    id: string,
    podIP: string,
  ) => {
    const period = (probe.periodSeconds || 10) * 1000;
    const timeout = (probe.timeoutSeconds || 1) * 1000;
    const failureThreshold = probe.failureThreshold || 3;
    const successThreshold = kind === 'readiness' ? probe.successThreshold || 1 : 1;
    let successes = 0;
    let failures = 0;
    const tick = async () => {
      if (w.stopped) return;
      if (kind !== 'startup' && started.get(id) === false) {
        w.timers.push(setTimeout(tick, period));
        return;
      }
      const result = await runAction(
        probe,
        { runtime: opts.runtime, containerId: id, container, podIP },
        timeout,
      );
      if (w.stopped) return;
      if (result.ok) {
        failures = 0;
        successes++;
        if (successes >= successThreshold) {
          if (kind === 'readiness' && ready.get(id) !== true) {
            ready.set(id, true);
            opts.onChange(w.podUid);
          }
          if (kind === 'startup' && started.get(id) !== true) {
            started.set(id, true);
            opts.onChange(w.podUid);
            return; // a startup probe stops once it succeeded
          }
        }
      } else {
        successes = 0;
        failures++;
        opts.onUnhealthy(w.podUid, container, kind, result.message);
        if (failures >= failureThreshold) {
          if (kind === 'readiness' && ready.get(id) !== false) {
            ready.set(id, false);
            opts.onChange(w.podUid);
          }
          if ((kind === 'liveness' || kind === 'startup') && !liveFailed.has(id)) {
            liveFailed.set(id, { kind, message: result.message });
            opts.onChange(w.podUid);
            return; // the container is restarted; its successor gets new workers
          }
        }
      }
      w.timers.push(setTimeout(tick, period));
    };
    w.timers.push(setTimeout(tick, (probe.initialDelaySeconds || 0) * 1000));
  };

  return {
    ensure(podUid, container, id, podIP) {
      if (workers.has(id)) return;
      const w: Worker = { podUid, timers: [], stopped: false };
      workers.set(id, w);
      if (container.startupProbe) {
        started.set(id, false);
        startProbe(w, 'startup', container.startupProbe, container, id, podIP);
      }
      if (container.readinessProbe) {
        ready.set(id, false);
        startProbe(w, 'readiness', container.readinessProbe, container, id, podIP);
      }
      if (container.livenessProbe) startProbe(w, 'liveness', container.livenessProbe, container, id, podIP);
    },
    retain(podUid, keep) {
      for (const [id, w] of workers) {
        if (w.podUid !== podUid || keep.has(id)) continue;
        w.stopped = true;
        for (const t of w.timers) clearTimeout(t);
        workers.delete(id);
        ready.delete(id);
        started.delete(id);
        liveFailed.delete(id);
      }
    },
    readiness: (id) => ready.get(id) ?? true,
    started: (id) => started.get(id) ?? true,
    livenessFailed: (id) => liveFailed.get(id),
    stopAll() {
      for (const w of workers.values()) {
        w.stopped = true;
        for (const t of w.timers) clearTimeout(t);
      }
      workers.clear();
    },
  };
}
