/**
 * A small WebSocket client (RFC 6455) over node:http, for the one place that needs it:
 * the streaming server of a CRI runtime, where exec's streams travel. Node 20 has no
 * WebSocket client of its own.
 *
 * What it does: the opening handshake (key, accept check, subprotocol negotiation),
 * masked frames from the client, unmasked frames from the server, fragmented messages,
 * ping answered with pong, the closing handshake. What it does not: extensions
 * (permessage-deflate is never offered), TLS (the streaming server listens on the
 * node's loopback), text messages as strings (a message is always a Buffer).
 *
 * Backpressure: `pause()` stops reading the socket (and delivering messages) until
 * `resume()`; `send` resolves its callback once the frame is handed to the kernel, so a
 * writer that waits for it never queues more than one message.
 */
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** The GUID of RFC 6455 section 1.3, hashed with the key into Sec-WebSocket-Accept. */
const acceptGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Messages larger than this end the connection (1009): the peers here send small frames. */
const maxMessageBytes = 64 * 1024 * 1024;

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export interface WebSocketOptions {
  /** Subprotocols offered, most preferred first (Sec-WebSocket-Protocol). */
  readonly protocols?: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Aborts the handshake, or destroys the connection once open. */
  readonly signal?: AbortSignal;
  /** How long the handshake may take (default 10 s). */
  readonly timeoutMs?: number;
}

/**
 * An open WebSocket. Events: `message` (data: Buffer, binary: boolean), `close` (code:
 * number, reason: string) once, when the connection is gone (1006 when it ended without
 * a closing handshake), and `error` (err) before `close` for protocol or socket errors.
 */
export interface WebSocketConnection extends EventEmitter {
  /** The subprotocol the server chose; empty when none. */
  readonly protocol: string;
  /** Sends one binary message; `done` is called once it is written out (or failed). */
  send(data: Buffer, done?: (err?: Error | null) => void): boolean;
  /** Stops delivering messages (and reading the socket) until resume(). */
  pause(): void;
  resume(): void;
  /** Starts the closing handshake; the socket is destroyed if the server does not answer in time. */
  close(code?: number, reason?: string): void;
  /** Ends the connection at once, without a closing handshake. */
  destroy(): void;
}

/** Opens a WebSocket to `url` (ws:, wss: is refused, or http: as CRI runtimes hand them out). */
export function connectWebSocket(url: string, options: WebSocketOptions = {}): Promise<WebSocketConnection> {
  const target = new URL(url);
  if (target.protocol !== 'ws:' && target.protocol !== 'http:') {
    return Promise.reject(
      new Error(`cannot open a WebSocket to ${url}: only ws:// and http:// URLs are supported`),
    );
  }
  const key = randomBytes(16).toString('base64');
  const protocols = options.protocols ?? [];
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: target.hostname.replace(/^\[|\]$/g, ''),
      port: target.port || 80,
      path: `${target.pathname}${target.search}`,
      method: 'GET',
      headers: {
        ...options.headers,
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Key': key,
        'Sec-WebSocket-Version': '13',
        ...(protocols.length > 0 ? { 'Sec-WebSocket-Protocol': protocols.join(', ') } : {}),
      },
      timeout: options.timeoutMs ?? 10_000,
      signal: options.signal,
    });
    req.on('timeout', () => req.destroy(new Error(`the WebSocket handshake with ${url} timed out`)));
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      // Not an upgrade: the server refused; its body says why.
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.push(b));
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8').trim().slice(0, 500);
        reject(
          new Error(
            `the server at ${url} refused the WebSocket upgrade: HTTP ${res.statusCode}${body ? `: ${body}` : ''}`,
          ),
        );
      });
    });
    req.on('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
      const expected = createHash('sha1').update(`${key}${acceptGuid}`).digest('base64');
      const protocol = String(res.headers['sec-websocket-protocol'] ?? '');
      let problem: string | undefined;
      if (String(res.headers.upgrade ?? '').toLowerCase() !== 'websocket')
        problem = 'the server did not upgrade to websocket';
      else if (res.headers['sec-websocket-accept'] !== expected)
        problem = 'the server answered with a wrong Sec-WebSocket-Accept';
      else if (protocol !== '' && !protocols.includes(protocol))
        problem = `the server chose subprotocol "${protocol}", which was not offered`;
      else if (res.headers['sec-websocket-extensions'])
        problem = 'the server chose an extension, though none was offered';
      if (problem) {
        socket.destroy();
        reject(new Error(`WebSocket handshake with ${url} failed: ${problem}`));
        return;
      }
      resolve(new Connection(socket, protocol, head, options.signal));
    });
    req.end();
  });
}

class Connection extends EventEmitter implements WebSocketConnection {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private paused = false;
  /** Frames of a fragmented message so far, and its type. */
  private fragments: Buffer[] = [];
  private fragmentsBytes = 0;
  private fragmentBinary = true;
  private closeSent = false;
  private closed = false;
  /** The TCP connection is gone; `close` waits for the frames still buffered to be delivered. */
  private socketClosed = false;
  private closeTimer: NodeJS.Timeout | undefined;
  private received: { code: number; reason: string } | undefined;

  constructor(
    private readonly socket: Socket,
    readonly protocol: string,
    head: Buffer,
    signal: AbortSignal | undefined,
  ) {
    super();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered.push(chunk);
      this.bufferedBytes += chunk.length;
      this.parse();
    });
    socket.on('error', (err) => this.emit('error', err));
    socket.on('close', () => {
      this.socketClosed = true;
      this.parse();
    });
    socket.on('end', () => socket.end());
    if (signal) {
      const onAbort = () => this.destroy();
      signal.addEventListener('abort', onAbort, { once: true });
      this.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    if (head.length > 0) {
      this.buffered.push(head);
      this.bufferedBytes += head.length;
      // After the caller attached its listeners.
      setImmediate(() => this.parse());
    }
  }

  send(data: Buffer, done?: (err?: Error | null) => void): boolean {
    if (this.closeSent || this.socket.destroyed) {
      const err = new Error('the WebSocket is closing: nothing more can be sent');
      if (done) process.nextTick(done, err);
      return false;
    }
    return this.socket.write(frame(Opcode.binary, data), done);
  }

  pause(): void {
    this.paused = true;
    this.socket.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.socket.resume();
    this.parse();
  }

  close(code = 1000, reason = ''): void {
    if (this.closed) return;
    this.sendClose(code, reason);
    this.closeTimer = setTimeout(() => this.socket.destroy(), 5_000);
    this.closeTimer.unref();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent || this.socket.destroyed) return;
    this.closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.socket.write(frame(Opcode.close, payload));
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.closeTimer);
    const { code, reason } = this.received ?? { code: 1006, reason: '' };
    this.emit('close', code, reason);
  }

  private fail(code: number, message: string): void {
    // Nothing after a protocol error is read: the connection is over.
    this.buffered = [];
    this.bufferedBytes = 0;
    this.fragments = [];
    this.emit('error', new Error(`WebSocket protocol error: ${message}`));
    this.sendClose(code, message.slice(0, 120));
    this.socket.end();
    this.socket.destroy();
  }

  /** Takes whole frames off the buffer, as long as messages are wanted. */
  private parse(): void {
    this.parseFrames();
    if (this.socketClosed && !this.paused) this.finish();
  }

  private parseFrames(): void {
    while (!this.paused && !this.closed && this.bufferedBytes >= 2) {
      const data = this.buffered.length === 1 ? this.buffered[0]! : Buffer.concat(this.buffered);
      this.buffered = [data];
      const b0 = data[0]!;
      const b1 = data[1]!;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if ((b0 & 0x70) !== 0) {
        this.fail(1002, 'reserved bits set without an extension');
        return;
      }
      if ((b1 & 0x80) !== 0) {
        this.fail(1002, 'the server masked a frame');
        return;
      }
      let length = b1 & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (data.length < 4) return;
        length = data.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (data.length < 10) return;
        const long = data.readBigUInt64BE(2);
        if (long > BigInt(maxMessageBytes)) {
          this.fail(1009, `a frame of ${long} bytes is too large`);
          return;
        }
        length = Number(long);
        offset = 10;
      }
      if (data.length < offset + length) return;
      const payload = data.subarray(offset, offset + length);
      const rest = data.subarray(offset + length);
      this.buffered = rest.length > 0 ? [rest] : [];
      this.bufferedBytes = rest.length;
      this.onFrame(fin, opcode, payload);
    }
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (opcode >= 0x8) {
      if (!fin || payload.length > 125) {
        this.fail(1002, 'a control frame was fragmented or too long');
        return;
      }
      if (opcode === Opcode.ping) {
        if (!this.closeSent) this.socket.write(frame(Opcode.pong, payload));
      } else if (opcode === Opcode.close) {
        this.received = {
          code: payload.length >= 2 ? payload.readUInt16BE(0) : 1005,
          reason: payload.subarray(2).toString('utf8'),
        };
        // Echo the close, then the server closes the TCP connection.
        this.sendClose(this.received.code === 1005 ? 1000 : this.received.code, '');
        this.socket.end();
      } else if (opcode !== Opcode.pong) {
        this.fail(1002, `unknown control opcode ${opcode}`);
        return;
      }
      return;
    }
    if (opcode === Opcode.continuation) {
      if (this.fragments.length === 0) {
        this.fail(1002, 'a continuation frame with no message');
        return;
      }
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.fragments.length > 0) {
        this.fail(1002, 'a new message inside a fragmented one');
        return;
      }
      this.fragmentBinary = opcode === Opcode.binary;
    } else {
      this.fail(1002, `unknown data opcode ${opcode}`);
      return;
    }
    this.fragments.push(payload);
    this.fragmentsBytes += payload.length;
    if (this.fragmentsBytes > maxMessageBytes) {
      this.fail(1009, 'a message is too large');
      return;
    }
    if (!fin) return;
    const message = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentsBytes = 0;
    this.emit('message', message, this.fragmentBinary);
  }
}

/** One frame from the client: FIN set, masked with a fresh key (RFC 6455 section 5.3). */
export function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 65536 ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + 4);
  header[0] = 0x80 | opcode;
  if (lengthBytes === 0) header[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    header[1] = 0x80 | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(header, 2 + lengthBytes);
  const masked = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) masked[i] = payload[i]! ^ mask[i & 3]!;
  return Buffer.concat([header, masked]);
}
