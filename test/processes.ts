/**
 * Checking and ending the processes a test or a benchmark started, by pid. A pid
 * of 0 or below, or 1, never names one of them: `kill(0)` signals the caller's
 * own process group (the test runner, and whatever started it), `kill(-1)` every
 * process the caller may signal, and 1 is init. Both helpers refuse those, so a
 * pid read wrongly (an empty line read as 0, say) cannot end the run itself.
 */

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
