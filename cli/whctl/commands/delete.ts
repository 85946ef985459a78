/**
 * `whctl delete`: by manifest (`-f`), by name (`TYPE NAME...`, `TYPE/NAME`), by
 * label selector (`-l`) or every object of a kind (`--all`), with kubectl's
 * grace period, cascade and dry-run flags.
 */
import { Code, isApiError } from '../../../sdk/errors.js';
import type { DeleteOptions } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import { commonFlags, dryRunOf, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { kindLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix } from './apply.js';

const flags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  selector: { type: 'string', short: 'l' },
  'field-selector': { type: 'string' },
  all: { type: 'boolean' },
  'grace-period': { type: 'string' },
  now: { type: 'boolean' },
  cascade: { type: 'string' },
  'dry-run': { type: 'string' },
  'ignore-not-found': { type: 'boolean' },
} as const;

/** One object to delete. */
interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

export const deleteCommand: Command = {
  summary: 'Delete resources by file, by name, by label selector, or all of a type',
  help: `Delete resources.

Usage:
  whctl delete -f FILENAME [flags]
  whctl delete TYPE NAME [NAME...] [flags]
  whctl delete TYPE/NAME [TYPE/NAME...] [flags]
  whctl delete TYPE (-l SELECTOR | --all) [flags]

Flags:
  -f, --filename PATH        delete the objects of these manifests
  -R, --recursive            also read the sub-folders of folders given with -f
  -n, --namespace NS         namespace (default "default")
  -A, --all-namespaces       with -l or --all: in every namespace
  -l, --selector SELECTOR    delete the objects matching this label selector
      --field-selector SEL   delete the objects matching this field selector
      --all                  delete every object of the type in the namespace
      --grace-period SECONDS seconds the object has to stop (-1: the kind's default)
      --now                  same as --grace-period=1
      --cascade MODE         background (default), foreground or orphan: what happens to dependents
      --dry-run[=server]     validate the deletion without doing it
      --ignore-not-found     treat objects that do not exist as deleted
      --config FILE          client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const dryRun = dryRunOf(values['dry-run']);
    if (dryRun === 'client') throw new UsageError('delete supports --dry-run=server only');
    const options = deleteOptions(values, dryRun === 'server');
    const client = ctx.client(values.config);

    const targets: Target[] = [];
    const hasSelector = values.selector !== undefined || values['field-selector'] !== undefined;
    if (values.filename) {
      if (positionals.length > 0) throw new UsageError('give either -f or resource names, not both');
      for (const { info, object } of await readManifests(values.filename, ctx.io, {
        recursive: values.recursive,
      })) {
        const namespace = placeObject(info, object, values.namespace);
        targets.push({ info, namespace, name: object.metadata?.name ?? '' });
      }
    } else {
      const namespace = values['all-namespaces'] ? '' : (values.namespace ?? DEFAULT_NAMESPACE);
      for (const request of parseResourceArgs(positionals)) {
        if (request.names.length > 0) {
          if (hasSelector || values.all)
            throw new UsageError('names cannot be given together with -l or --all');
          const ns = namespace || DEFAULT_NAMESPACE;
          for (const name of request.names) targets.push({ info: request.info, namespace: ns, name });
          continue;
        }
        if (!hasSelector && !values.all) {
          throw new UsageError(
            `resource(s) were provided, but no name was specified (give names, -l or --all)`,
          );
        }
        const list = await client.list(request.info, namespace, {
          labelSelector: values.selector ?? '',
          fieldSelector: values['field-selector'] ?? '',
        });
        for (const object of list.items) {
          targets.push({
            info: request.info,
            namespace: object.metadata?.namespace ?? '',
            name: object.metadata?.name ?? '',
          });
        }
      }
      if (targets.length === 0) ctx.io.writeError('No resources found\n');
    }

    let failed = false;
    for (const target of targets) {
      try {
        await client.delete(target.info, target.namespace, target.name, options);
        ctx.io.write(`${kindLabel(target.info)} "${target.name}" deleted${dryRunSuffix(dryRun)}\n`);
      } catch (err) {
        if (values['ignore-not-found'] && isApiError(err, Code.NOT_FOUND)) continue;
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

const CASCADE: Readonly<Record<string, string>> = {
  background: 'Background',
  true: 'Background',
  foreground: 'Foreground',
  orphan: 'Orphan',
  false: 'Orphan',
};

export function deleteOptions(
  values: { 'grace-period'?: string; now?: boolean; cascade?: string },
  dryRun: boolean,
): Partial<DeleteOptions> {
  const options: Partial<DeleteOptions> = { dryRun, propagationPolicy: '' };
  if (values.cascade !== undefined) {
    const policy = CASCADE[values.cascade];
    if (!policy)
      throw new UsageError(
        `--cascade must be "background", "foreground" or "orphan", not "${values.cascade}"`,
      );
    options.propagationPolicy = policy;
  }
  if (values.now && values['grace-period'] !== undefined)
    throw new UsageError('--now and --grace-period cannot both be given');
  const grace = values.now ? 1 : values['grace-period'] === undefined ? -1 : Number(values['grace-period']);
  if (!Number.isInteger(grace) || grace < -1) {
    throw new UsageError('--grace-period must be a whole number of seconds (-1 for the default)');
  }
  if (grace >= 0) options.gracePeriodSeconds = String(grace);
  return options;
}
