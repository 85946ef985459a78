/**
 * A lean gRPC client for server-streaming watches, on node:http2 directly: the fan-out
 * benchmark's thousand watchers would otherwise spend the one client process on
 * grpc-js's per-message machinery and leave the servers under test waiting for it.
 * It speaks the same protocol as any client (HTTP/2 over TLS with the client
 * certificate, gRPC length-prefixed messages, status in trailers) and hands each
 * response message's bytes to the caller undecoded. It also advertises large HTTP/2
 * frames and flow-control windows, so a busy stream is not held back by acknowledgements.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
} from 'node:http2';
import type { ClientConfig } from '../sdk/client-config.js';
import { FLOW_CONTROL_WINDOW, tlsMaterial } from '../sdk/credentials.js';

/** The largest DATA frame the server may send (HTTP/2 allows up to 2^24 - 1). */
const MAX_FRAME_SIZE = (1 << 24) - 1;

export interface WatchStreamHandlers {
  /** One response message, without its 5-byte gRPC prefix. */
  readonly message: (bytes: Buffer) => void;
  /** The stream ended with a non-OK gRPC status, or failed. */
  readonly error: (err: Error) => void;
}

export class WatchConnection {
  private readonly session: ClientHttp2Session;
  private readonly authority: string;

  constructor(config: ClientConfig) {
    const { ca, cert, key } = tlsMaterial(config);
    this.authority = config.serverName ?? config.server.replace(/:\d+$/, '');
    this.session = connect(`https://${config.server}`, {
      ...(ca ? { ca } : {}),
      ...(cert ? { cert } : {}),
      ...(key ? { key } : {}),
      servername: this.authority,
      ALPNProtocols: ['h2'],
      settings: { initialWindowSize: FLOW_CONTROL_WINDOW, maxFrameSize: MAX_FRAME_SIZE },
    });
    this.session.on('error', () => {}); // reported through each stream
    this.session.once('connect', () => this.session.setLocalWindowSize(FLOW_CONTROL_WINDOW));
  }

  /** Calls `path` (`/pkg.Service/Method`) with one encoded request; returns a cancel function. */
  open(path: string, request: Uint8Array, on: WatchStreamHandlers): () => void {
    const stream: ClientHttp2Stream = this.session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_AUTHORITY]: this.authority,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
    });
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(request.length, 1);
    stream.end(Buffer.concat([prefix, request]));

    let pending: Buffer = Buffer.alloc(0);
    let failed = false;
    const fail = (err: Error) => {
      if (failed) return;
      failed = true;
      on.error(err);
    };
    stream.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      let at = 0;
      while (pending.length - at >= 5) {
        const length = pending.readUInt32BE(at + 1);
        if (pending.length - at - 5 < length) break;
        on.message(pending.subarray(at + 5, at + 5 + length));
        at += 5 + length;
      }
      pending = at === pending.length ? Buffer.alloc(0) : pending.subarray(at);
    });
    const checkStatus = (headers: IncomingHttpHeaders) => {
      const status = headers['grpc-status'];
      if (status !== undefined && status !== '0') {
        fail(
          new Error(`gRPC status ${status}: ${decodeURIComponent(String(headers['grpc-message'] ?? ''))}`),
        );
      }
    };
    stream.on('response', checkStatus); // a trailers-only answer carries the status in the headers
    stream.on('trailers', checkStatus);
    stream.on('error', fail);
    return () => {
      failed = true;
      stream.close(constants.NGHTTP2_CANCEL);
    };
  }

  close(): void {
    this.session.close();
  }
}
