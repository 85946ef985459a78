/**
 * A small etcd v3 gRPC client: per endpoint, one HTTP/2 connection for unary calls
 * (etcd-unary.ts: a third of grpc-js' CPU a call) and one grpc-js channel for watch
 * streams; calls sent to one preferred endpoint and moved to the next when it fails, and
 * the rule for which failed calls may be sent again.
 *
 * Reads (Range, Status, LeaseTimeToLive) are idempotent: on UNAVAILABLE or a deadline
 * they are retried on the next endpoint until the retry budget is spent. A write (Txn,
 * Compact, LeaseGrant) is retried only when etcd cannot have applied it: the channel
 * had no connection ("No connection established"), or etcd refused it before proposing
 * it ("etcdserver: no leader", which every call asks for by sending `hasleader: true`).
 * A write that failed after it may have reached the leader ("leader changed", "request
 * timed out", a connection dropped mid-call, the deadline) has an unknown outcome: etcd
 * may have committed it. Sending a guarded Txn again could then report a conflict with
 * the caller's own write, or apply an unconditional one twice, so the caller gets
 * UNAVAILABLE saying so, and re-reads, as Kubernetes does with etcd.
 */
import {
  type ChannelCredentials,
  Client,
  type ClientDuplexStream,
  credentials,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { StoreError } from '../types.js';
import { UnaryConnection } from './etcd-unary.js';

export interface EtcdTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface EtcdClientOptions {
  /** `host:port` of every member clients may call. */
  readonly endpoints: readonly string[];
  /** TLS towards etcd (its client URLs are https); plaintext without. */
  readonly tls?: EtcdTls;
  /** Deadline of one attempt of a call (default 3 s): a member without quorum answers within it. */
  readonly callTimeoutMs?: number;
  /** How long a call keeps trying other endpoints after retryable failures (default 5 s). */
  readonly retryBudgetMs?: number;
}

export type CallKind = 'read' | 'write';

const identity = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);
const passThrough = (b: Buffer) => b;

/** Failures after which etcd certainly did not apply the request. */
function neverApplied(err: ServiceError): boolean {
  if (err.code === status.RESOURCE_EXHAUSTED) return true; // etcdserver: too many requests
  if (err.code !== status.UNAVAILABLE) return false;
  return /No connection established|no leader|ECONNREFUSED|not capable/i.test(err.details ?? err.message);
}

/** Failures a read may be retried after, on another member. */
function retryableRead(err: ServiceError): boolean {
  return (
    err.code === status.UNAVAILABLE ||
    err.code === status.DEADLINE_EXCEEDED ||
    err.code === status.RESOURCE_EXHAUSTED ||
    // etcd's "request timed out" and "leader changed" arrive as UNAVAILABLE; a stopping member says CANCELLED.
    (err.code === status.CANCELLED && !/Cancelled on client/.test(err.details ?? ''))
  );
}

export function unavailable(message: string): StoreError {
  return new StoreError('Closed', message);
}

export class EtcdClient {
  readonly endpoints: readonly string[];
  private readonly clients: Client[];
  private readonly unary: UnaryConnection[];
  private preferred = 0;
  private readonly callTimeoutMs: number;
  private readonly retryBudgetMs: number;
  private closed = false;

  constructor(options: EtcdClientOptions) {
    if (options.endpoints.length === 0) throw new Error('the etcd driver needs at least one endpoint');
    this.endpoints = options.endpoints;
    this.callTimeoutMs = options.callTimeoutMs ?? 3000;
    this.retryBudgetMs = options.retryBudgetMs ?? 5000;
    const creds: ChannelCredentials = options.tls
      ? credentials.createSsl(options.tls.ca, options.tls.key ?? null, options.tls.cert ?? null)
      : credentials.createInsecure();
    this.unary = options.endpoints.map(
      (endpoint) => new UnaryConnection(endpoint, options.tls, LEADER_REQUIRED),
    );
    this.clients = options.endpoints.map(
      (endpoint) =>
        new Client(endpoint, creds, {
          // A member that comes back is found within a second, not after grpc-js' 2-minute backoff.
          'grpc.initial_reconnect_backoff_ms': 100,
          'grpc.max_reconnect_backoff_ms': 1000,
          'grpc.keepalive_time_ms': 10_000,
          'grpc.keepalive_timeout_ms': 5000,
          'grpc.max_receive_message_length': 64 * 1024 * 1024,
        }),
    );
    // Connected now rather than by the first watch, whose creation would otherwise wait for
    // a handshake while writes made after it on the unary connection reach etcd first.
    for (const client of this.clients) client.getChannel().getConnectivityState(true);
  }

  /**
   * The index of the endpoint calls and new watches go to now: the first listed until it
   * fails (so that replicas listing the members in different orders spread over them).
   */
  get current(): number {
    return this.preferred;
  }

  /** Moves calls and new watches off `failed` (if it is still the preferred one). */
  failover(failed: number): void {
    if (failed === this.preferred) this.preferred = (this.preferred + 1) % this.clients.length;
  }

  /** One unary call with the retry rules above; resolves with the raw response. */
  async call(path: string, request: Uint8Array, kind: CallKind): Promise<Buffer> {
    const deadline = Date.now() + this.retryBudgetMs;
    let backoffMs = 20;
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw unavailable('the etcd driver is closed');
      const endpoint = this.preferred;
      try {
        return await this.attempt(endpoint, path, request);
      } catch (e) {
        const err = e as ServiceError;
        const retry = kind === 'read' ? retryableRead(err) : neverApplied(err);
        if (retryableRead(err)) this.failover(endpoint);
        if (!retry) {
          if (kind === 'write' && retryableRead(err)) {
            throw unavailable(
              `etcd at ${this.endpoints[endpoint]} failed during a write whose outcome is unknown (${err.details || err.message}): read the key again before retrying`,
            );
          }
          throw err;
        }
        if (Date.now() + backoffMs > deadline) {
          throw unavailable(
            `etcd is unavailable at ${this.endpoints.join(', ')} after ${attempt + 1} attempts (last: ${err.details || err.message}): check that a quorum of members is up`,
          );
        }
        // The first retry goes to the next member at once; later ones back off, a member being elected.
        if (attempt > 0) await new Promise((r) => setTimeout(r, backoffMs));
        backoffMs = Math.min(backoffMs * 2, 500);
      }
    }
  }

  private attempt(endpoint: number, path: string, request: Uint8Array): Promise<Buffer> {
    return this.unary[endpoint]!.call(path, request, this.callTimeoutMs);
  }

  /** A Watch stream on the preferred endpoint (no deadline: it lives as long as the watch). */
  openWatchStream(): { stream: ClientDuplexStream<Uint8Array, Buffer>; endpoint: number } {
    if (this.closed) throw unavailable('the etcd driver is closed');
    const endpoint = this.preferred;
    const stream = this.clients[endpoint]!.makeBidiStreamRequest(
      '/etcdserverpb.Watch/Watch',
      identity,
      passThrough,
      requireLeader(),
      {},
    );
    return { stream, endpoint };
  }

  close(): void {
    this.closed = true;
    for (const client of this.clients) client.close();
    for (const connection of this.unary) connection.close();
  }
}

/** The `hasleader` metadata (below) as a unary call's header. */
const LEADER_REQUIRED: Readonly<Record<string, string>> = { hasleader: 'true' };

/**
 * etcd refuses calls and closes watches carrying this while its member has no leader
 * (ErrNoLeader), rather than letting them wait for one: a watch moves to a member of
 * the quorum, a call fails fast and may be retried.
 */
function requireLeader(): Metadata {
  const metadata = new Metadata();
  metadata.set('hasleader', 'true');
  return metadata;
}
