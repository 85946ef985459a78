/**
 * The WebSocket client against a server written here from RFC 6455 over node:http (on
 * loopback): the handshake and its checks, masking, lengths of every size, fragments,
 * ping and pong, the closing handshake, refusals, and reading no faster than wanted.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { connectWebSocket, Opcode, type WebSocketConnection } from './websocket-client.js';

interface Frame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** The server's side of one connection: frames received (unmasked), and a way to send raw frames. */
interface Peer {
  readonly socket: Socket;
  readonly request: IncomingMessage;
  readonly frames: Frame[];
  send(opcode: number, payload: Buffer, fin?: boolean): void;
  nextFrame(): Promise<Frame>;
}

function serverFrame(opcode: number, payload: Buffer, fin = true): Buffer {
  const length = payload.length;
  const header =
    length < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, length])
      : length < 65536
        ? Buffer.from([(fin ? 0x80 : 0) | opcode, 126, length >> 8, length & 0xff])
        : (() => {
            const h = Buffer.alloc(10);
            h[0] = (fin ? 0x80 : 0) | opcode;
            h[1] = 127;
            h.writeBigUInt64BE(BigInt(length), 2);
            return h;
          })();
  return Buffer.concat([header, payload]);
}

let server: Server;
let port: number;
const peers: Peer[] = [];
/** How the next handshake is answered. */
let answer: 'ok' | 'bad-accept' | 'refuse' | 'unoffered-protocol' = 'ok';

before(async () => {
  server = createServer((_req, res) => {
    res.writeHead(400).end('not a websocket request');
  });
  server.on('upgrade', (request: IncomingMessage, socket: Socket) => {
    if (answer === 'refuse') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden');
      return;
    }
    const key = String(request.headers['sec-websocket-key']);
    const accept =
      answer === 'bad-accept'
        ? 'AAAAAAAAAAAAAAAAAAAAAAAAAAA='
        : createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
    const offered = String(request.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim());
    const protocol =
      answer === 'unoffered-protocol' ? 'other' : (offered.find((p) => p === 'b') ?? offered[0]);
    socket.write(
      [
        'HTTP/1.1 101 Switching Protocols',
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Accept: ${accept}`,
        ...(protocol ? [`Sec-WebSocket-Protocol: ${protocol}`] : []),
        '',
        '',
      ].join('\r\n'),
    );
    const frames: Frame[] = [];
    const waiting: ((f: Frame) => void)[] = [];
    let buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (;;) {
        if (buffer.length < 2) return;
        const masked = (buffer[1]! & 0x80) !== 0;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          length = Number(buffer.readBigUInt64BE(2));
          offset = 10;
        }
        const maskOffset = offset;
        if (masked) offset += 4;
        if (buffer.length < offset + length) return;
        const payload = Buffer.from(buffer.subarray(offset, offset + length));
        if (masked) for (let i = 0; i < length; i++) payload[i]! ^= buffer[maskOffset + (i & 3)]!;
        const frame = { fin: (buffer[0]! & 0x80) !== 0, opcode: buffer[0]! & 0x0f, masked, payload };
        buffer = buffer.subarray(offset + length);
        const waiter = waiting.shift();
        if (waiter) waiter(frame);
        else frames.push(frame);
      }
    });
    socket.on('error', () => {});
    peers.push({
      socket,
      request,
      frames,
      send: (opcode, payload, fin = true) => socket.write(serverFrame(opcode, payload, fin)),
      nextFrame: () => {
        const f = frames.shift();
        return f ? Promise.resolve(f) : new Promise((resolve) => waiting.push(resolve));
      },
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  for (const p of peers) p.socket.destroy();
  server.close();
});

async function open(protocols = ['a', 'b']): Promise<{ ws: WebSocketConnection; peer: Peer }> {
  const before = peers.length;
  const ws = await connectWebSocket(`http://127.0.0.1:${port}/exec/token?x=1`, { protocols });
  await waitFor(() => peers.length > before);
  return { ws, peer: peers[peers.length - 1]! };
}

async function waitFor(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

function nextMessage(ws: WebSocketConnection): Promise<Buffer> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(data)));
}

describe('WebSocket client', () => {
  it('upgrades with a key and version, negotiates a subprotocol, keeps the path', async () => {
    answer = 'ok';
    const { ws, peer } = await open();
    assert.equal(ws.protocol, 'b');
    assert.equal(peer.request.url, '/exec/token?x=1');
    assert.equal(peer.request.headers['sec-websocket-version'], '13');
    assert.equal(Buffer.from(String(peer.request.headers['sec-websocket-key']), 'base64').length, 16);
    assert.equal(peer.request.headers['sec-websocket-protocol'], 'a, b');
    ws.destroy();
  });

  it('masks what it sends, with lengths of 7, 16 and 64 bits', async () => {
    answer = 'ok';
    const { ws, peer } = await open();
    for (const size of [0, 125, 126, 65535, 65536, 200_000]) {
      const data = Buffer.alloc(size, size % 251);
      ws.send(data);
      const frame = await peer.nextFrame();
      assert.equal(frame.masked, true, `a client frame of ${size} bytes is masked`);
      assert.equal(frame.opcode, Opcode.binary);
      assert.equal(frame.fin, true);
      assert.ok(frame.payload.equals(data), `${size} bytes arrive intact`);
    }
    ws.destroy();
  });

  it('receives messages of every length and reassembles fragments', async () => {
    answer = 'ok';
    const { ws, peer } = await open();
    for (const size of [1, 126, 70_000]) {
      const data = Buffer.alloc(size, 7);
      const got = nextMessage(ws);
      peer.send(Opcode.binary, data);
      assert.ok((await got).equals(data));
    }
    const got = nextMessage(ws);
    peer.send(Opcode.binary, Buffer.from('hel'), false);
    peer.send(Opcode.ping, Buffer.from('between'));
    peer.send(Opcode.continuation, Buffer.from('lo '), false);
    peer.send(Opcode.continuation, Buffer.from('world'));
    assert.equal((await got).toString(), 'hello world');
    const pong = await peer.nextFrame();
    assert.equal(pong.opcode, Opcode.pong);
    assert.equal(pong.payload.toString(), 'between');
    ws.destroy();
  });

  it('answers the closing handshake and reports the code and reason', async () => {
    answer = 'ok';
    const { ws, peer } = await open();
    const closed = once(ws, 'close');
    const reason = Buffer.from('bye');
    const payload = Buffer.concat([Buffer.from([0x03, 0xe8]), reason]);
    peer.send(Opcode.close, payload);
    const echo = await peer.nextFrame();
    assert.equal(echo.opcode, Opcode.close);
    assert.equal(echo.payload.readUInt16BE(0), 1000);
    peer.socket.end();
    assert.deepEqual(await closed, [1000, 'bye']);
  });

  it('closes from its side and reports 1006 when the connection just drops', async () => {
    answer = 'ok';
    const first = await open();
    first.ws.close(1000, 'done');
    const frame = await first.peer.nextFrame();
    assert.equal(frame.opcode, Opcode.close);
    assert.equal(frame.payload.subarray(2).toString(), 'done');
    first.peer.socket.destroy();
    const second = await open();
    const closed = once(second.ws, 'close');
    second.peer.socket.destroy();
    assert.equal((await closed)[0], 1006);
  });

  it('delivers nothing while paused, and everything once resumed, even after the server left', async () => {
    answer = 'ok';
    const { ws, peer } = await open();
    const got: string[] = [];
    ws.on('message', (d: Buffer) => got.push(d.toString()));
    ws.pause();
    peer.send(Opcode.binary, Buffer.from('one'));
    peer.send(Opcode.binary, Buffer.from('two'));
    peer.send(Opcode.close, Buffer.from([0x03, 0xe8]));
    peer.socket.end();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got, [], 'a paused connection delivers nothing');
    const closed = once(ws, 'close');
    ws.resume();
    await closed;
    assert.deepEqual(got, ['one', 'two']);
  });

  it('refuses a wrong accept, an unoffered subprotocol, a refused upgrade, a masked server frame', async () => {
    answer = 'bad-accept';
    await assert.rejects(
      connectWebSocket(`ws://127.0.0.1:${port}/`, { protocols: ['a'] }),
      /Sec-WebSocket-Accept/,
    );
    answer = 'unoffered-protocol';
    await assert.rejects(
      connectWebSocket(`ws://127.0.0.1:${port}/`, { protocols: ['a'] }),
      /subprotocol "other", which was not offered/,
    );
    answer = 'refuse';
    await assert.rejects(
      connectWebSocket(`ws://127.0.0.1:${port}/`),
      /refused the WebSocket upgrade|socket hang up|403/,
    );
    await assert.rejects(connectWebSocket(`https://127.0.0.1:${port}/`), /only ws:\/\/ and http:\/\//);
    answer = 'ok';
    const { ws, peer } = await open();
    const failed = once(ws, 'error');
    // A frame with the mask bit set: servers must not mask.
    peer.socket.write(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]));
    const [err] = (await failed) as [Error];
    assert.match(err.message, /the server masked a frame/);
    await once(ws, 'close');
  });
});
