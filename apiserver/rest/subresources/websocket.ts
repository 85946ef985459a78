/**
 * The server's end of a WebSocket (RFC 6455) on a connection node:http handed over at an
 * `Upgrade` request: the opening handshake, then frames both ways. It is what `pods/exec`
 * needs and no more: binary and text messages (fragmented or not), ping answered with
 * pong, close answered with close; no extensions (no compression is negotiated).
 */
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { HttpError } from '../errors.js';

const handshakeGuid = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const Opcode = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

/** Close codes this side sends. */
export const CloseCode = {
  normal: 1000,
  protocolError: 1002,
  tooBig: 1009,
} as const;

/** The largest message accepted; a bigger one closes the connection (1009). */
export const maxMessageBytes = 16 * 1024 * 1024;

/** `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`. */
export function acceptKey(key: string): string {
  return createHash('sha1').update(`${key}${handshakeGuid}`).digest('base64');
}

/**
 * The subprotocol to speak: the first of `supported` (in the server's order of
 * preference) that the client offers in `Sec-WebSocket-Protocol`. Throws a 400 naming
 * both lists when the request is not a WebSocket upgrade or nothing matches.
 */
export function negotiate(headers: IncomingHttpHeaders, supported: readonly string[]): string {
  if ((headers.upgrade ?? '').toLowerCase() !== 'websocket') {
    throw HttpError.badRequest(
      `this endpoint streams over a WebSocket: send "Upgrade: websocket" with one of the subprotocols ${supported.join(', ')}`,
    );
  }
  if (!headers['sec-websocket-key']) {
    throw HttpError.badRequest('the WebSocket upgrade has no Sec-WebSocket-Key header');
  }
  const offered = String(headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const chosen = supported.find((p) => offered.includes(p));
  if (chosen === undefined) {
    throw HttpError.badRequest(
      `none of the WebSocket subprotocols offered (${offered.join(', ') || 'none'}) is supported: use one of ${supported.join(', ')}`,
    );
  }
  return chosen;
}

/** The `101 Switching Protocols` answer to an upgrade request. */
export function handshakeResponse(key: string, protocol: string): string {
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${acceptKey(key)}`,
    `Sec-WebSocket-Protocol: ${protocol}`,
    '',
    '',
  ].join('\r\n');
}

/** One frame, as a server writes it: final, unmasked. */
export function encodeFrame(opcode: number, payload: Uint8Array = Buffer.alloc(0), mask?: Buffer): Buffer {
  const length = payload.length;
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const head = Buffer.alloc(2 + lengthBytes + (mask ? 4 : 0));
  head[0] = 0x80 | opcode;
  head[1] = (mask ? 0x80 : 0) | (lengthBytes === 0 ? length : lengthBytes === 2 ? 126 : 127);
  if (lengthBytes === 2) head.writeUInt16BE(length, 2);
  else if (lengthBytes === 8) head.writeBigUInt64BE(BigInt(length), 2);
  if (!mask) return Buffer.concat([head, payload]);
  mask.copy(head, 2 + lengthBytes);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, body]);
}

/** What a FrameParser reports. */
export type WebSocketEvent =
  | { readonly type: 'message'; readonly binary: boolean; readonly data: Buffer }
  | { readonly type: 'ping'; readonly data: Buffer }
  | { readonly type: 'pong'; readonly data: Buffer }
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'error'; readonly code: number; readonly message: string };

/**
 * Turns the bytes a client sends into messages and control frames, however the bytes are
 * split. Client frames must be masked (RFC 6455 5.1); fragments are joined into one
 * message. After an 'error' it reports nothing more.
 */
export class FrameParser {
  private buffered: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private fragmentBytes = 0;
  private fragmentBinary = false;
  private failed = false;

  constructor(private readonly maxBytes = maxMessageBytes) {}

  push(chunk: Buffer): WebSocketEvent[] {
    if (this.failed) return [];
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const events: WebSocketEvent[] = [];
    for (;;) {
      const event = this.next();
      if (event === undefined) break;
      if (event !== null) events.push(event);
      if (event?.type === 'error') {
        this.failed = true;
        break;
      }
    }
    return events;
  }

  /** The next event; null for a frame that completes none (a fragment); undefined when more bytes are needed. */
  private next(): WebSocketEvent | null | undefined {
    const b = this.buffered;
    if (b.length < 2) return undefined;
    const fin = (b[0]! & 0x80) !== 0;
    const reserved = b[0]! & 0x70;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      const long = b.readBigUInt64BE(2);
      if (long > BigInt(this.maxBytes))
        return this.fail(CloseCode.tooBig, `a frame of ${long} bytes is too big`);
      length = Number(long);
      offset = 10;
    }
    if (reserved !== 0)
      return this.fail(CloseCode.protocolError, 'reserved bits set: no extension was negotiated');
    if (!masked) return this.fail(CloseCode.protocolError, 'client frames must be masked');
    if (length > this.maxBytes) return this.fail(CloseCode.tooBig, `a frame of ${length} bytes is too big`);
    if (b.length < offset + 4 + length) return undefined;
    const mask = b.subarray(offset, offset + 4);
    const payload = Buffer.from(b.subarray(offset + 4, offset + 4 + length));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    this.buffered = b.subarray(offset + 4 + length);

    if (opcode >= 0x8) {
      if (!fin || length > 125)
        return this.fail(CloseCode.protocolError, 'control frames must be whole and short');
      if (opcode === Opcode.ping) return { type: 'ping', data: payload };
      if (opcode === Opcode.pong) return { type: 'pong', data: payload };
      if (opcode === Opcode.close) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        return { type: 'close', code, reason: payload.subarray(2).toString('utf8') };
      }
      return this.fail(CloseCode.protocolError, `unknown control opcode ${opcode}`);
    }
    if (opcode === Opcode.continuation) {
      if (this.fragments.length === 0)
        return this.fail(CloseCode.protocolError, 'a continuation frame with no message to continue');
    } else if (opcode === Opcode.text || opcode === Opcode.binary) {
      if (this.fragments.length > 0)
        return this.fail(CloseCode.protocolError, 'a new message before the last one ended');
      this.fragmentBinary = opcode === Opcode.binary;
    } else {
      return this.fail(CloseCode.protocolError, `unknown opcode ${opcode}`);
    }
    this.fragments.push(payload);
    this.fragmentBytes += payload.length;
    if (this.fragmentBytes > this.maxBytes)
      return this.fail(CloseCode.tooBig, `a message over ${this.maxBytes} bytes`);
    if (!fin) return null;
    const data = this.fragments.length === 1 ? this.fragments[0]! : Buffer.concat(this.fragments);
    this.fragments = [];
    this.fragmentBytes = 0;
    return { type: 'message', binary: this.fragmentBinary, data };
  }

  private fail(code: number, message: string): WebSocketEvent {
    return { type: 'error', code, message };
  }
}

export interface WebSocketHandlers {
  onMessage(data: Buffer, binary: boolean): void;
  /** The connection ended: closed by either side, failed, or the socket went away. Called once. */
  onClose(code: number): void;
}

/** A server-side WebSocket over an upgraded connection (the handshake already written). */
export interface WebSocket {
  /** Sends one binary message; false when the socket's buffer is full (wait for 'drain'). */
  send(data: Buffer): boolean;
  /** Sends a close frame and ends the connection once the client answers (or at once when it has gone). */
  close(code?: number, reason?: string): void;
  /** Stops and restarts reading from the client (backpressure towards it). */
  pause(): void;
  resume(): void;
  readonly socket: Duplex;
}

/** How long a close waits for the client's close frame before the socket is destroyed. */
const closeWaitMs = 5_000;

export function createWebSocket(socket: Duplex, head: Buffer, handlers: WebSocketHandlers): WebSocket {
  const parser = new FrameParser();
  let closed = false;
  let closeSent = false;
  let closeTimer: NodeJS.Timeout | undefined;
  const finish = (code: number) => {
    if (closed) return;
    closed = true;
    clearTimeout(closeTimer);
    handlers.onClose(code);
  };
  const sendClose = (code: number, reason = '') => {
    if (closeSent || socket.destroyed) return;
    closeSent = true;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    socket.write(encodeFrame(Opcode.close, payload));
  };
  const onData = (chunk: Buffer) => {
    for (const event of parser.push(chunk)) {
      switch (event.type) {
        case 'message':
          if (!closed) handlers.onMessage(event.data, event.binary);
          break;
        case 'ping':
          if (!closeSent) socket.write(encodeFrame(Opcode.pong, event.data));
          break;
        case 'pong':
          break;
        case 'close':
          // Echo the code, as RFC 6455 5.5.1 asks, then the connection is done.
          sendClose(event.code === 1005 ? CloseCode.normal : event.code);
          socket.end();
          finish(event.code);
          break;
        case 'error':
          sendClose(event.code, event.message.slice(0, 120));
          socket.end();
          finish(event.code);
          break;
      }
    }
  };
  socket.on('data', onData);
  socket.on('error', () => finish(1006));
  socket.on('close', () => finish(1006));
  if (head.length > 0) queueMicrotask(() => onData(head));

  return {
    socket,
    send(data) {
      if (closeSent || socket.destroyed) return true;
      return socket.write(encodeFrame(Opcode.binary, data));
    },
    close(code = CloseCode.normal, reason = '') {
      sendClose(code, reason);
      if (socket.destroyed) return;
      // The client answers with its own close frame and closes; past the wait, no more courtesy.
      closeTimer = setTimeout(() => socket.destroy(), closeWaitMs);
      closeTimer.unref();
      socket.end();
    },
    pause: () => socket.pause(),
    resume: () => socket.resume(),
  };
}
