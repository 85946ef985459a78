/**
 * How a process reaches the apiserver: its endpoints (several replicas may serve the
 * same cluster: `server: a:6443,b:6443`), the credentials of its client config, and
 * channel options naming the component in every call's user agent.
 */
import { type ChannelCredentials, type ChannelOptions, credentials } from '@grpc/grpc-js';
import type { ClientConfig } from '../client-config.js';
import {
  channelCredentials,
  channelOptions,
  impersonation,
  tokenChannelCredentials,
} from '../credentials.js';

export interface Connection {
  /** `host:port` of each apiserver, in order of preference. */
  readonly endpoints: readonly string[];
  /** The first endpoint. */
  readonly address: string;
  readonly credentials: ChannelCredentials;
  readonly options: ChannelOptions;
}

export interface ConnectionOptions {
  /** Named in the user agent (`wheelhouse-scheduler/0.1.0`); `whctl` by default. */
  readonly component?: string;
  /**
   * Authenticate with the bearer token this returns at each call, instead of the config's
   * certificate or token (a controller acting as its own service account).
   */
  readonly token?: () => string;
  /** Act as this user (and groups), as `kubectl --as/--as-group`: the server checks that the caller may. */
  readonly impersonate?: { readonly user: string; readonly groups?: readonly string[] };
}

export const CLIENT_VERSION = '0.1.0';

export function endpointsOf(server: string): string[] {
  const endpoints = server
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (endpoints.length === 0) throw new Error('the client config names no server');
  return endpoints;
}

export function connectionFor(config: ClientConfig, opts: ConnectionOptions = {}): Connection {
  const endpoints = endpointsOf(config.server);
  return {
    endpoints,
    address: endpoints[0]!,
    credentials: credentialsFor(config, opts),
    options: {
      ...channelOptions(config),
      'grpc.primary_user_agent': `wheelhouse-${opts.component ?? 'whctl'}/${CLIENT_VERSION}`,
    },
  };
}

function credentialsFor(config: ClientConfig, opts: ConnectionOptions): ChannelCredentials {
  const channel = opts.token ? tokenChannelCredentials(config, opts.token) : channelCredentials(config);
  if (opts.impersonate === undefined) return channel;
  return credentials.combineChannelCredentials(
    channel,
    impersonation(opts.impersonate.user, opts.impersonate.groups),
  );
}
