/**
 * CPU time of other processes, from /proc/<pid>/stat (Linux only): user + system time of
 * every thread, in seconds. A benchmark on a shared machine judges a change by CPU per
 * operation, which moves far less with the machine's load than throughput does.
 */
import { readFileSync } from 'node:fs';

/** Linux reports /proc/<pid>/stat times in USER_HZ ticks, 100 a second on every architecture. */
const TICKS_PER_SECOND = 100;

/** CPU seconds `pid` has used so far; 0 once it is gone (or off Linux). */
export function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
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
