/**
 * What a scale run records over time, for its summary and its report: every component's
 * resident memory and CPU seconds (simulator hosts summed), each process's own resident
 * memory and pid, the pods live and running, sampled at a fixed period;
 * each pod's startup latency when it was seen running; and marks (phases, faults).
 */
import type { ProcessSample } from './memory-verdict.js';
import type { Plane } from './plane.js';
import type { PodTracker } from './pod-tracker.js';

export interface Sample {
  /** Seconds since the timeline started. */
  readonly t: number;
  readonly rssMiB: Record<string, number>;
  readonly cpuSeconds: Record<string, number>;
  /** Every process by its own name (each simulator host apart), with the pid it had then. */
  readonly processes: Record<string, ProcessSample>;
  readonly pods: number;
  readonly running: number;
}

export interface Timeline {
  readonly samples: Sample[];
  /** [seconds since start when seen running, created → seen running in ms]. */
  readonly startups: [number, number][];
  /** [seconds since start, label]. */
  readonly marks: [number, string][];
  /** [seconds since start, slowest mutating API call p99 (ms) over the period before]. */
  readonly apiP99?: [number, number][];
}

export interface Recorder {
  readonly timeline: Timeline;
  /** Seconds since the start. */
  now(): number;
  mark(label: string): void;
  /** Takes one sample at once (also taken every period). */
  sample(): Sample;
  stop(): void;
}

/** Samples `plane` every `periodMs` from now; pods from `tracker`. */
export function record(plane: Plane, tracker: PodTracker, periodMs: number): Recorder {
  const t0 = Date.now();
  const timeline: Timeline = { samples: [], startups: [], marks: [] };
  const counted = new Set<string>();
  const now = () => (Date.now() - t0) / 1000;
  const sample = (): Sample => {
    const rssMiB: Record<string, number> = {};
    const cpuSeconds: Record<string, number> = {};
    const processes: Record<string, ProcessSample> = {};
    for (const p of plane.processes()) {
      // Simulator hosts are summed under one name, so that a host that joins or leaves keeps the plot readable.
      const name = p.name.startsWith('kubelet-simulator') ? 'kubelet-simulator' : p.name;
      const pid = p.pid;
      const mib = p.residentBytes() / 1024 / 1024;
      rssMiB[name] = (rssMiB[name] ?? 0) + mib;
      cpuSeconds[name] = (cpuSeconds[name] ?? 0) + p.cpuSeconds();
      processes[p.name] = { pid, rssMiB: mib };
    }
    for (const [uid, times] of tracker.times) {
      if (counted.has(uid) || times.observed === undefined) continue;
      counted.add(uid);
      timeline.startups.push([(times.observed - t0) / 1000, times.observed - times.created]);
    }
    const s: Sample = {
      t: now(),
      rssMiB,
      cpuSeconds,
      processes,
      pods: tracker.live.size,
      running: tracker.running(),
    };
    timeline.samples.push(s);
    return s;
  };
  const timer = setInterval(sample, periodMs);
  timer.unref();
  return {
    timeline,
    now,
    mark: (label) => {
      timeline.marks.push([now(), label]);
    },
    sample,
    stop: () => clearInterval(timer),
  };
}
