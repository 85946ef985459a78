import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The client config file: where the apiserver is and how to prove who you are, the counterpart of a
 * kubeconfig. `wheelhouse up` writes one for the admin and one per component; whctl and every
 * component load one. The plain form is one context, flat:
 *
 *   server: 127.0.0.1:6443
 *   certificateAuthority: pki/ca.crt        # or certificateAuthorityData: <base64 PEM>
 *   clientCertificate: pki/admin.crt        # or clientCertificateData
 *   clientKey: pki/admin.key                # or clientKeyData
 *   token: ...                              # a bearer token, instead of or besides a certificate
 *   serverName: wheelhouse-apiserver        # the name to verify the server certificate against
 *   namespace: team-a                       # the namespace commands act in when given none
 *
 * A file may instead hold several named contexts, each with the fields above, and the one in use:
 *
 *   currentContext: local
 *   contexts:
 *     - name: local
 *       server: 127.0.0.1:6443
 *       ...
 *     - name: staging
 *       ...
 *
 * A flat file is the single context named `default`, and a file whose only context is `default` is
 * written back flat, so files written before contexts existed read and round-trip unchanged.
 * Relative paths resolve against the folder of the file, so a data folder can be moved as a whole.
 */
export interface ClientConfig {
  /** `host:port` of the apiserver. */
  readonly server: string;
  readonly certificateAuthority?: string;
  /** Base64 of the CA's PEM. */
  readonly certificateAuthorityData?: string;
  readonly clientCertificate?: string;
  readonly clientCertificateData?: string;
  readonly clientKey?: string;
  readonly clientKeyData?: string;
  readonly token?: string;
  /** TLS name override: verify the server certificate against this name instead of the host in `server`. */
  readonly serverName?: string;
  /** Plaintext, no TLS at all: only for servers started with TLS explicitly turned off. */
  readonly insecure?: boolean;
  /** The namespace commands act in when given none (kubectl's context namespace). */
  readonly namespace?: string;
}

/** A config as loaded: the file it came from, the context chosen, and every path in it absolute. */
export interface LoadedClientConfig extends ClientConfig {
  readonly path: string;
  /** The name of the context chosen; unset for a flat file (its one context is {@link DEFAULT_CONTEXT}). */
  readonly context?: string;
}

/** One named context of a config file. */
export interface ClientContext extends ClientConfig {
  readonly name: string;
}

/** A config file as written: its contexts, paths as they are, and the one in use. */
export interface ClientConfigFile {
  /** '' when the file names none: loading it then needs an explicit context. */
  readonly currentContext: string;
  readonly contexts: readonly ClientContext[];
}

/** The name of the one context of a flat config file. */
export const DEFAULT_CONTEXT = 'default';

const STRING_FIELDS = [
  'server',
  'certificateAuthority',
  'certificateAuthorityData',
  'clientCertificate',
  'clientCertificateData',
  'clientKey',
  'clientKeyData',
  'token',
  'serverName',
  'namespace',
] as const;
const PATH_FIELDS = ['certificateAuthority', 'clientCertificate', 'clientKey'] as const;
const KNOWN_FIELDS = new Set<string>([...STRING_FIELDS, 'insecure']);

/** The environment variable naming a config file, like KUBECONFIG. */
export const CONFIG_ENV = 'WHEELHOUSE_CONFIG';

/**
 * Writes a config file readable only by its owner (it may hold a token or key data), replacing the
 * file atomically so that a reader never sees half of it.
 */
export function writeClientConfig(path: string, config: ClientConfig): void {
  validate(config, path);
  writeAtomically(path, stringify(config));
}

function writeAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text, { mode: 0o600 });
  renameSync(temp, path);
}

export interface LoadOptions {
  /** From `--config`: when given, only this file is read. */
  readonly explicitPath?: string;
  /** Defaults to process.env; tests pass their own. */
  readonly env?: NodeJS.ProcessEnv;
  /** Defaults to process.cwd(). */
  readonly cwd?: string;
  /** Defaults to the user's home folder. */
  readonly home?: string;
  /** From `--context`: the context to use instead of the file's current one. */
  readonly context?: string;
}

/**
 * Finds and reads the client config, first match wins: `--config`, `$WHEELHOUSE_CONFIG`,
 * `./.wheelhouse/admin.yaml`, `~/.wheelhouse/config`. A file named by `--config` or the environment
 * must exist: falling back to another file would silently talk to another cluster as someone else.
 */
export function loadClientConfig(options: LoadOptions = {}): LoadedClientConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const named = options.explicitPath
    ? { path: options.explicitPath, from: '--config' }
    : env[CONFIG_ENV]
      ? { path: env[CONFIG_ENV], from: `$${CONFIG_ENV}` }
      : undefined;
  if (named) {
    const path = resolve(cwd, named.path);
    if (!existsSync(path)) throw new Error(`client config ${path} (from ${named.from}) does not exist`);
    return readClientConfig(path, options.context);
  }
  const candidates = [
    join(cwd, '.wheelhouse', 'admin.yaml'),
    join(options.home ?? homedir(), '.wheelhouse', 'config'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found) return readClientConfig(found, options.context);
  throw new Error(
    `no client config found; looked for --config, $${CONFIG_ENV}, ${candidates.join(', ')}. ` +
      'Start the cluster with `wheelhouse up`, or point --config at a config file',
  );
}

/**
 * Reads one config file, resolving its relative paths against its folder: the context named, else
 * the file's current one. Naming a context the file does not have is an error, not a fallback.
 */
export function readClientConfig(path: string, context?: string): LoadedClientConfig {
  const absolute = resolve(path);
  const file = readClientConfigFile(absolute);
  const name = context || file.currentContext;
  if (name === '') {
    throw new Error(
      `client config ${absolute}: currentContext is not set; pick one with --context NAME ` +
        `or \`whctl config use-context NAME\` (contexts: ${namesOf(file)})`,
    );
  }
  const chosen = file.contexts.find((c) => c.name === name);
  if (!chosen) {
    throw new Error(
      `client config ${absolute}: no context named "${name}"; it has ${namesOf(file)}. ` +
        'List them with `whctl config get-contexts`',
    );
  }
  const { name: _name, ...config } = chosen;
  const flat = file.contexts.length === 1 && name === DEFAULT_CONTEXT;
  const resolved: Record<string, unknown> = { ...config, path: absolute, ...(flat ? {} : { context: name }) };
  for (const field of PATH_FIELDS) {
    const value = config[field];
    if (value !== undefined && !isAbsolute(value)) resolved[field] = resolve(dirname(absolute), value);
  }
  return resolved as unknown as LoadedClientConfig;
}

function namesOf(file: ClientConfigFile): string {
  return file.contexts.map((c) => `"${c.name}"`).join(', ');
}

/** Reads a config file as written (relative paths kept), a flat one as its single context. */
export function readClientConfigFile(path: string): ClientConfigFile {
  const absolute = resolve(path);
  let document: unknown;
  try {
    document = parse(readFileSync(absolute, 'utf8'));
  } catch (err) {
    throw new Error(`client config ${absolute}: ${(err as Error).message}`);
  }
  return parseClientConfigFile(document, absolute);
}

/** Checks a parsed config document; `path` names it in errors. */
export function parseClientConfigFile(document: unknown, path: string): ClientConfigFile {
  const isMap = typeof document === 'object' && document !== null && !Array.isArray(document);
  if (!isMap || !('contexts' in document)) {
    return {
      currentContext: DEFAULT_CONTEXT,
      contexts: [{ name: DEFAULT_CONTEXT, ...validate(document, path) }],
    };
  }
  const fields = document as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (key !== 'contexts' && key !== 'currentContext') {
      problems.push(`${key}: unknown field (a file with contexts has only currentContext and contexts)`);
    }
  }
  const current = fields.currentContext ?? '';
  if (typeof current !== 'string') problems.push('currentContext: must be a string');
  if (!Array.isArray(fields.contexts)) problems.push('contexts: must be a list of contexts');
  if (problems.length > 0) throw new Error(`client config ${path}: ${problems.join('; ')}`);
  const contexts: ClientContext[] = [];
  for (const [i, entry] of (fields.contexts as unknown[]).entries()) {
    const where = `${path} contexts[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new Error(`client config ${where}: expected a mapping with a name and the fields of a context`);
    }
    const { name, ...rest } = entry as Record<string, unknown>;
    if (typeof name !== 'string' || name === '') throw new Error(`client config ${where}: name: required`);
    if (contexts.some((c) => c.name === name)) {
      throw new Error(`client config ${where}: name: "${name}" is given twice; context names are unique`);
    }
    contexts.push({ name, ...validate(rest, where) });
  }
  return { currentContext: current as string, contexts };
}

/**
 * Writes a whole config file, atomically and readable only by its owner. A file whose only
 * context is {@link DEFAULT_CONTEXT} is written flat, as before contexts existed.
 */
export function writeClientConfigFile(path: string, file: ClientConfigFile): void {
  const [only, ...others] = file.contexts;
  if (
    only &&
    others.length === 0 &&
    only.name === DEFAULT_CONTEXT &&
    file.currentContext === DEFAULT_CONTEXT
  ) {
    const { name: _name, ...config } = only;
    writeClientConfig(path, config);
    return;
  }
  parseClientConfigFile({ ...file }, path);
  writeAtomically(path, stringify({ currentContext: file.currentContext, contexts: file.contexts }));
}

/** Checks the shape of a config and returns it typed; every problem is reported at once. */
function validate(document: unknown, path: string): ClientConfig {
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new Error(`client config ${path}: expected a mapping of fields, like "server: 127.0.0.1:6443"`);
  }
  const fields = document as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(fields)) {
    if (!KNOWN_FIELDS.has(key)) problems.push(`${key}: unknown field`);
  }
  for (const key of STRING_FIELDS) {
    if (fields[key] !== undefined && typeof fields[key] !== 'string')
      problems.push(`${key}: must be a string`);
  }
  if (fields.insecure !== undefined && typeof fields.insecure !== 'boolean') {
    problems.push('insecure: must be true or false');
  }
  if (typeof fields.server !== 'string' || fields.server === '')
    problems.push('server: required (host:port)');
  for (const base of PATH_FIELDS) {
    if (fields[base] !== undefined && fields[`${base}Data`] !== undefined) {
      problems.push(`${base}: give either ${base} or ${base}Data, not both`);
    }
  }
  const hasCert = fields.clientCertificate !== undefined || fields.clientCertificateData !== undefined;
  const hasKey = fields.clientKey !== undefined || fields.clientKeyData !== undefined;
  if (hasCert !== hasKey) problems.push('clientCertificate and clientKey go together: give both or neither');
  if (fields.insecure === true && fields.token !== undefined) {
    problems.push('token: refusing to send a token over a plaintext (insecure) connection');
  }
  if (problems.length > 0) throw new Error(`client config ${path}: ${problems.join('; ')}`);
  return fields as unknown as ClientConfig;
}
