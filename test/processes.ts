/**
 * Checking and ending the processes a test or a benchmark started, by pid. A pid
 * of 0 or below, or 1, never names one of them: `kill(0)` signals the caller's
 * own process group (the test runner, and whatever started it), `kill(-1)` every
 * process the caller may signal, and 1 is init. Both helpers refuse those, so a
 * pid read wrongly (an empty line read as 0, say) cannot end the run itself.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

/** Whether `pid` names a process of ours that still runs. */
export function isAlive(pid: number | undefined): boolean {
  if (!isOwnPid(pid)) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to the process `pid` if it still runs; whether it was sent. */
export function killProcess(pid: number | undefined, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  if (!isOwnPid(pid)) return false;
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

function isOwnPid(pid: number | undefined): pid is number {
  return pid !== undefined && Number.isInteger(pid) && pid > 1;
}

/**
 * Resolves with a child's exit code once it has exited and what it wrote has been read.
 * `exit` can come before the last of its stdout and stderr has been read, and `close`
 * never comes while an orphan it left holds the pipes: so this waits for `close` at most
 * `graceMs` after the exit. Call it before the child can have exited.
 */
export async function exitedWithOutput(child: ChildProcess, graceMs = 5_000): Promise<number | null> {
  const closed = once(child, 'close');
  const [code] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([closed, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  return code;
}
