/**
 * `whctl create <kind> NAME [flags]`: kubectl's generators. Each file of this folder
 * builds one kind's manifest from flags; this one turns a generator into a command
 * with what they all share — the name, the command after `--`, `-n`, `--dry-run`,
 * `-o`, `--save-config` — and creates the object (or prints it, with `--dry-run=client`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ParseArgsConfig } from 'node:util';
import { loadKindTypes } from '../../../../sdk/kind-loader.js';
import type { KindInfo } from '../../../../sdk/kinds.js';
import { decodeObject, type JsonObject } from '../../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../../sdk/manifest/encode.js';
import type { Command } from '../../command.js';
import { commonFlags, dryRunOf, parseFlags } from '../../flags.js';
import { withLastApplied } from '../../last-applied.js';
import { DEFAULT_NAMESPACE, placeObject } from '../../namespaces.js';
import { objectOutputOf, renderChanged } from '../../object-output.js';
import { resolveKind } from '../../resources.js';
import { UsageError } from '../../usage-error.js';
import { dryRunSuffix } from '../apply.js';

type Options = NonNullable<ParseArgsConfig['options']>;
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** What a generator is given: the object's name, its flags, and the words after `--`. */
export interface GeneratorInput {
  readonly name: string;
  readonly values: FlagValues;
  readonly command: readonly string[];
  /** The working directory, which relative paths of flags start from. */
  readonly cwd: string;
  /** Reads a file named by a flag (relative to the working directory). */
  readFile(path: string): Buffer;
  /** Reads an object of the command's namespace from the apiserver, in manifest form. */
  fetch(kind: string, name: string): Promise<JsonObject>;
}

export interface Generator {
  /** The kind it creates, as in sdk/kinds.ts. */
  readonly kind: string;
  readonly summary: string;
  /** Usage and flag lines for `--help`, after the common ones are added. */
  readonly usage: string;
  readonly flags: Options;
  /** Whether words after `--` are taken (a container's command). */
  readonly takesCommand?: boolean;
  /** The manifest to create; throws UsageError for bad flags. */
  build(input: GeneratorInput): JsonObject | Promise<JsonObject>;
}

const createFlags = {
  ...commonFlags,
  'dry-run': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'save-config': { type: 'boolean' },
} as const satisfies Options;

const COMMON_HELP = `
Common flags:
  -n, --namespace NS      the namespace (default "default"; ignored by cluster-wide kinds)
      --dry-run[=MODE]    server (default when given) or client: print, create nothing
  -o, --output FORMAT     name, yaml or json: print the object instead of "created"
      --save-config       record the object as the last-applied configuration, for apply
      --config FILE       client config file
`;

/** Splits a command line at its first `--`: flags and name before, a container's command after. */
export function splitAtDashes(args: readonly string[]): { before: string[]; after: string[] } {
  const i = args.indexOf('--');
  return i < 0 ? { before: [...args], after: [] } : { before: args.slice(0, i), after: args.slice(i + 1) };
}

export function generatorCommand(generator: Generator): Command {
  const info: KindInfo = resolveKind(generator.kind);
  return {
    summary: generator.summary,
    help: `${generator.summary}.\n\n${generator.usage}${COMMON_HELP}`,
    async run(args, ctx) {
      const { before, after } = splitAtDashes(args);
      const { values, positionals } = parseFlags(before, { ...createFlags, ...generator.flags });
      if (values.help) {
        ctx.io.write(this.help);
        return 0;
      }
      if (positionals.length !== 1) {
        throw new UsageError(`exactly one NAME is required, got ${positionals.length}`);
      }
      if (after.length > 0 && !generator.takesCommand) {
        throw new UsageError(`create ${generator.kind.toLowerCase()} takes no command after "--"`);
      }
      const name = positionals[0] as string;
      const dryRun = dryRunOf(values['dry-run'] as string | undefined);
      const output = objectOutputOf(values.output as string | undefined);
      let manifest = await generator.build({
        name,
        values: values as FlagValues,
        command: after,
        cwd: ctx.io.cwd,
        readFile: (path) => readFileFrom(ctx.io.cwd, path),
        fetch: async (kind, objectName) => {
          const source = resolveKind(kind);
          const namespace = (values.namespace as string | undefined) ?? DEFAULT_NAMESPACE;
          const client = ctx.client(values.config as string | undefined);
          return encodeObject(source, await client.get(source, namespace, objectName));
        },
      });
      if (values['save-config']) manifest = withLastApplied(manifest);
      await loadKindTypes(info);
      const object = decodeObject(info, manifest);
      placeObject(info, object, values.namespace as string | undefined);
      const created =
        dryRun === 'client'
          ? object
          : await ctx
              .client(values.config as string | undefined)
              .create(info, object, { dryRun: dryRun === 'server' });
      ctx.io.write(renderChanged(output, info, created, `created${dryRunSuffix(dryRun)}`, true));
      return 0;
    },
  };
}

function readFileFrom(cwd: string, path: string): Buffer {
  try {
    return readFileSync(resolve(cwd, path));
  } catch (err) {
    throw new UsageError(
      `error reading ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}

/** A repeatable string flag's values (parseArgs gives an array with `multiple`). */
export function listOf(value: FlagValues[string]): string[] {
  if (value === undefined || typeof value === 'boolean') return [];
  return Array.isArray(value) ? value : [value];
}

/** A string flag's value, or undefined. */
export function stringOf(value: FlagValues[string]): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A whole-number flag, with kubectl's wording when it is not one. */
export function intOf(value: FlagValues[string], flag: string): number | undefined {
  const text = stringOf(value);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n))
    throw new UsageError(`invalid argument "${text}" for "--${flag}" flag: not a whole number`);
  return n;
}
