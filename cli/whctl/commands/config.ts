/**
 * `whctl config`: the client config file's contexts, as kubectl's `config view`,
 * `get-contexts`, `current-context`, `use-context` and `set-context`. It edits the file
 * whctl would load (--config, $WHEELHOUSE_CONFIG, then the default places).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { stringify } from 'yaml';
import {
  type ClientConfigFile,
  type ClientContext,
  DEFAULT_CONTEXT,
  readClientConfigFile,
  writeClientConfigFile,
} from '../../../sdk/client-config.js';
import type { Command } from '../command.js';
import type { Context } from '../context.js';
import { commonFlags, parseFlags } from '../flags.js';
import { UsageError } from '../usage-error.js';

const help = `Modify the client config file.

Usage:
  whctl config view [--minify] [--raw] [-o yaml|json]
  whctl config get-contexts [NAME] [-o name] [--no-headers]
  whctl config current-context
  whctl config use-context NAME
  whctl config set-context [NAME | --current] --namespace=NS

A file holds either one context, flat (named "default"), or a list of named contexts
with the one in use (see the SDK's README). set-context of a new name copies the
current context's server and credentials under that name.

Flags:
      --minify            view: only the current context
      --raw               view: certificates, keys and tokens as they are
  -o, --output FORMAT     view: yaml (default) or json; get-contexts: name
      --current           set-context: the current context
  -n, --namespace NS      set-context: the context's default namespace
      --no-headers        get-contexts: no header line
      --config FILE       the client config file
`;

const flags = {
  ...commonFlags,
  minify: { type: 'boolean' },
  raw: { type: 'boolean' },
  output: { type: 'string', short: 'o' },
  current: { type: 'boolean' },
  'no-headers': { type: 'boolean' },
} as const;

type Values = ReturnType<typeof parseFlags<typeof flags>>['values'];

/** Fields that carry secrets or bulky data, and how kubectl hides them. */
const HIDDEN: Readonly<Record<string, string>> = {
  certificateAuthorityData: 'DATA+OMITTED',
  clientCertificateData: 'DATA+OMITTED',
  clientKeyData: 'DATA+OMITTED',
  token: 'REDACTED',
};

/** The file a command edits: the one whctl loads, as it was written. */
function fileOf(ctx: Context, values: Values): { path: string; file: ClientConfigFile } {
  const path = ctx.config(values.config).path;
  return { path, file: readClientConfigFile(path) };
}

function view(ctx: Context, values: Values, positionals: readonly string[]): number {
  if (positionals.length > 0) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
  const format = values.output ?? 'yaml';
  if (format !== 'yaml' && format !== 'json') throw new UsageError('-o must be yaml or json for config view');
  const { file } = fileOf(ctx, values);
  let contexts = file.contexts;
  if (values.minify) {
    const name = ctx.config(values.config).context ?? file.currentContext;
    contexts = contexts.filter((c) => c.name === name);
  }
  const shown = contexts.map((c) => {
    const copy: Record<string, unknown> = { ...c };
    if (!values.raw) for (const [key, mask] of Object.entries(HIDDEN)) if (key in copy) copy[key] = mask;
    return copy;
  });
  const document =
    shown.length === 1 && shown[0]?.name === DEFAULT_CONTEXT
      ? (({ name: _name, ...rest }) => rest)(shown[0])
      : { currentContext: file.currentContext, contexts: shown };
  ctx.io.write(format === 'json' ? `${JSON.stringify(document, null, 4)}\n` : stringify(document));
  return 0;
}

/** The user a context authenticates as: its certificate's CN, else that it sends a token. */
function userOf(context: ClientContext, path: string): string {
  try {
    const pem = context.clientCertificateData
      ? Buffer.from(context.clientCertificateData, 'base64')
      : context.clientCertificate
        ? readFileSync(
            isAbsolute(context.clientCertificate)
              ? context.clientCertificate
              : resolve(dirname(path), context.clientCertificate),
          )
        : undefined;
    if (pem) return /CN=([^\n,]+)/.exec(new X509Certificate(pem).subject)?.[1] ?? '';
  } catch {
    // An unreadable certificate shows no user; loading the context says what is wrong.
  }
  return context.token ? '<token>' : '';
}

function getContexts(ctx: Context, values: Values, positionals: readonly string[]): number {
  const { path, file } = fileOf(ctx, values);
  const [wanted, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  const chosen = wanted === undefined ? file.contexts : file.contexts.filter((c) => c.name === wanted);
  if (wanted !== undefined && chosen.length === 0) {
    ctx.io.writeError(`error: context ${wanted} not found\n`);
    return 1;
  }
  if (values.output === 'name') {
    for (const c of chosen) ctx.io.write(`${c.name}\n`);
    return 0;
  }
  if (values.output !== undefined) throw new UsageError('-o must be name for config get-contexts');
  const rows = chosen.map((c) => [
    c.name === file.currentContext ? '*' : '',
    c.name,
    c.server,
    userOf(c, path),
    c.namespace ?? '',
  ]);
  if (!values['no-headers']) rows.unshift(['CURRENT', 'NAME', 'CLUSTER', 'AUTHINFO', 'NAMESPACE']);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  for (const r of rows) {
    ctx.io.write(
      `${r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 3)))
        .join('')
        .trimEnd()}\n`,
    );
  }
  return 0;
}

function currentContext(ctx: Context, values: Values): number {
  const { file } = fileOf(ctx, values);
  if (file.currentContext === '') {
    ctx.io.writeError('error: current-context is not set\n');
    return 1;
  }
  ctx.io.write(`${file.currentContext}\n`);
  return 0;
}

function useContext(ctx: Context, values: Values, positionals: readonly string[]): number {
  const [name, ...rest] = positionals;
  if (name === undefined || rest.length > 0) throw new UsageError('use-context takes one context name');
  const { path, file } = fileOf(ctx, values);
  if (!file.contexts.some((c) => c.name === name)) {
    ctx.io.writeError(`error: no context exists with the name: "${name}"\n`);
    return 1;
  }
  writeClientConfigFile(path, { ...file, currentContext: name });
  ctx.io.write(`Switched to context "${name}".\n`);
  return 0;
}

function setContext(ctx: Context, values: Values, positionals: readonly string[]): number {
  const [given, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
  if ((given === undefined) === !values.current) {
    throw new UsageError('set-context takes either a context NAME or --current');
  }
  const { path, file } = fileOf(ctx, values);
  const name = given ?? file.currentContext;
  if (name === '') throw new UsageError('there is no current context; name one: set-context NAME');
  const existing = file.contexts.find((c) => c.name === name);
  const base = existing ?? file.contexts.find((c) => c.name === file.currentContext);
  if (!base) {
    throw new UsageError(
      `there is no context "${name}" and no current context to copy the server and credentials from`,
    );
  }
  const namespace = values.namespace;
  const updated: ClientContext = { ...base, name, ...(namespace !== undefined ? { namespace } : {}) };
  const contexts = existing
    ? file.contexts.map((c) => (c.name === name ? updated : c))
    : [...file.contexts, updated];
  writeClientConfigFile(path, { ...file, contexts });
  ctx.io.write(`Context "${name}" ${existing ? 'modified' : 'created'}.\n`);
  return 0;
}

export const configCommand: Command = {
  summary: 'Modify the client config file (contexts, namespace)',
  help,
  async run(argv, ctx) {
    const [sub, ...rest] = argv;
    const { values, positionals } = parseFlags(rest, flags);
    switch (sub) {
      case 'view':
        return view(ctx, values, positionals);
      case 'get-contexts':
        return getContexts(ctx, values, positionals);
      case 'current-context':
        return currentContext(ctx, values);
      case 'use-context':
      case 'use':
        return useContext(ctx, values, positionals);
      case 'set-context':
        return setContext(ctx, values, positionals);
      default:
        throw new UsageError(
          sub === undefined
            ? 'whctl config needs a subcommand: view, get-contexts, current-context, use-context or set-context'
            : `unknown subcommand "${sub}" for "whctl config"`,
        );
    }
  },
};
