/**
 * The node's own CPU and memory, from /proc: what every process on the host uses, not
 * only the pods' (the kubelet's node figures come from the root cgroup in Kubernetes;
 * /proc/stat and /proc/meminfo give the same totals without cgroups).
 */
import { readFileSync } from 'node:fs';

export interface HostSample {
  /** CPU time spent busy since boot, over all cores, in core-nanoseconds. */
  readonly cpuUsageCoreNanoSeconds: bigint;
  /** MemTotal − MemAvailable: memory in use that cannot be reclaimed at once. */
  readonly memoryWorkingSetBytes: bigint;
  /** MemTotal − MemFree: everything in use, page cache included. */
  readonly memoryUsageBytes: bigint;
  /** MemAvailable. */
  readonly memoryAvailableBytes: bigint;
}

/** Linux reports /proc/stat in USER_HZ ticks, which is 100 on every architecture it runs on. */
const nanosecondsPerTick = 10_000_000n;

/**
 * Busy CPU time from the aggregate `cpu` line of /proc/stat: user, nice, system, irq,
 * softirq and steal ticks. Idle and iowait are time the CPU did not work; guest time is
 * already counted in user and nice.
 */
export function parseProcStat(text: string): bigint {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (line === undefined) throw new Error('/proc/stat has no aggregate "cpu" line');
  const ticks = line
    .trim()
    .split(/\s+/)
    .slice(1)
    .map((v) => BigInt(v));
  const [user = 0n, nice = 0n, system = 0n, , , irq = 0n, softirq = 0n, steal = 0n] = ticks;
  return (user + nice + system + irq + softirq + steal) * nanosecondsPerTick;
}

/** MemTotal, MemFree and MemAvailable from /proc/meminfo, in bytes. */
export function parseMeminfo(text: string): { total: bigint; free: bigint; available: bigint } {
  const kib = (name: string): bigint => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m?.[1]) throw new Error(`/proc/meminfo has no ${name}`);
    return BigInt(m[1]) * 1024n;
  };
  const total = kib('MemTotal');
  const free = kib('MemFree');
  // Kernels before 3.14 lack MemAvailable; free memory is the closest they say.
  const available = /^MemAvailable:/m.test(text) ? kib('MemAvailable') : free;
  return { total, free, available };
}

/** Reads the host's figures now; `proc` is the procfs mount (tests point it elsewhere). */
export function readHostSample(proc = '/proc'): HostSample {
  const mem = parseMeminfo(readFileSync(`${proc}/meminfo`, 'utf8'));
  return {
    cpuUsageCoreNanoSeconds: parseProcStat(readFileSync(`${proc}/stat`, 'utf8')),
    memoryWorkingSetBytes: mem.total > mem.available ? mem.total - mem.available : 0n,
    memoryUsageBytes: mem.total > mem.free ? mem.total - mem.free : 0n,
    memoryAvailableBytes: mem.available,
  };
}
