import type { Context } from './context.js';

/** One `whctl <name>` subcommand. */
export interface Command {
  /** One line for `whctl --help`. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /** Runs the command; resolves to the exit code. Errors it throws are printed by the caller. */
  run(args: readonly string[], ctx: Context): Promise<number>;
}
