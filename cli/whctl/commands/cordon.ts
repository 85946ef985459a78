/**
 * `whctl cordon NODE` and `whctl uncordon NODE`: mark a Node unschedulable
 * (spec.unschedulable), so that the scheduler places no new Pods on it, or
 * schedulable again. Pods already on the Node stay; `whctl drain` evicts them.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

/** Node names from `NODE...` or `node/NODE...`. */
export function nodeNames(positionals: readonly string[]): string[] {
  if (positionals.length === 0) throw new UsageError('give the name of a node: NODE');
  return positionals.map((arg) => {
    const [type, name] = arg.includes('/') ? arg.split('/', 2) : ['node', arg];
    if (resolveKind(type ?? '').kind !== 'Node') throw new UsageError(`expected a node, not "${arg}"`);
    if (!name) throw new UsageError(`give the name of a node, not "${arg}"`);
    return name;
  });
}

/**
 * Sets spec.unschedulable by a merge patch, as kubectl does; resolves to false when the
 * Node already was so (nothing is written).
 */
export async function setUnschedulable(
  client: ApiClient,
  name: string,
  unschedulable: boolean,
  dryRun = false,
): Promise<boolean> {
  const info = resolveKind('nodes');
  const node = (await client.get(info, '', name)) as Node;
  if ((node.spec?.unschedulable ?? false) === unschedulable) return false;
  // Schedulable is the field's absence, as kubectl writes it.
  const patch = { spec: { unschedulable: unschedulable ? true : null } };
  await client.patch(info, '', name, PatchType.PATCH_TYPE_MERGE, patch, { dryRun });
  return true;
}

const flags = { ...commonFlags, 'dry-run': { type: 'string' } } as const;

function cordonCommand(unschedulable: boolean): Command {
  const verb = unschedulable ? 'cordon' : 'uncordon';
  const done = unschedulable ? 'cordoned' : 'uncordoned';
  return {
    summary: unschedulable ? 'Mark node as unschedulable' : 'Mark node as schedulable',
    help: `${unschedulable ? 'Mark node as unschedulable' : 'Mark node as schedulable'}.

Usage:
  whctl ${verb} NODE [NODE...] [flags]

Flags:
      --dry-run[=server]  validate the change without writing it
      --config FILE       client config file
`,
    async run(args, ctx) {
      const { values, positionals } = parseFlags(args, flags);
      const dryRun =
        values['dry-run'] !== undefined && values['dry-run'] !== 'none' && values['dry-run'] !== 'false';
      const names = nodeNames(positionals);
      const client = ctx.client(values.config);
      const dry = dryRun ? ' (server dry run)' : '';
      for (const name of names) {
        const changed = await setUnschedulable(client, name, unschedulable, dryRun);
        ctx.io.write(`node/${name} ${changed ? done : `already ${done}`}${dry}\n`);
      }
      return 0;
    },
  };
}

export const cordon = cordonCommand(true);
export const uncordon = cordonCommand(false);
