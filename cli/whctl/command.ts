import type { Context } from './context.js';

/** One `whctl <name>` subcommand. */
export interface Command {
  /** One line for `whctl --help`. */
  readonly summary: string;
  /** The full `--help` text. */
  readonly help: string;
  /**
   * The help of the subcommand `args` name (`create service nodeport`), for commands
   * made of subcommands; absent, or undefined for args that name none, means `help`.
   */
  helpFor?(args: readonly string[]): string | undefined;
  /** Runs the command; resolves to the exit code. Errors it throws are printed by the caller. */
  run(args: readonly string[], ctx: Context): Promise<number>;
}
