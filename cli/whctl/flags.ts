/**
 * Flag parsing for every command: node's parseArgs, strict, with the flags all
 * commands share and the kubectl spellings (`--dry-run` alone, `-n ns`, `-A`).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command that talks to the apiserver takes. */
export const commonFlags = {
  config: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export interface ParsedFlags<T> {
  readonly values: T;
  readonly positionals: string[];
}

/** Parses `args` against `options`; a bad flag is a UsageError. */
export function parseFlags<const O extends Options>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: normalise(args, options), options, strict: true, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * kubectl accepts `--dry-run` with no value (meaning server-side) and `-o=yaml`;
 * parseArgs wants a value for string flags, so bare forms are filled in here.
 */
function normalise(args: readonly string[], options: Options): string[] {
  return args.map((arg) => {
    if (arg === '--dry-run' && options['dry-run']?.type === 'string') return '--dry-run=server';
    const short = /^-([a-zA-Z])=(.*)$/s.exec(arg);
    if (short) return `-${short[1]}${short[2]}`;
    return arg;
  });
}

/** `--dry-run` values, as kubectl has them. */
export type DryRun = 'none' | 'client' | 'server';

export function dryRunOf(value: string | undefined): DryRun {
  if (value === undefined || value === 'none' || value === 'false') return 'none';
  if (value === 'server' || value === 'client') return value;
  throw new UsageError(`--dry-run must be "none", "server" or "client", not ${JSON.stringify(value)}`);
}
