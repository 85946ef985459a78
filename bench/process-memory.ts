/**
 * Reads the memory of processes on this machine (Linux /proc), what a process holds after
 * a full collection (through bench/memory-probe.mjs), and finds child processes by their flags.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';

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

/** Whether process `pid` has a handler for `signal` (its SigCgt mask): signalling it then does not end it. */
export function catchesSignal(pid: number, signal: NodeJS.Signals): boolean {
  const number = osConstants.signals[signal];
  try {
    const m = /^SigCgt:\s+([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] !== undefined && ((BigInt(`0x${m[1]}`) >> BigInt(number - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** What a process holds once its garbage is collected, MiB (bench/memory-probe.mjs's report). */
export interface LiveMemory {
  /** V8's heap used after the collection. */
  readonly heapUsedMiB: number;
  /** Memory outside the heap that JavaScript objects hold (Buffers, ArrayBuffers), after it. */
  readonly externalMiB: number;
  readonly rssBeforeMiB: number;
  readonly rssAfterMiB: number;
  /** How long the collections took. */
  readonly gcMs: number;
}

/**
 * Asks a process started with bench/memory-probe.mjs preloaded (NODE_OPTIONS `--import`,
 * BENCH_MEMORY_DIR=`dir`) to collect its garbage and report what it holds: SIGUSR2, then
 * its report file. Undefined when it has no handler yet (starting: the signal would end
 * it) or does not answer within `timeoutMs`. Its report files are removed once read.
 */
export async function probeLiveMemory(
  pid: number,
  dir: string,
  timeoutMs = 20_000,
): Promise<LiveMemory | undefined> {
  const mine = () => readdirSync(dir).filter((f) => f.startsWith(`memory-${pid}-`) && f.endsWith('.json'));
  const clear = () => {
    for (const f of mine()) rmSync(join(dir, f), { force: true });
  };
  clear();
  if (!catchesSignal(pid, 'SIGUSR2')) return undefined;
  try {
    process.kill(pid, 'SIGUSR2');
  } catch {
    return undefined;
  }
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    const file = mine()[0];
    if (file === undefined) continue;
    try {
      const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
        before: { rss: number };
        after: { rss: number; heapUsed: number; external: number };
        gcMs: number;
      };
      const mib = (b: number) => b / 1024 / 1024;
      return {
        heapUsedMiB: mib(report.after.heapUsed),
        externalMiB: mib(report.after.external),
        rssBeforeMiB: mib(report.before.rss),
        rssAfterMiB: mib(report.after.rss),
        gcMs: report.gcMs,
      };
    } finally {
      clear();
    }
  }
  return undefined;
}
