/**
 * What the process runtime needs to know about host processes: whether a pid
 * is still the process it started (pid and start time, so a reused pid is not
 * mistaken for a container after a restart), a process's children, and the
 * CPU and memory of a process group where there is no cgroup to ask.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** The process's start time in clock ticks since boot (Linux), or '' where unknown. */
export function processStartTime(pid: number): string {
  if (process.platform !== 'linux') return '';
  const stat = statFields(pid);
  return stat?.[19] ?? '';
}

/** Whether `pid` runs and, where start times are known, is the same process as recorded. */
export function isSameProcess(pid: number, startTime: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (process.platform !== 'linux') return true;
  const stat = statFields(pid);
  if (!stat || stat[0] === 'Z') return false;
  return startTime === '' || stat[19] === startTime;
}

/**
 * Signals the process group led by `pid` (a container's wrapper, a sandbox's holder),
 * unless that pid now belongs to another process: one whose start time is not
 * `startTime`. Linux hands out no pid that is still some group's id, so a group of ours
 * whose leader has exited can still be signalled by its id; but once the pid is reused,
 * our group was gone before, and `-pid` would name the new process's group.
 */
export function signalGroup(pid: number | undefined, signal: NodeJS.Signals, startTime = ''): void {
  // 0 would name our own group, 1 init's, and -1 (a negative) every process we may signal.
  if (pid === undefined || !Number.isInteger(pid) || pid <= 1) return;
  if (startTime !== '' && process.platform === 'linux') {
    const stat = statFields(pid);
    if (stat && stat[0] !== 'Z' && stat[19] !== startTime) return;
  }
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** Direct children of a process (Linux). */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter((s) => s !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** Every live process of a process group (Linux). */
export function groupMembers(pgid: number): number[] {
  if (process.platform !== 'linux') return [];
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statFields(Number(entry));
    if (stat && stat[2] === String(pgid) && stat[0] !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** CPU time (ns) and resident memory (bytes) of a group's processes (Linux). */
export function groupUsage(pgid: number): { cpuNanoSeconds: bigint; rssBytes: bigint } {
  const ticks = 100n; // USER_HZ on every Linux we run on
  let cpu = 0n;
  let rss = 0n;
  for (const pid of groupMembers(pgid)) {
    const stat = statFields(pid);
    if (!stat) continue;
    cpu += ((BigInt(stat[11] ?? '0') + BigInt(stat[12] ?? '0')) * 1_000_000_000n) / ticks;
    rss += BigInt(stat[21] ?? '0') * 4096n;
  }
  return { cpuNanoSeconds: cpu, rssBytes: rss };
}

/** /proc/<pid>/stat from the field after the command (state) on: index 0 is state, 2 pgrp, 19 starttime. */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text
      .slice(text.lastIndexOf(')') + 2)
      .trim()
      .split(' ');
  } catch {
    return undefined;
  }
}
