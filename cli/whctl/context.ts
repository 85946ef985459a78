/**
 * What a command runs with: its streams, its environment and a way to reach the
 * apiserver. Everything process-wide lives here so that tests can run whctl in
 * process, against a real server, and read what it printed.
 */

import { type ApiClient, connectionFor, createApiClient } from '../../sdk/client/dynamic-client.js';
import { type LoadedClientConfig, loadClientConfig } from '../../sdk/client-config.js';

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
  /** Loads the client config (first call only) and connects. */
  client(explicitConfig: string | undefined): ApiClient;
  config(explicitConfig: string | undefined): LoadedClientConfig;
  /** Closes what `client` opened. */
  close(): void;
}

export function createContext(io: CommandIo, connect = createApiClient): Context {
  let loaded: LoadedClientConfig | undefined;
  let client: ApiClient | undefined;
  const config = (explicitPath: string | undefined): LoadedClientConfig => {
    loaded ??= loadClientConfig({ explicitPath, env: io.env, cwd: io.cwd });
    return loaded;
  };
  return {
    io,
    config,
    client(explicitPath) {
      client ??= connect(connectionFor(config(explicitPath)));
      return client;
    },
    close() {
      client?.close();
      client = undefined;
    },
  };
}
