/**
 * CPU time of other processes, from /proc/<pid>/stat (Linux only): user + system time of
 * every thread, in seconds. A benchmark on a shared machine judges a change by CPU per
 * operation, which moves far less with the machine's load than throughput does.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Linux reports /proc/<pid>/stat times in USER_HZ ticks, 100 a second on every architecture. */
const TICKS_PER_SECOND = 100;

/** CPU seconds `pid` has used so far; 0 once it is gone (or off Linux). */
export function cpuSecondsOf(pid: number | undefined): number {
  return pid === undefined ? 0 : statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of the main thread of `pid` alone (its JavaScript, for Node): a process
 * whose main thread is busy all the time is the bottleneck of what it serves, however
 * idle the machine's other cores, since its helper threads (GC, I/O) cannot take over.
 */
export function mainThreadCpuSecondsOf(pid: number | undefined): number {
  return pid === undefined ? 0 : statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * The share of a core the main thread of `pid` is busy from now until the returned
 * function is called (0.97: 97 % of the time).
 */
export function mainThreadBusy(pid: number | undefined): () => number {
  const cpu0 = mainThreadCpuSecondsOf(pid);
  const t0 = performance.now();
  return () => (mainThreadCpuSecondsOf(pid) - cpu0) / Math.max(1e-3, (performance.now() - t0) / 1000);
}

function statCpuSeconds(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return 0;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields 14 (utime) and 15 (stime) of the whole line are 11 and 12 after the command.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of this process so far (every thread). */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}
