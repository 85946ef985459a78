/**
 * The HTTPS server of the REST API, inside the apiserver process: HTTP/2 and HTTP/1.1 on
 * one port (ALPN picks), the apiserver's serving certificate, client certificates asked
 * for (not required: bearer tokens are the other way in) and checked against the client
 * CA by the same authenticator as the gRPC API. Each request is authenticated, its body
 * bounded, and handed to the router; with an audit log, each is recorded when its response
 * ends.
 */

import { createServer as createHttpServer, type IncomingMessage, ServerResponse } from 'node:http';
import {
  createSecureServer,
  type Http2SecureServer,
  type Http2ServerRequest,
  type Http2ServerResponse,
} from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { type PeerCertificate, TLSSocket } from 'node:tls';
import { Metadata } from '@grpc/grpc-js';
import type { Logger } from '../../sdk/logger.js';
import type { RejectedCertificate } from '../../sdk/server/peer.js';
import type { AuditLog } from '../audit/index.js';
import type { createAuthenticator } from '../auth/authenticate.js';
import { httpHeaders, type RequestHeaders } from '../auth/impersonation.js';
import type { UserInfo } from '../auth/types.js';
import { HttpError, statusOf } from './errors.js';
import type { RestRouter } from './router.js';

/** The largest request body read, as kube-apiserver's 3 MiB limit. */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface RestServerOptions {
  /** The serving certificate and the client CA; plaintext HTTP/1.1 without (tests, --insecure-serving). */
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer };
  readonly authenticate: ReturnType<typeof createAuthenticator>;
  /** The user an authenticated caller acts as, from its Impersonate-* headers (auth/impersonation.ts). */
  readonly impersonate?: (caller: UserInfo, headers: RequestHeaders) => Promise<UserInfo>;
  readonly router: RestRouter;
  readonly logger: Logger;
  /** Records every call when its response ends, as the gRPC server's calls are. */
  readonly audit?: AuditLog;
}

export interface RestServer {
  /** Listens on host:port (0: a free port) and resolves with the port. */
  listen(host: string, port: number): Promise<number>;
  close(): Promise<void>;
}

type AnyRequest = IncomingMessage | Http2ServerRequest;
type AnyResponse = ServerResponse | Http2ServerResponse;

/** What the TLS layer says of a connection's client certificate, read once per connection. */
interface Peer {
  readonly certificate?: PeerCertificate;
  readonly rejected?: RejectedCertificate;
}

export function createRestServer(opts: RestServerOptions): RestServer {
  const peers = new WeakMap<object, Peer>();
  const peerOf = (socket: Socket | TLSSocket | undefined): Peer => {
    if (!(socket instanceof TLSSocket)) return {};
    let peer = peers.get(socket);
    if (peer === undefined) {
      const cert = socket.getPeerCertificate();
      const presented = cert !== undefined && cert !== null && Object.keys(cert).length > 0 && !!cert.raw;
      if (!presented) peer = {};
      else if (socket.authorized) peer = { certificate: cert };
      else {
        const error = socket.authorizationError as unknown;
        const reason =
          error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
        peer = { rejected: { certificate: cert, reason } };
      }
      peers.set(socket, peer);
    }
    return peer;
  };

  const handle = async (req: AnyRequest, res: AnyResponse, upgrade?: { socket: Duplex; head: Buffer }) => {
    const controller = new AbortController();
    res.once('close', () => controller.abort());
    const socket =
      'stream' in req && req.stream
        ? (req.stream.session?.socket as Socket | undefined)
        : (req.socket as Socket);
    const url = new URL(req.url ?? '/', 'https://apiserver');
    const method = (req.method ?? 'GET').toUpperCase();
    let user: Awaited<ReturnType<typeof opts.authenticate>> | undefined;
    let read: Promise<Buffer> | undefined;
    const body = bodyReader(req);
    const readBody = () => {
      read ??= body();
      return read;
    };
    const record = opts.audit ? new Metadata() : undefined;
    if (opts.audit && record) {
      const audit = opts.audit;
      const started = process.hrtime.bigint();
      const ended = () => {
        void (read ?? Promise.resolve(undefined))
          .catch(() => undefined)
          .then((requestBody) =>
            audit.recordRest({
              method,
              path: url.pathname,
              requestURI: `${url.pathname}${url.search}`,
              userAgent: String(req.headers['user-agent'] ?? ''),
              user,
              peer: socket?.remoteAddress ?? '',
              name: '',
              // A handler that took an upgraded connection over answered 101 on the socket itself.
              responseCode: upgrade && !res.headersSent ? 101 : res.statusCode,
              seconds: Number(process.hrtime.bigint() - started) / 1e9,
              record,
              ...(requestBody ? { body: requestBody } : {}),
            }),
          );
      };
      // An upgraded connection (exec) is recorded when it closes.
      if (upgrade) upgrade.socket.once('close', ended);
      else res.once('close', ended);
    }
    try {
      const peer = peerOf(socket);
      const authorization = req.headers.authorization;
      try {
        user = await opts.authenticate(peer.certificate, authorization, peer.rejected);
        if (opts.impersonate)
          user = await opts.impersonate(user, httpHeaders(req.headers, req.httpVersionMajor));
      } catch (err) {
        writeStatus(res, err);
        return;
      }
      await opts.router(
        {
          method,
          url,
          headers: req.headers,
          user,
          signal: controller.signal,
          body: readBody,
          ...(upgrade ? { upgrade } : {}),
          ...(record ? { record } : {}),
        },
        res,
      );
    } catch (err) {
      opts.logger.error({ err, path: req.url }, 'REST request failed');
      if (!res.headersSent) writeStatus(res, err);
      else if (!res.writableEnded) res.end();
    }
  };
  const onRequest = (req: AnyRequest, res: AnyResponse) => void handle(req, res);

  let server: Http2SecureServer | ReturnType<typeof createHttpServer>;
  if (opts.tls) {
    server = createSecureServer(
      {
        cert: opts.tls.cert,
        key: opts.tls.key,
        ...(opts.tls.ca ? { ca: opts.tls.ca, requestCert: true } : {}),
        rejectUnauthorized: false,
        allowHTTP1: true,
      },
      onRequest,
    );
  } else {
    server = createHttpServer(onRequest);
  }
  // HTTP/1.1 `Upgrade` requests (kubectl exec over WebSocket): routed like any other, with
  // a response bound to the socket so that a refusal is still an HTTP answer with a Status.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const res = new ServerResponse(req);
    res.assignSocket(socket as Socket);
    res.shouldKeepAlive = false;
    socket.on('error', (err) => opts.logger.debug({ err }, 'REST upgraded connection error'));
    void handle(req, res, { socket, head }).finally(() => {
      // A handler that took the socket over owns it; otherwise the answer ends the connection.
      if (res.headersSent && res.writableEnded) socket.end();
    });
  });
  server.on('sessionError', (err: unknown) => opts.logger.debug({ err }, 'REST session error'));

  return {
    listen(host, port) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        // Watches never end by themselves: close what is still open.
        if ('closeAllConnections' in server) server.closeAllConnections();
        setTimeout(resolve, 2000).unref();
      });
    },
  };
}

/** Reads the request body once, at most MAX_REQUEST_BODY_BYTES. */
function bodyReader(req: AnyRequest): () => Promise<Buffer> {
  let body: Promise<Buffer> | undefined;
  return () => {
    body ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_REQUEST_BODY_BYTES) {
          reject(
            HttpError.requestTooLarge(`the request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes`),
          );
          req.removeAllListeners('data');
          req.resume();
          return;
        }
        chunks.push(chunk);
      });
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', reject);
    });
    return body;
  };
}

function writeStatus(res: AnyResponse, err: unknown): void {
  const { status, body } = statusOf(err);
  const text = JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  };
  if (status === 401) headers['www-authenticate'] = 'Bearer realm="kubernetes"';
  res.writeHead(status, headers);
  res.end(text);
}
