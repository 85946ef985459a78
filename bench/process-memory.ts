/** Reads the memory of processes on this machine (Linux /proc), and finds child processes by their flags. */
import { readdirSync, readFileSync } from 'node:fs';

/** Resident set size of a process in bytes (VmRSS of /proc/<pid>/status). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!m?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/**
 * The pid of this process's child whose command line holds every one of `args`
 * (in any order), e.g. the apiserver started with `--store-servers 127.0.0.1:<port>`.
 */
export function findChild(args: readonly string[]): number {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The parent pid is the second field after the parenthesised command name.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (args.every((a) => argv.includes(a))) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  if (found.length !== 1) throw new Error(`expected one child with ${args.join(' ')}, found ${found.length}`);
  return found[0]!;
}
