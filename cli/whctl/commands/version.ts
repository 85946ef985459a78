/** `whctl version`: this client's version, and whether the configured apiserver answers. */
import { readFileSync } from 'node:fs';
import { channelCredentials, channelOptions } from '../../../sdk/credentials.js';
import { checkHealth } from '../../health-check.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { UsageError } from '../usage-error.js';

export function clientVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return `v${pkg.version ?? '0.0.0'}`;
}

export const versionCommand: Command = {
  summary: 'Print the client version and the apiserver it talks to',
  help: `Print the client version, and the apiserver of the client config with its health.

Usage:
  whctl version [--client] [--config FILE]
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, {
      config: { type: 'string' },
      client: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    ctx.io.write(`Client Version: ${clientVersion()}\n`);
    if (values.client) return 0;
    const config = ctx.config(values.config);
    let health: string;
    try {
      health = (
        await checkHealth(config.server, channelCredentials(config), { options: channelOptions(config) })
      ).toLowerCase();
    } catch (err) {
      health = `unreachable: ${(err as ServiceErrorLike).details ?? (err as Error).message}`;
    }
    ctx.io.write(`Server: ${config.server} (${health})\nConfig: ${config.path}\n`);
    return health === 'serving' ? 0 : 1;
  },
};

interface ServiceErrorLike {
  details?: string;
}
