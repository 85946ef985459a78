import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acceptKey,
  CloseCode,
  encodeFrame,
  FrameParser,
  handshakeResponse,
  negotiate,
  Opcode,
} from './websocket.js';

const mask = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const masked = (opcode: number, payload: Buffer | string, fin = true) => {
  const frame = encodeFrame(opcode, Buffer.from(payload), mask);
  if (!fin) frame[0] = frame[0]! & 0x7f;
  return frame;
};

describe('WebSocket handshake', () => {
  it('answers the key of RFC 6455 section 1.3 with its accept value', () => {
    assert.equal(acceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
    const response = handshakeResponse('dGhlIHNhbXBsZSBub25jZQ==', 'v5.channel.k8s.io');
    assert.match(response, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    assert.match(response, /\r\nSec-WebSocket-Protocol: v5\.channel\.k8s\.io\r\n\r\n$/);
  });

  it('picks the server’s preferred subprotocol among those offered, and refuses none in common', () => {
    const headers = (protocols: string) => ({
      upgrade: 'websocket',
      'sec-websocket-key': 'x',
      'sec-websocket-protocol': protocols,
    });
    const supported = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
    assert.equal(negotiate(headers('v4.channel.k8s.io, v5.channel.k8s.io'), supported), 'v5.channel.k8s.io');
    assert.equal(negotiate(headers('v4.channel.k8s.io'), supported), 'v4.channel.k8s.io');
    assert.throws(() => negotiate(headers('channel.k8s.io'), supported), /use one of v5.channel.k8s.io/);
    assert.throws(() => negotiate({ upgrade: 'h2c' }, supported), /Upgrade: websocket/);
  });
});

describe('WebSocket frames', () => {
  it('encodes the three length forms', () => {
    assert.deepEqual([...encodeFrame(Opcode.binary, Buffer.from('hi'))], [0x82, 2, 0x68, 0x69]);
    const medium = encodeFrame(Opcode.binary, Buffer.alloc(300));
    assert.deepEqual([...medium.subarray(0, 4)], [0x82, 126, 0x01, 0x2c]);
    assert.equal(medium.length, 304);
    const large = encodeFrame(Opcode.binary, Buffer.alloc(70_000));
    assert.equal(large[1], 127);
    assert.equal(large.readBigUInt64BE(2), 70_000n);
    assert.equal(large.length, 70_010);
  });

  it('unmasks client messages however the bytes are split', () => {
    const stream = Buffer.concat([
      masked(Opcode.binary, Buffer.concat([Buffer.of(0), Buffer.from('echo hi\n')])),
      masked(Opcode.binary, Buffer.alloc(70_000, 7)),
      masked(Opcode.binary, Buffer.of(255, 0)),
    ]);
    for (const step of [1, 3, 7, 1000, stream.length]) {
      const parser = new FrameParser();
      const events = [];
      for (let i = 0; i < stream.length; i += step) events.push(...parser.push(stream.subarray(i, i + step)));
      assert.equal(events.length, 3, `split every ${step} bytes`);
      const [first, second, third] = events;
      assert.ok(first?.type === 'message' && first.binary);
      assert.equal(first.data.toString('latin1'), '\0echo hi\n');
      assert.ok(
        second?.type === 'message' && second.data.length === 70_000 && second.data.every((b) => b === 7),
      );
      assert.ok(third?.type === 'message');
      assert.deepEqual([...third.data], [255, 0]);
    }
  });

  it('joins fragments, with control frames between them', () => {
    const parser = new FrameParser();
    const events = parser.push(
      Buffer.concat([
        masked(Opcode.binary, 'ab', false),
        masked(Opcode.ping, 'p'),
        masked(Opcode.continuation, 'cd', false),
        masked(Opcode.continuation, 'ef'),
        masked(Opcode.close, Buffer.of(0x03, 0xe8)),
      ]),
    );
    assert.deepEqual(
      events.map((e) => (e.type === 'message' || e.type === 'ping' ? `${e.type}:${e.data}` : e.type)),
      ['ping:p', 'message:abcdef', 'close'],
    );
    assert.ok(events[2]?.type === 'close' && events[2].code === 1000);
  });

  it('fails on unmasked frames, stray continuations and oversized messages', () => {
    const unmasked = new FrameParser().push(encodeFrame(Opcode.binary, Buffer.from('x')));
    assert.ok(unmasked[0]?.type === 'error' && unmasked[0].code === CloseCode.protocolError);
    const stray = new FrameParser().push(masked(Opcode.continuation, 'x'));
    assert.ok(stray[0]?.type === 'error' && /continuation/.test(stray[0].message));
    const big = new FrameParser(10).push(masked(Opcode.binary, Buffer.alloc(11)));
    assert.ok(big[0]?.type === 'error' && big[0].code === CloseCode.tooBig);
    const parser = new FrameParser();
    parser.push(encodeFrame(Opcode.binary, Buffer.from('x')));
    assert.deepEqual(parser.push(masked(Opcode.binary, 'y')), [], 'nothing after an error');
  });
});
