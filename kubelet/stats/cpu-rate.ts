/**
 * CPU usage as a rate: a cumulative CPU-time counter sampled twice gives the cores in
 * use over the interval between the samples, as cadvisor and metrics-server compute it.
 * One sample gives nothing: a rate needs a window.
 */

/** A reading of a cumulative CPU-time counter. */
export interface CpuSample {
  /** When it was read, in nanoseconds since the epoch. */
  readonly atNs: bigint;
  /** CPU time used so far, in core-nanoseconds. */
  readonly usageCoreNanoSeconds: bigint;
}

export interface CpuRate {
  /** Cores in use over the window, in billionths of a core (1e9 is one core busy). */
  readonly usageNanoCores: bigint;
  /** The time between the two samples, in nanoseconds. */
  readonly windowNs: bigint;
}

/**
 * The rate between `previous` and `current`, or undefined when there is none to tell:
 * no previous sample, samples not in time order, or a counter that went backwards
 * (the container restarted, or a process it counted exited), where any figure would be a
 * guess — the next pair of samples gives a true one.
 */
export function cpuRate(previous: CpuSample | undefined, current: CpuSample): CpuRate | undefined {
  if (previous === undefined) return undefined;
  const windowNs = current.atNs - previous.atNs;
  if (windowNs <= 0n) return undefined;
  const used = current.usageCoreNanoSeconds - previous.usageCoreNanoSeconds;
  if (used < 0n) return undefined;
  return { usageNanoCores: (used * 1_000_000_000n) / windowNs, windowNs };
}
