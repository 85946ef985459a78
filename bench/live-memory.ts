/**
 * What the plane's control-plane processes hold after a full garbage collection, read
 * at a fixed period: each process preloads bench/memory-probe.mjs, which on SIGUSR2
 * collects twice and reports V8's heap used and the memory JavaScript objects hold
 * outside it (external: Buffers, ArrayBuffers).
 *
 * Resident memory is a poor measure of what a Node process keeps: V8 sizes its heap by
 * how much it allocates, and grows it between major collections long before it is under
 * pressure, so a process whose live objects are flat can show resident memory rising
 * for minutes. The heap used after a collection is what it keeps.
 *
 * Each probe pauses the process for its collections (milliseconds for a heap of tens of
 * MiB), so probes run only inside the window being judged.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type { Plane } from './plane.js';
import { type LiveMemory, probeLiveMemory } from './process-memory.js';

const PROBE = new URL('./memory-probe.mjs', import.meta.url).pathname;

/** Sets the environment so that processes started until `restore()` preload the probe, reporting into a new dir under `parent`. */
export function preloadMemoryProbe(parent: string): { dir: string; restore(): void } {
  const dir = mkdtempSync(join(parent, 'soak-memory-'));
  const saved = { NODE_OPTIONS: process.env.NODE_OPTIONS, BENCH_MEMORY_DIR: process.env.BENCH_MEMORY_DIR };
  process.env.NODE_OPTIONS = `${saved.NODE_OPTIONS ?? ''} --import ${PROBE}`.trim();
  process.env.BENCH_MEMORY_DIR = dir;
  return {
    dir,
    restore() {
      for (const [k, v] of Object.entries(saved))
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
    },
  };
}

/**
 * One reading: seconds on the caller's clock, the process's pid, what it held, and, where
 * the caller reads one, the MiB of state bounded by design it held then (`held` below).
 */
export interface LiveReading {
  readonly t: number;
  readonly pid: number;
  readonly memory: LiveMemory;
  readonly heldMiB?: number;
}

export interface LiveProbes {
  /** Readings by process name, oldest first. */
  readonly readings: ReadonlyMap<string, readonly LiveReading[]>;
  /** Stops probing; resolves once a probe under way has finished. */
  stop(): Promise<void>;
}

/**
 * Probes every control-plane process of `plane` (not the simulator hosts) each
 * `periodMs`, once `now()` has reached `fromS`; processes that do not answer (starting,
 * restarting, starved) leave a gap. `held`, when given, is read right after each of a
 * process's probes: the MiB of state it holds by design and that the workload moves up and
 * down (undefined: none), for the verdict to set beside its live memory.
 */
export function probeControlPlane(
  plane: Plane,
  opts: {
    readonly dir: string;
    readonly periodMs: number;
    readonly fromS: number;
    readonly now: () => number;
    readonly held?: (name: string) => Promise<number | undefined>;
  },
): LiveProbes {
  const readings = new Map<string, LiveReading[]>();
  let stopped = false;
  let wake: () => void = () => undefined;
  const loop = (async () => {
    while (!stopped) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, opts.periodMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (stopped || opts.now() < opts.fromS) continue;
      for (const p of plane.processes()) {
        if (stopped) break;
        if (p.name.startsWith('kubelet-simulator')) continue;
        const pid = p.pid;
        if (pid === 0) continue;
        const memory = await probeLiveMemory(pid, opts.dir).catch(() => undefined);
        if (memory === undefined) continue;
        const heldMiB = await opts.held?.(p.name).catch(() => undefined);
        let list = readings.get(p.name);
        if (list === undefined) {
          list = [];
          readings.set(p.name, list);
        }
        list.push({ t: opts.now(), pid, memory, ...(heldMiB === undefined ? {} : { heldMiB }) });
      }
    }
  })();
  return {
    readings,
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
