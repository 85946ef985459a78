/**
 * `wheelhouse store` as a child process on a free loopback port, without metrics, as the
 * tests that need the real process (a crash, thread priorities) start it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoreProcess {
  readonly child: ChildProcess;
  /** What the process wrote to stderr so far (warnings and errors only). */
  stderr(): string;
  /** Resolves to the bound port once it serves; rejects if it exits first or takes over `timeoutMs`. */
  port(timeoutMs?: number): Promise<number>;
  /** Resolves to the exit code once the process has exited and its stderr is read. */
  exited(): Promise<number | null>;
}

let started = 0;

/** Starts a store on `dataDir` with `extraArgs` after the usual flags. */
export function spawnStore(dataDir: string, extraArgs: readonly string[] = []): StoreProcess {
  const portFile = join(dataDir, `port-${process.pid}-${started++}`);
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(import.meta.dirname, 'main-entry.ts'),
      '--data-dir',
      dataDir,
      '--listen',
      '127.0.0.1:0',
      '--metrics-listen',
      '',
      '--port-file',
      portFile,
      ...extraArgs,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' } },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  // 'close' rather than 'exit': stderr has been read to its end by then.
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exited: () => exit,
    async port(timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(portFile)) {
        if (child.exitCode !== null) throw new Error(`the store exited with ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`the store did not start: ${stderr}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return Number(readFileSync(portFile, 'utf8'));
    },
  };
}
