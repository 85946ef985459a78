/** A CommandIo for tests: collects what a command prints, with a fixed clock and a given stdin. */
import type { CommandIo } from './context.js';

export interface TestIo extends CommandIo {
  readonly out: () => string;
  readonly err: () => string;
  /** Ctrl-C. */
  readonly interrupt: () => void;
}

export function testIo(opts: { cwd: string; env?: NodeJS.ProcessEnv; stdin?: string; now?: Date }): TestIo {
  let out = '';
  let err = '';
  const interrupt = new AbortController();
  return {
    write: (text) => {
      out += text;
    },
    writeError: (text) => {
      err += text;
    },
    readStdin: async () => opts.stdin ?? '',
    env: opts.env ?? {},
    cwd: opts.cwd,
    signal: interrupt.signal,
    now: () => opts.now ?? new Date(),
    out: () => out,
    err: () => err,
    interrupt: () => interrupt.abort(),
  };
}
