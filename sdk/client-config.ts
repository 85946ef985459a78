import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

/**
 * The client config file: where the apiserver is and how to prove who you are, the counterpart of a
 * kubeconfig with a single context. `wheelhouse up` writes one for the admin and one per component;
 * whctl and every component load one.
 *
 *   server: 127.0.0.1:6443
 *   certificateAuthority: pki/ca.crt        # or certificateAuthorityData: <base64 PEM>
 *   clientCertificate: pki/admin.crt        # or clientCertificateData
 *   clientKey: pki/admin.key                # or clientKeyData
 *   token: ...                              # a bearer token, instead of or besides a certificate
 *   serverName: wheelhouse-apiserver        # the name to verify the server certificate against
 *
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
}

/** A config as loaded: the file it came from, and every path in it absolute. */
export interface LoadedClientConfig extends ClientConfig {
  readonly path: string;
}

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
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, stringify(config), { mode: 0o600 });
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
    return readClientConfig(path);
  }
  const candidates = [
    join(cwd, '.wheelhouse', 'admin.yaml'),
    join(options.home ?? homedir(), '.wheelhouse', 'config'),
  ];
  const found = candidates.find((path) => existsSync(path));
  if (found) return readClientConfig(found);
  throw new Error(
    `no client config found; looked for --config, $${CONFIG_ENV}, ${candidates.join(', ')}. ` +
      'Start the cluster with `wheelhouse up`, or point --config at a config file',
  );
}

/** Reads one config file, resolving its relative paths against its folder. */
export function readClientConfig(path: string): LoadedClientConfig {
  const absolute = resolve(path);
  let document: unknown;
  try {
    document = parse(readFileSync(absolute, 'utf8'));
  } catch (err) {
    throw new Error(`client config ${absolute}: ${(err as Error).message}`);
  }
  const config = validate(document, absolute);
  const resolved: Record<string, unknown> = { ...config, path: absolute };
  for (const field of PATH_FIELDS) {
    const value = config[field];
    if (value !== undefined && !isAbsolute(value)) resolved[field] = resolve(dirname(absolute), value);
  }
  return resolved as unknown as LoadedClientConfig;
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
