/**
 * Flag parsing for every command: node's parseArgs, strict, with the flags all
 * commands share and the kubectl spellings (`--dry-run` alone, `-n ns`, `-A`).
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './usage-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command takes, whatever its own: kubectl's global `--context`, `--as`, `--as-group` and `-v`. */
export const globalFlags = {
  context: { type: 'string' },
  as: { type: 'string' },
  'as-group': { type: 'string', multiple: true },
  v: { type: 'string', short: 'v' },
} as const satisfies Options;

/** Flags every command that talks to the apiserver takes. */
export const commonFlags = {
  config: { type: 'string' },
  namespace: { type: 'string', short: 'n' },
  help: { type: 'boolean', short: 'h' },
  ...globalFlags,
} as const satisfies Options;

/** What the global flags ask of a whole run, read before the command parses its own flags. */
export interface GlobalOptions {
  readonly config?: string;
  readonly context?: string;
  /** `--as USER` and `--as-group GROUP` (repeatable): act as that user, if the caller may impersonate it. */
  readonly as?: string;
  readonly asGroups?: readonly string[];
  /** `-v N`: 0 unless given. 6 and above print each API call with its latency. */
  readonly verbosity: number;
}

/**
 * Reads `--config`, `--context`, `--as`, `--as-group` and `-v` from a command's arguments (up to a `--`),
 * leaving them in place for the command's own parser.
 */
export function globalOptionsOf(args: readonly string[]): GlobalOptions {
  const found: Record<string, string> = {};
  const asGroups: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') break;
    const m = /^(?:--(config|context|as|as-group|v)|-(v))(?:=(.*))?$/s.exec(arg) ?? /^-(v)(\d+)$/.exec(arg);
    if (!m) continue;
    const name = (m[1] ?? m[2]) as string;
    const inline = m.length === 3 ? m[2] : m[3];
    const value = inline ?? args[i + 1];
    if (inline === undefined) i++;
    if (value === undefined) continue;
    if (name === 'as-group') asGroups.push(value);
    else found[name] = value;
  }
  if (asGroups.length > 0 && found.as === undefined) {
    throw new UsageError('--as-group needs --as: groups are impersonated with a user');
  }
  const verbosity = found.v === undefined ? 0 : Number(found.v);
  if (!Number.isInteger(verbosity) || verbosity < 0) {
    throw new UsageError(
      `-v must be a whole number (a log level, e.g. -v=6), not ${JSON.stringify(found.v)}`,
    );
  }
  return {
    ...(found.config !== undefined ? { config: found.config } : {}),
    ...(found.context !== undefined ? { context: found.context } : {}),
    ...(found.as !== undefined ? { as: found.as } : {}),
    ...(asGroups.length > 0 ? { asGroups } : {}),
    verbosity,
  };
}

let contextNamespace: string | undefined;

/**
 * The namespace of the client config's context: what `-n` means when a command is given
 * none (and not -A), as kubectl takes it from the kubeconfig's context. Set once per run.
 */
export function setContextNamespace(namespace: string | undefined): void {
  contextNamespace = namespace === '' ? undefined : namespace;
}

export interface ParsedFlags<T> {
  readonly values: T;
  readonly positionals: string[];
}

/**
 * Parses `args` against `options`, which always take the global flags too; a bad flag is a
 * UsageError. A command's `namespace` defaults to the context's (see setContextNamespace).
 */
export function parseFlags<const O extends Options>(args: readonly string[], options: O) {
  const all = { ...globalFlags, ...options } as typeof globalFlags & O;
  const parsed = (() => {
    try {
      return parseArgs({ args: normalise(args, all), options: all, strict: true, allowPositionals: true });
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  })();
  const values = parsed.values as Record<string, unknown>;
  if ('namespace' in options && values.namespace === undefined && values['all-namespaces'] !== true) {
    if (contextNamespace !== undefined) values.namespace = contextNamespace;
  }
  return parsed;
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
