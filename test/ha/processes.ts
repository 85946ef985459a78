/**
 * Real processes for the high-availability tests: each started with a command line,
 * ready once a line of its stdout matches, stoppable (or killed) by its own pid, and
 * all of them stopped by one `stopAll()` that a test calls in `after`, even on failure.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

export interface TestProcess {
  readonly name: string;
  readonly pid: number;
  /** The match of the ready pattern on stdout. */
  readonly ready: RegExpExecArray;
  /** Everything it wrote (stdout and stderr, interleaved; the last ~200 kB). */
  output(): string;
  readonly exited: Promise<void>;
  alive(): boolean;
  /** Sends `signal` (SIGTERM by default), then waits for the exit (SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ProcessGroup {
  start(
    name: string,
    argv: readonly string[],
    opts: {
      /** A line pattern on stdout, or a file the process writes once serving (a port file). */
      ready: RegExp | { file: string };
      env?: NodeJS.ProcessEnv;
      timeoutMs?: number;
      command?: string;
    },
  ): Promise<TestProcess>;
  /** Every process started and still running, stopped with SIGTERM then SIGKILL. */
  stopAll(): Promise<void>;
}

export function createProcessGroup(): ProcessGroup {
  const started = new Set<TestProcess>();
  return {
    async start(name, argv, opts) {
      const child: ChildProcess = spawn(opts.command ?? process.execPath, [...argv], {
        env: {
          ...process.env,
          WHEELHOUSE_LOG_LEVEL: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn',
          ...opts.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      const append = (d: Buffer) => {
        out += d.toString();
        if (out.length > 400_000) out = out.slice(-200_000);
      };
      child.stdout?.on('data', append);
      child.stderr?.on('data', append);
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const alive = () => child.exitCode === null && child.signalCode === null;
      let readyMatch: RegExpExecArray | undefined;
      const proc: TestProcess = {
        name,
        pid: child.pid ?? 0,
        get ready() {
          return readyMatch as RegExpExecArray;
        },
        output: () => out,
        exited,
        alive,
        async stop(signal = 'SIGTERM') {
          if (!alive()) return;
          child.kill(signal);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      };
      started.add(proc);
      void exited.then(() => started.delete(proc));
      readyMatch = await new Promise<RegExpExecArray>((resolve, reject) => {
        let stdout = '';
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(
            new Error(
              `${name} was not ready in time:\n${out.slice(process.env.HA_TEST_FULL_OUTPUT ? 0 : -3000)}`,
            ),
          );
        }, opts.timeoutMs ?? 30_000);
        const { ready } = opts;
        if (ready instanceof RegExp) {
          const onData = (d: Buffer) => {
            stdout += d.toString();
            const m = ready.exec(stdout);
            if (m) {
              clearTimeout(timer);
              child.stdout?.off('data', onData);
              resolve(m);
            }
          };
          child.stdout?.on('data', onData);
        } else {
          const poll = setInterval(() => {
            if (!existsSync(ready.file)) return;
            clearInterval(poll);
            clearTimeout(timer);
            const m = /(.*)/.exec(readFileSync(ready.file, 'utf8').trim()) as RegExpExecArray;
            resolve(m);
          }, 50);
          void exited.then(() => clearInterval(poll));
        }
        void exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}):\n${out.slice(-3000)}`));
        });
      });
      return proc;
    },
    async stopAll() {
      await Promise.all([...started].map((p) => p.stop()));
    },
  };
}

/** Polls `fn` until it returns something other than undefined; fails naming `what` after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
