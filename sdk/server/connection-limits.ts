/**
 * Limits on the connections a gRPC server keeps, so that clients that open connections
 * and then do nothing, or stop reading, cannot hold the server's sockets and memory:
 *
 * - setup: a new connection must finish its TLS handshake and send the HTTP/2 preface
 *   (the connection preface and its SETTINGS frame) within `setupTimeoutMs`, or it is
 *   destroyed. grpc-js has no such limit (Node's TLS handshake timeout is 120 s, and a
 *   plaintext or handshaken connection that never speaks is kept for ever), so it is
 *   applied here on the HTTP/2 servers grpc-js creates for each bound address.
 * - idle: a connection with no call in progress for `idleTimeoutMs` is closed with a
 *   GOAWAY (grpc-js's `grpc.max_connection_idle_ms`). A call in progress, such as a watch,
 *   however quiet, keeps its connection.
 * - keepalive: the server pings every connection every `keepaliveTimeMs` and destroys one
 *   whose client has not answered within `keepaliveTimeoutMs` (`grpc.keepalive_*`). A
 *   client that stops reading its socket never answers, so it is dropped after at most
 *   the sum of the two, whatever the server was writing to it.
 */
import type { Http2SecureServer, Http2Server, ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { Server } from '@grpc/grpc-js';

export interface ConnectionLimits {
  /** TLS handshake plus HTTP/2 preface; 10 s by default; 0 for no limit. */
  setupTimeoutMs?: number;
  /** Closes connections without a call in progress for this long; 5 minutes by default; 0 never. */
  idleTimeoutMs?: number;
  /** Interval between the server's keepalive pings on every connection; 30 s by default. */
  keepaliveTimeMs?: number;
  /** How long a ping may go unanswered before the connection is destroyed; 10 s by default. */
  keepaliveTimeoutMs?: number;
}

export const defaultConnectionLimits: Readonly<Required<ConnectionLimits>> = Object.freeze({
  setupTimeoutMs: 10_000,
  idleTimeoutMs: 5 * 60_000,
  keepaliveTimeMs: 30_000,
  keepaliveTimeoutMs: 10_000,
});

/** The grpc-js server options that carry the idle and keepalive limits. */
export function connectionChannelOptions(limits: ConnectionLimits = {}): Record<string, number> {
  const idle = limits.idleTimeoutMs ?? defaultConnectionLimits.idleTimeoutMs;
  return {
    'grpc.keepalive_time_ms': limits.keepaliveTimeMs ?? defaultConnectionLimits.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutMs ?? defaultConnectionLimits.keepaliveTimeoutMs,
    // grpc-js reads 0 as "close at once": no limit is said by leaving the option out.
    ...(idle > 0 ? { 'grpc.max_connection_idle_ms': idle } : {}),
  };
}

type Http2Listener = Http2Server | Http2SecureServer;
type CreateHttp2Server = (this: Server, credentials: unknown) => Http2Listener;

/**
 * Destroys every connection of `server` that has not finished its TLS handshake and
 * HTTP/2 preface `timeoutMs` after it was accepted; `onTimeout` is told of each.
 *
 * grpc-js creates its HTTP/2 servers out of sight (one per bound address, in its
 * `createHttp2Server` method), so that method is wrapped on this instance to watch each
 * server it creates before it listens. Call before `bindAsync`.
 */
export function limitConnectionSetup(server: Server, timeoutMs: number, onTimeout?: () => void): void {
  if (!(timeoutMs > 0)) return;
  const target = server as unknown as { createHttp2Server?: CreateHttp2Server };
  const create = target.createHttp2Server;
  if (typeof create !== 'function') {
    throw new Error(
      '@grpc/grpc-js no longer creates its HTTP/2 servers in Server.createHttp2Server: the connection setup deadline cannot be applied',
    );
  }
  target.createHttp2Server = function (this: Server, credentials: unknown) {
    const http2Server = create.call(this, credentials);
    watchSetup(http2Server, timeoutMs, onTimeout);
    return http2Server;
  };
}

/** A connection between its acceptance and its client's HTTP/2 SETTINGS. */
interface Pending {
  readonly socket: Socket;
  readonly timer: NodeJS.Timeout;
}

function watchSetup(http2Server: Http2Listener, timeoutMs: number, onTimeout?: () => void): void {
  // By the client's address and port, which the TCP socket and the TLS socket and session
  // over it share: Node hands the session the TLS socket (behind a proxy), not the TCP one.
  const pending = new Map<string, Pending>();
  const settled = (key: string) => {
    const entry = pending.get(key);
    if (entry === undefined) return;
    clearTimeout(entry.timer);
    pending.delete(key);
  };
  // Prepended: Node's own listener may create the session (plaintext) before later listeners run.
  http2Server.prependListener('connection', (socket: Socket) => {
    const key = keyOf(socket);
    if (key === undefined) return;
    const timer = setTimeout(() => {
      pending.delete(key);
      socket.destroy();
      onTimeout?.();
    }, timeoutMs);
    timer.unref();
    pending.set(key, { socket, timer });
    socket.once('close', () => {
      // A newer connection may reuse the address and port once this one is gone.
      if (pending.get(key)?.socket === socket) settled(key);
    });
  });
  http2Server.on('session', (session: ServerHttp2Session) => {
    const key = keyOf(session.socket);
    if (key === undefined) return;
    // The client's SETTINGS frame ends its connection preface.
    session.once('remoteSettings', () => settled(key));
  });
}

function keyOf(socket: { remoteAddress?: string; remotePort?: number } | undefined): string | undefined {
  if (socket?.remoteAddress === undefined || socket.remotePort === undefined) return undefined;
  return `${socket.remoteAddress}|${socket.remotePort}`;
}
