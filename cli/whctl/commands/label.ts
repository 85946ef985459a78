/**
 * `whctl label` and `whctl annotate`: add, change (`--overwrite`) or remove (`key-`)
 * labels or annotations of objects named, selected (`-l`) or all of a type (`--all`),
 * with kubectl's rules: an existing key keeps its value unless --overwrite is given.
 * Keys and values are validated by the apiserver, as with any other update. The change
 * travels as a JSON merge patch of only the keys it touches, so a concurrent writer's
 * other keys are never lost.
 */
import { type ObjectMeta, PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { createMergePatch } from '../../../sdk/patch/merge-patch.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { formatError } from '../report-error.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';

const flags = {
  ...commonFlags,
  overwrite: { type: 'boolean' },
  selector: { type: 'string', short: 'l' },
  all: { type: 'boolean' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  filename: { type: 'string', short: 'f', multiple: true },
  list: { type: 'boolean' },
  'resource-version': { type: 'string' },
  'dry-run': { type: 'string' },
} as const;

/** What the command changes: labels or annotations. */
interface MapField {
  readonly command: 'label' | 'annotate';
  readonly noun: 'label' | 'annotation';
  readonly done: 'labeled' | 'annotated';
  /** kubectl says when labels stay as they were; it always says "annotated". */
  readonly unchanged: string;
  /** The ObjectMeta field (and manifest key) changed. */
  readonly key: 'labels' | 'annotations';
  get(meta: ObjectMeta): Record<string, string>;
}

/** Parsed `k=v` and `k-` arguments. */
export interface MapChange {
  readonly set: Readonly<Record<string, string>>;
  readonly remove: readonly string[];
}

/** Splits the positionals into resource arguments and `k=v` / `k-` changes. */
export function parseChanges(
  positionals: readonly string[],
  noun: string,
): { resources: string[]; change: MapChange } {
  const resources: string[] = [];
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const arg of positionals) {
    if (arg.includes('=')) {
      const at = arg.indexOf('=');
      const key = arg.slice(0, at);
      const value = arg.slice(at + 1);
      if (key === '' || value.includes('=')) throw new UsageError(`invalid ${noun} spec: ${arg}`);
      set[key] = value;
    } else if (arg.endsWith('-') && resources.length > 0) {
      remove.push(arg.slice(0, -1));
    } else {
      if (Object.keys(set).length > 0 || remove.length > 0) {
        throw new UsageError(`all resources must be specified before ${noun} changes: ${arg}`);
      }
      resources.push(arg);
    }
  }
  for (const key of remove) {
    if (key in set) throw new UsageError(`can not both modify and remove a ${noun} in the same command`);
  }
  return { resources, change: { set, remove } };
}

/**
 * Applies the change to `current`; returns the new map, or throws kubectl's error
 * when a key would change its value without `overwrite`.
 */
export function applyChange(
  current: Readonly<Record<string, string>>,
  change: MapChange,
  overwrite: boolean,
): Record<string, string> {
  if (!overwrite) {
    const clashes = Object.entries(change.set)
      .filter(([key, value]) => key in current && current[key] !== value)
      .map(([key]) => `'${key}' already has a value (${current[key]}), and --overwrite is false`);
    if (clashes.length > 0) throw new Error(clashes.join('\n'));
  }
  const next = { ...current, ...change.set };
  for (const key of change.remove) delete next[key];
  return next;
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}

interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
}

function mapCommand(field: MapField): Command {
  return {
    summary: `Update the ${field.noun}s on a resource`,
    help: `Update the ${field.noun}s on a resource.

Usage:
  whctl ${field.command} TYPE NAME [NAME...] KEY=VAL [KEY-] [flags]
  whctl ${field.command} TYPE/NAME KEY=VAL [KEY-] [flags]
  whctl ${field.command} TYPE (-l SELECTOR | --all) KEY=VAL [KEY-] [flags]
  whctl ${field.command} -f FILENAME KEY=VAL [KEY-] [flags]

KEY=VAL sets a ${field.noun}; KEY- removes it.

Flags:
      --overwrite              allow changing the value of an existing ${field.noun}
  -l, --selector SELECTOR      act on the objects matching this label selector
      --all                    act on every object of the type in the namespace
  -A, --all-namespaces         with -l or --all: in every namespace
  -f, --filename PATH          act on the objects of these manifests
      --list                   print the ${field.noun}s of each object instead
      --resource-version RV    update only if the object is still at this resourceVersion
      --dry-run[=server]       validate the change without writing it
  -n, --namespace NS           namespace (default "default")
      --config FILE            client config file
`,
    async run(args, ctx) {
      const { values, positionals } = parseFlags(args, flags);
      const dryRun =
        values['dry-run'] !== undefined && values['dry-run'] !== 'none' && values['dry-run'] !== 'false';
      const { resources, change } = parseChanges(positionals, field.noun);
      const changes = Object.keys(change.set).length + change.remove.length;
      if (changes === 0 && !values.list)
        throw new UsageError(`at least one ${field.noun} update is required`);
      const client = ctx.client(values.config);

      const targets: Target[] = [];
      const namespace = values.namespace ?? DEFAULT_NAMESPACE;
      if (values.filename) {
        if (resources.length > 0) throw new UsageError('give either -f or resource names, not both');
        for (const { info, object } of await readManifests(values.filename, ctx.io)) {
          targets.push({
            info,
            namespace: placeObject(info, object, values.namespace),
            name: object.metadata?.name ?? '',
          });
        }
      } else {
        if (resources.length === 0)
          throw new UsageError(
            'one or more resources must be specified as <resource> <name> or <resource>/<name>',
          );
        for (const request of parseResourceArgs(resources)) {
          const scope = (ns: string) => (request.info.namespaced ? ns : '');
          if (request.names.length > 0) {
            if (values.selector !== undefined || values.all) {
              throw new UsageError('names cannot be given together with -l or --all');
            }
            for (const name of request.names)
              targets.push({ info: request.info, namespace: scope(namespace), name });
            continue;
          }
          if (values.selector === undefined && !values.all) {
            throw new UsageError(
              'resource(s) were provided, but no name was specified (give names, -l or --all)',
            );
          }
          const list = await client.list(request.info, values['all-namespaces'] ? '' : scope(namespace), {
            labelSelector: values.selector ?? '',
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
        const label = objectLabel(target.info, target.name);
        let missing: string[] = [];
        try {
          if (values.list) {
            const object = await client.get(target.info, target.namespace, target.name);
            const map = object.metadata ? field.get(object.metadata) : {};
            ctx.io.write(
              Object.entries(map)
                .map(([k, v]) => `${k}=${v}\n`)
                .join(''),
            );
            continue;
          }
          // Read, check kubectl's rules against what is there, then send only the change as a
          // merge patch: the server applies it to the object as it then is.
          const object = await client.get(target.info, target.namespace, target.name);
          const before = object.metadata ? field.get(object.metadata) : {};
          missing = change.remove.filter((key) => !(key in before));
          const after = applyChange(before, change, values.overwrite ?? false);
          const rv = values['resource-version'];
          let changed = false;
          if (!sameMap(before, after)) {
            // A given resourceVersion is a precondition: the server refuses the patch once it is stale.
            const patch = {
              metadata: {
                [field.key]: createMergePatch(before, after),
                ...(rv !== undefined ? { resourceVersion: rv } : {}),
              },
            };
            const { info, namespace, name } = target;
            await client.patch(info, namespace, name, PatchType.PATCH_TYPE_MERGE, patch, { dryRun });
            changed = true;
          }
          for (const key of missing) ctx.io.write(`${field.noun} "${key}" not found.\n`);
          const dry = dryRun ? ' (server dry run)' : '';
          ctx.io.write(`${label} ${changed ? field.done : field.unchanged}${dry}\n`);
        } catch (err) {
          ctx.io.writeError(formatError(err));
          failed = true;
        }
      }
      return failed ? 1 : 0;
    },
  };
}

export const labelCommand = mapCommand({
  command: 'label',
  noun: 'label',
  done: 'labeled',
  unchanged: 'not labeled',
  key: 'labels',
  get: (meta) => meta.labels ?? {},
});

export const annotateCommand = mapCommand({
  command: 'annotate',
  noun: 'annotation',
  done: 'annotated',
  unchanged: 'annotated',
  key: 'annotations',
  get: (meta) => meta.annotations ?? {},
});
