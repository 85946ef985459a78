/**
 * gRPC unary calls to one etcd member straight over node:http2: the request framed by
 * hand (a 5-byte length prefix, no compression), the answer's status read from its
 * trailers. Every create, update, delete and read of the etcd driver is one such call,
 * and grpc-js spends 2–3× the CPU of this on each (its channel, filters, metadata and
 * status machinery run per call); on a machine where the store shares its cores with
 * etcd, that CPU is taken from etcd. Watches keep grpc-js' bidirectional streams: their
 * cost is per message, not per call.
 *
 * Failures come back shaped as grpc-js' ServiceError (`code`, `details`), so that the
 * client's retry rules read them alike. Whether a failed call may have reached etcd is
 * what those rules need: a call that failed before its connection was established, or
 * that etcd refused unprocessed (REFUSED_STREAM, or a GOAWAY naming a lower stream), says
 * "No connection established"; a connection lost after the call was written says
 * "connection dropped", whose outcome is unknown.
 */
import {
  type ClientHttp2Session,
  type ClientHttp2Stream,
  connect,
  constants,
  type IncomingHttpHeaders,
  type OutgoingHttpHeaders,
  type SecureClientSessionOptions,
} from 'node:http2';
import { status } from '@grpc/grpc-js';

export interface UnaryTls {
  readonly ca: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
}

export interface UnaryCallError extends Error {
  readonly code: status;
  readonly details: string;
}

/** The largest answer accepted (a list of many large values). */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Client stream IDs run out at 2^31; a session is replaced well before. */
const STREAMS_PER_SESSION = 1 << 30;
/** An idle connection is checked this often, and dropped if a ping is not answered within the timeout. */
const KEEPALIVE_MS = 10_000;
const KEEPALIVE_TIMEOUT_MS = 5000;

const {
  HTTP2_HEADER_METHOD,
  HTTP2_HEADER_PATH,
  HTTP2_HEADER_CONTENT_TYPE,
  HTTP2_HEADER_TE,
  HTTP2_HEADER_STATUS,
  NGHTTP2_CANCEL,
  NGHTTP2_REFUSED_STREAM,
} = constants;

export function unaryError(code: status, details: string): UnaryCallError {
  const err = new Error(`${code} ${status[code]}: ${details}`) as Error & { code: status; details: string };
  err.code = code;
  err.details = details;
  return err;
}

/** The gRPC code of an HTTP status that is not 200 (gRPC's HTTP-to-status mapping). */
function httpStatusCode(httpStatus: number): status {
  switch (httpStatus) {
    case 400:
      return status.INTERNAL;
    case 401:
      return status.UNAUTHENTICATED;
    case 403:
      return status.PERMISSION_DENIED;
    case 404:
      return status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return status.UNAVAILABLE;
    default:
      return status.UNKNOWN;
  }
}

function decodeMessage(raw: string | string[] | undefined): string {
  const text = Array.isArray(raw) ? raw.join(',') : (raw ?? '');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One long-lived HTTP/2 connection to one member, replaced when it fails. */
class Session {
  readonly http2: ClientHttp2Session;
  connected = false;
  /** No new calls: it failed, was told to go away, or used up its stream IDs. */
  retired = false;
  streams = 0;
  /** Why it failed, for the calls it fails. */
  failure = '';
  /** Streams above this ID were refused unprocessed by the member's GOAWAY. */
  goAwayLastStreamId = Number.POSITIVE_INFINITY;
  private readonly keepalive: NodeJS.Timeout;

  constructor(authority: string, options: SecureClientSessionOptions, onGone: (s: Session) => void) {
    this.http2 = connect(authority, options);
    this.http2.setMaxListeners(0);
    this.http2.once('connect', () => {
      this.connected = true;
      // Large lists arrive without waiting on the default 64 KiB window.
      this.http2.setLocalWindowSize(16 * 1024 * 1024);
    });
    const gone = (why: string) => {
      if (!this.failure) this.failure = why;
      this.retired = true;
      clearInterval(this.keepalive);
      onGone(this);
    };
    this.http2.on('error', (err: Error) => gone(err.message));
    this.http2.on('goaway', (_code: number, lastStreamId: number) => {
      this.goAwayLastStreamId = lastStreamId;
      gone('the member is going away');
    });
    this.http2.once('close', () => gone('connection closed'));
    this.keepalive = setInterval(() => {
      if (!this.connected || this.retired) return;
      const timer = setTimeout(
        () => this.http2.destroy(new Error('keepalive ping not answered')),
        KEEPALIVE_TIMEOUT_MS,
      );
      this.http2.ping((err) => {
        clearTimeout(timer);
        if (err && !this.retired) this.http2.destroy(err);
      });
    }, KEEPALIVE_MS);
    this.keepalive.unref();
    this.http2.unref();
  }

  close(): void {
    this.retired = true;
    clearInterval(this.keepalive);
    this.http2.close();
  }
}

/** Unary calls to one member over one HTTP/2 connection, opened on first use and reopened after it fails. */
export class UnaryConnection {
  private session: Session | undefined;
  private readonly authority: string;
  private readonly options: SecureClientSessionOptions;
  /** Request headers by path and timeout: built once, not on every call. */
  private readonly headers = new Map<string, OutgoingHttpHeaders>();
  private closed = false;
  /** Answers received in this event-loop turn, handed over together at its end (`handOver`). */
  private answered: (() => void)[] = [];
  private handOverScheduled = false;

  /** `metadata`: headers every call carries (etcd's `hasleader`). */
  constructor(
    endpoint: string,
    tls: UnaryTls | undefined,
    private readonly metadata: Readonly<Record<string, string>> = {},
  ) {
    this.authority = `${tls ? 'https' : 'http'}://${endpoint}`;
    this.options = {
      settings: { enablePush: false, initialWindowSize: 1024 * 1024 },
      maxSessionMemory: 64,
      ...(tls ? { ca: tls.ca, cert: tls.cert, key: tls.key, ALPNProtocols: ['h2'] } : {}),
    };
  }

  /** Calls `path` with the encoded `request`; resolves with the encoded answer or rejects with a UnaryCallError. */
  call(path: string, request: Uint8Array, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (this.closed) {
        reject(unaryError(status.CANCELLED, 'the connection to etcd is closed'));
        return;
      }
      const session = this.currentSession();
      session.streams++;
      if (session.streams >= STREAMS_PER_SESSION) session.retired = true;
      let stream: ClientHttp2Stream;
      try {
        stream = session.http2.request(this.headersOf(path, timeoutMs), { endStream: false });
      } catch (err) {
        session.retired = true;
        reject(unaryError(status.UNAVAILABLE, `No connection established: ${(err as Error).message}`));
        return;
      }
      const frame = Buffer.allocUnsafe(5 + request.byteLength);
      frame[0] = 0;
      frame.writeUInt32BE(request.byteLength, 1);
      frame.set(request, 5);
      stream.end(frame);

      let settled = false;
      let responseHeaders: IncomingHttpHeaders | undefined;
      let trailers: IncomingHttpHeaders | undefined;
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = (err: UnaryCallError | undefined, answer?: Buffer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) {
          if (!stream.closed) stream.close(NGHTTP2_CANCEL);
          this.handOver(() => reject(err));
        } else this.handOver(() => resolve(answer!));
      };
      // A failure of the stream or connection: did the call reach etcd?
      const lost = (why: string) => {
        const unsent =
          !session.connected ||
          stream.rstCode === NGHTTP2_REFUSED_STREAM ||
          (stream.id !== undefined && stream.id > session.goAwayLastStreamId);
        finish(
          unaryError(
            status.UNAVAILABLE,
            unsent ? `No connection established: ${why}` : `connection dropped: ${why}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        if (!session.connected) lost(`no connection to ${this.authority} within ${timeoutMs} ms`);
        else finish(unaryError(status.DEADLINE_EXCEEDED, `Deadline exceeded after ${timeoutMs} ms`));
      }, timeoutMs);

      stream.on('response', (h) => {
        responseHeaders = h;
      });
      stream.on('trailers', (t) => {
        trailers = t;
      });
      stream.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > MAX_RESPONSE_BYTES + 5) {
          finish(
            unaryError(
              status.RESOURCE_EXHAUSTED,
              `etcd's answer to ${path} is over ${MAX_RESPONSE_BYTES} bytes: read fewer keys at a time`,
            ),
          );
          return;
        }
        chunks.push(chunk);
      });
      stream.on('error', (err: Error) => lost(session.failure || err.message));
      stream.on('close', () => {
        if (settled) return;
        if (!responseHeaders) {
          lost(session.failure || `stream closed with code ${stream.rstCode}`);
          return;
        }
        // A trailers-only answer carries its status in the headers.
        const meta = trailers ?? responseHeaders;
        const grpcStatus = meta['grpc-status'];
        if (grpcStatus === undefined) {
          const httpStatus = Number(responseHeaders[HTTP2_HEADER_STATUS]);
          if (httpStatus !== 200) {
            finish(unaryError(httpStatusCode(httpStatus), `etcd answered HTTP ${httpStatus}`));
          } else lost(session.failure || `stream closed with code ${stream.rstCode} before its status`);
          return;
        }
        const code = Number(grpcStatus) as status;
        if (code !== status.OK) {
          finish(unaryError(code, decodeMessage(meta['grpc-message'])));
          return;
        }
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
        if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) {
          finish(unaryError(status.INTERNAL, `etcd's answer to ${path} is not one uncompressed message`));
          return;
        }
        finish(undefined, body.subarray(5));
      });
    });
  }

  /**
   * Settles a call at the end of this event-loop turn, together with every other call
   * answered in it. Each stream's end reaches JavaScript as a callback of its own, after
   * which Node runs the ticks and microtasks it queued: settled there, the answers of one
   * read of the socket would each run their callers' continuations apart, and the store
   * would send its client one Pipeline message per answer (at 16 creates in flight, every
   * answer alone, at twice the CPU of a create answered with others). Settled together,
   * the continuations run in one checkpoint and their results leave in one message. The
   * cost is the rest of the turn's I/O callbacks, run before the check phase.
   */
  private handOver(settle: () => void): void {
    this.answered.push(settle);
    if (this.handOverScheduled) return;
    this.handOverScheduled = true;
    setImmediate(this.handOverAll);
  }

  private readonly handOverAll = (): void => {
    const answered = this.answered;
    this.answered = [];
    this.handOverScheduled = false;
    for (const settle of answered) settle();
  };

  private headersOf(path: string, timeoutMs: number): OutgoingHttpHeaders {
    const key = `${timeoutMs} ${path}`;
    let headers = this.headers.get(key);
    if (!headers) {
      headers = {
        [HTTP2_HEADER_METHOD]: 'POST',
        [HTTP2_HEADER_PATH]: path,
        [HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
        [HTTP2_HEADER_TE]: 'trailers',
        'grpc-timeout': `${Math.max(1, Math.ceil(timeoutMs))}m`,
        ...this.metadata,
      };
      this.headers.set(key, headers);
    }
    return headers;
  }

  close(): void {
    this.closed = true;
    this.session?.close();
    this.session = undefined;
  }

  private currentSession(): Session {
    if (this.session && !this.session.retired) return this.session;
    const previous = this.session;
    // Calls still on a retired session finish there; the connection closes after them.
    if (previous && !previous.http2.destroyed) previous.close();
    this.session = new Session(this.authority, this.options, (gone) => {
      if (this.session === gone) this.session = undefined;
    });
    return this.session;
  }
}
