/**
 * `whctl <command>`: dispatches to one command module each, prints what a
 * command throws, and resolves to the exit code.
 */
import type { Command } from './command.js';
import { apiResourcesCommand } from './commands/api-resources.js';
import { applyCommand } from './commands/apply.js';
import { authCommand } from './commands/auth.js';
import { createCommand } from './commands/create.js';
import { deleteCommand } from './commands/delete.js';
import { execCommand } from './commands/exec.js';
import { getCommand } from './commands/get.js';
import { rolloutCommand } from './commands/rollout.js';
import { versionCommand } from './commands/version.js';
import { type CommandIo, createContext } from './context.js';
import { formatError } from './report-error.js';
import { UsageError } from './usage-error.js';

export const commands: Readonly<Record<string, Command>> = {
  get: getCommand,
  apply: applyCommand,
  create: createCommand,
  delete: deleteCommand,
  exec: execCommand,
  rollout: rolloutCommand,
  'api-resources': apiResourcesCommand,
  auth: authCommand,
  version: versionCommand,
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `whctl controls a Wheelhouse cluster.

Usage: whctl <command> [flags]

Commands:
${lines.join('\n')}

The client config is read from --config, $WHEELHOUSE_CONFIG, ./.wheelhouse/admin.yaml
or ~/.wheelhouse/config, first found. Run 'whctl <command> --help' for a command's flags.
`;
}

export async function runWhctl(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.writeError : io.write)(usage());
    return name === undefined ? 1 : 0;
  }
  const command = commands[name];
  if (!command) {
    io.writeError(`error: unknown command "${name}" for "whctl"\n\n${usage()}`);
    return 1;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.write(command.help);
    return 0;
  }
  const ctx = createContext(io);
  try {
    return await command.run(args, ctx);
  } catch (err) {
    io.writeError(formatError(err));
    if (err instanceof UsageError) io.writeError(`See 'whctl ${name} --help' for usage.\n`);
    return 1;
  } finally {
    ctx.close();
  }
}
