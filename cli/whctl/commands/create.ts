/** `whctl create -f`: create every object of the manifests; existing ones are errors. */
import type { Command } from '../command.js';
import { dryRunOf, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix, manifestFlags } from './apply.js';
import { createTokenCommand } from './create-token.js';

/** `whctl create <what> ...` forms besides `-f`, each a command of its own. */
const subcommands: Readonly<Record<string, Command>> = { token: createTokenCommand };

export const createCommand: Command = {
  summary: 'Create resources from files or standard input',
  help: `Create resources from manifests; an object that already exists is an error (see apply).

Usage:
  whctl create -f FILENAME [-f FILENAME...] [flags]
  whctl create token SERVICE_ACCOUNT [-n NS] [--duration 1h] [--audience AUD]
                                      print a token of the ServiceAccount

Flags:
  -f, --filename PATH     file, folder (its .yaml/.yml/.json files) or - for standard input
  -R, --recursive         also read the sub-folders of folders given with -f
  -n, --namespace NS      namespace for objects that name none (default "default")
      --dry-run[=MODE]    server (default when given) or client
      --config FILE       client config file
`,
  async run(args, ctx) {
    const sub = args[0] === undefined ? undefined : subcommands[args[0]];
    if (sub) return sub.run(args.slice(1), ctx);
    const { values, positionals } = parseFlags(args, manifestFlags);
    if (positionals.length > 0) {
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')} (only "create -f" is supported)`);
    }
    const dryRun = dryRunOf(values['dry-run']);
    const objects = await readManifests(values.filename ?? [], ctx.io, { recursive: values.recursive });
    const client = ctx.client(values.config);
    let failed = false;
    for (const { info, object } of objects) {
      try {
        placeObject(info, object, values.namespace);
        // With generateName the server picks the name: print the one it chose.
        const created =
          dryRun === 'client' ? object : await client.create(info, object, { dryRun: dryRun === 'server' });
        ctx.io.write(`${objectLabel(info, created.metadata?.name ?? '')} created${dryRunSuffix(dryRun)}\n`);
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
