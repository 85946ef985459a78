import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { ClientConfig } from './client-config.js';

/**
 * TLS channel credentials that send no IP address as the TLS server name. grpc-js sends
 * the target's host as SNI even when it is an address, which RFC 6066 forbids and Node
 * answers with a deprecation warning (DEP0123) in every process that dials one
 * (`127.0.0.1:6443`, the store, a kubelet by its IP). Without a server name, Node checks
 * the server's certificate against the address itself, as before.
 */
class AddressSafeCredentials extends grpc.ChannelCredentials {
  constructor(private readonly inner: grpc.ChannelCredentials) {
    super();
  }

  override _isSecure(): boolean {
    return this.inner._isSecure();
  }

  override _equals(other: grpc.ChannelCredentials): boolean {
    return other === this || (other instanceof AddressSafeCredentials && this.inner._equals(other.inner));
  }

  override _createSecureConnector(
    ...args: Parameters<grpc.ChannelCredentials['_createSecureConnector']>
  ): grpc.experimental.SecureConnector {
    const connector = this.inner._createSecureConnector(...args);
    // grpc-js's connector keeps the options it hands to tls.connect; a newer one that does
    // not simply keeps its own behaviour.
    const options = (connector as { connectionOptions?: { servername?: unknown } }).connectionOptions;
    if (typeof options?.servername === 'string' && isIP(options.servername) !== 0) delete options.servername;
    return connector;
  }
}

/**
 * grpc-js's `credentials.createSsl` (a CA to verify the server with, and a client
 * certificate and key to present, each optional), never sending an IP address as the
 * TLS server name. Every TLS client in the system is made with it.
 */
export function sslCredentials(
  ca?: Buffer | null,
  key?: Buffer | null,
  cert?: Buffer | null,
  verify?: grpc.VerifyOptions,
): grpc.ChannelCredentials {
  return new AddressSafeCredentials(
    grpc.credentials.createSsl(ca ?? null, key ?? null, cert ?? null, verify),
  );
}

/** The largest message a client sends or accepts: big lists travel in one response. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * The channel credentials a client config describes: TLS verified against its CA, presenting the
 * client certificate if there is one, and sending the bearer token on every call if there is one.
 * Paths are read here, once, so a missing file fails at start rather than on the first call.
 */
export function channelCredentials(config: ClientConfig): grpc.ChannelCredentials {
  if (config.insecure) {
    if (config.token) throw new Error('refusing to send a bearer token over a plaintext connection');
    return grpc.credentials.createInsecure();
  }
  const { ca, cert, key } = tlsMaterial(config);
  const tls = sslCredentials(ca, key, cert);
  if (!config.token) return tls;
  return grpc.credentials.combineChannelCredentials(tls, bearerToken(config.token));
}

/** The PEM bytes a client config names: its CA, client certificate and key (each undefined when absent). */
export function tlsMaterial(config: ClientConfig): { ca?: Buffer; cert?: Buffer; key?: Buffer } {
  return {
    ca: material(config.certificateAuthority, config.certificateAuthorityData, 'certificateAuthority'),
    cert: material(config.clientCertificate, config.clientCertificateData, 'clientCertificate'),
    key: material(config.clientKey, config.clientKeyData, 'clientKey'),
  };
}

/** Call credentials adding `authorization: Bearer <token>` to every call's metadata. */
export function bearerToken(token: string): grpc.CallCredentials {
  return bearerTokenFrom(() => token);
}

/**
 * Call credentials adding `authorization: Bearer <current()>` to every call: the token is
 * read at each call, so a token that is renewed (a service account's) is sent as renewed.
 */
export function bearerTokenFrom(current: () => string): grpc.CallCredentials {
  return callMetadata((metadata) => metadata.set('authorization', `Bearer ${current()}`));
}

/**
 * Call credentials adding Kubernetes' impersonation headers to every call, as
 * `kubectl --as/--as-group`: the server acts as `user` if the caller may impersonate it.
 */
export function impersonation(user: string, groups: readonly string[] = []): grpc.CallCredentials {
  return callMetadata((metadata) => {
    metadata.set('impersonate-user', user);
    for (const group of groups) metadata.add('impersonate-group', group);
  });
}

/** Call credentials whose metadata `fill` writes for every call. */
function callMetadata(fill: (metadata: grpc.Metadata) => void): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    fill(metadata);
    callback(null, metadata);
  });
}

/**
 * The channel credentials of `config`'s server and CA, authenticating with the token
 * `current()` returns instead of the config's certificate or token.
 */
export function tokenChannelCredentials(
  config: ClientConfig,
  current: () => string,
): grpc.ChannelCredentials {
  if (config.insecure) throw new Error('refusing to send a bearer token over a plaintext connection');
  const { ca } = tlsMaterial(config);
  return grpc.credentials.combineChannelCredentials(sslCredentials(ca), bearerTokenFrom(current));
}

/** Bytes in flight per connection and per stream before the client must acknowledge (HTTP/2 flow control). */
export const FLOW_CONTROL_WINDOW = 16 << 20;

/** Channel options to go with the credentials: TLS name override, keepalive, message size limits, flow control. */
export function channelOptions(config: ClientConfig): grpc.ChannelOptions {
  return {
    ...(config.serverName
      ? { 'grpc.ssl_target_name_override': config.serverName, 'grpc.default_authority': config.serverName }
      : {}),
    // Watches stay open for a long time with nothing to say: pings notice a dead peer or a dropped
    // connection in under a minute instead of at the next write.
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // HTTP/2 lets a server send only this many bytes (per connection and per stream) before
    // the client acknowledges them; the 64 KiB default caps a connection full of busy
    // watches far below what the server can send.
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
    // A restarted apiserver is back within seconds: reconnect within a second, not after
    // grpc's default backoff of up to two minutes (a failed attempt costs one SYN).
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 1_000,
    // Nothing reads channelz here: skip its per-call bookkeeping.
    'grpc.enable_channelz': 0,
  };
}

/** The bytes of a PEM given by path or inline as base64; undefined when neither is set. */
function material(path: string | undefined, data: string | undefined, field: string): Buffer | undefined {
  if (data !== undefined) return Buffer.from(data, 'base64');
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new Error(`${field}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
