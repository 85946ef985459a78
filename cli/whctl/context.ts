/**
 * What a command runs with: its streams, its environment and a way to reach the
 * apiserver. Everything process-wide lives here so that tests can run whctl in
 * process, against a real server, and read what it printed.
 */

import { type ApiClient, connectionFor, createApiClient } from '../../sdk/client/dynamic-client.js';
import { DEFAULT_CONTEXT, type LoadedClientConfig, loadClientConfig } from '../../sdk/client-config.js';
import type { GlobalOptions } from './flags.js';
import { klogPrefix, tracedClient } from './traced-client.js';

export interface CommandIo {
  write(text: string): void;
  writeError(text: string): void;
  /** The whole of standard input, for `-f -`. */
  readStdin(): Promise<string>;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Aborted on Ctrl-C: watches end, and the command returns. */
  readonly signal: AbortSignal;
  /** The current time, for ages; tests fix it. */
  now(): Date;
}

export interface Context {
  readonly io: CommandIo;
  /** `-v`: 0 unless given. */
  readonly verbosity: number;
  /** Loads the client config (first call only) and connects. */
  client(explicitConfig: string | undefined): ApiClient;
  /** The client config, of the `--context` given, else of the file's current context. */
  config(explicitConfig: string | undefined): LoadedClientConfig;
  /** Writes a klog-style line to standard error when `-v` is at least `level`. */
  log(level: number, text: string): void;
  /** The user (and groups) the global `--as`/`--as-group` ask to act as; undefined without `--as`. */
  readonly impersonate: { readonly user: string; readonly groups: readonly string[] } | undefined;
  /** Closes what `client` opened. */
  close(): void;
}

/** From -v 6, each call and its latency (kubectl's round-tripper logs start there too). */
export const TRACE_CALLS_LEVEL = 6;

export function createContext(
  io: CommandIo,
  connect = createApiClient,
  globals: GlobalOptions = { verbosity: 0 },
): Context {
  let loaded: LoadedClientConfig | undefined;
  let client: ApiClient | undefined;
  const log = (level: number, text: string) => {
    if (globals.verbosity >= level) io.writeError(`${klogPrefix(new Date())} ${text}\n`);
  };
  const config = (explicitPath: string | undefined): LoadedClientConfig => {
    if (!loaded) {
      loaded = loadClientConfig({
        explicitPath: explicitPath ?? globals.config,
        env: io.env,
        cwd: io.cwd,
        ...(globals.context !== undefined ? { context: globals.context } : {}),
      });
      log(
        TRACE_CALLS_LEVEL,
        `Config loaded from file: ${loaded.path} (context "${loaded.context ?? DEFAULT_CONTEXT}")`,
      );
    }
    return loaded;
  };
  const impersonate =
    globals.as === undefined ? undefined : { user: globals.as, groups: globals.asGroups ?? [] };
  return {
    io,
    verbosity: globals.verbosity,
    config,
    log,
    impersonate,
    client(explicitPath) {
      if (!client) {
        const loadedConfig = config(explicitPath);
        const connected = connect(connectionFor(loadedConfig, impersonate ? { impersonate } : {}));
        client =
          globals.verbosity >= TRACE_CALLS_LEVEL
            ? tracedClient(connected, loadedConfig.server, {
                write: io.writeError,
                now: () => performance.now(),
              })
            : connected;
      }
      return client;
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}
