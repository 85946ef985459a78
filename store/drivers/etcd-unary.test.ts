import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Http2Server, type ServerHttp2Stream } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { freePort } from '../../test/free-port.js';
import { type UnaryCallError, UnaryConnection } from './etcd-unary.js';

/** A gRPC-shaped HTTP/2 server whose answer to each path is scripted. */
async function scriptedServer(
  answer: (path: string, body: Buffer, stream: ServerHttp2Stream, headers: Record<string, unknown>) => void,
): Promise<{ server: Http2Server; endpoint: string }> {
  const server = createServer();
  server.on('stream', (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () =>
      answer(String(headers[':path']), Buffer.concat(chunks), stream, headers as Record<string, unknown>),
    );
    stream.on('error', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function framed(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

const callError = (code: status, details: RegExp) => (err: unknown) => {
  const e = err as UnaryCallError;
  assert.equal(e.code, code, `code ${e.code} (${e.details})`);
  assert.match(e.details, details);
  return true;
};

describe('etcd unary calls over HTTP/2', () => {
  const servers: Http2Server[] = [];
  const connections: UnaryConnection[] = [];
  after(() => {
    for (const c of connections) c.close();
    for (const s of servers) s.close();
  });
  const connect = (endpoint: string) => {
    const c = new UnaryConnection(endpoint, undefined, { hasleader: 'true' });
    connections.push(c);
    return c;
  };

  it('sends one framed message with the headers and reads the answer and its status', async () => {
    let seen: { path: string; body: Buffer; headers: Record<string, unknown> } | undefined;
    const { server, endpoint } = await scriptedServer((path, body, stream, headers) => {
      seen = { path, body, headers };
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(framed(Buffer.from('answer')));
    });
    servers.push(server);
    const c = connect(endpoint);
    const answer = await c.call('/etcdserverpb.KV/Range', Buffer.from('request'), 3000);
    assert.equal(answer.toString(), 'answer');
    assert.equal(seen?.path, '/etcdserverpb.KV/Range');
    assert.deepEqual(seen?.body, framed(Buffer.from('request')));
    assert.equal(seen?.headers.hasleader, 'true');
    assert.equal(seen?.headers['content-type'], 'application/grpc');
    assert.equal(seen?.headers['grpc-timeout'], '3000m');
    // Many calls share the connection, answered in any order.
    const many = await Promise.all(
      Array.from({ length: 50 }, () => c.call('/etcdserverpb.KV/Put', Buffer.from('x'), 3000)),
    );
    assert.ok(many.every((a) => a.toString() === 'answer'));
  });

  it("passes etcd's error status and its percent-encoded message on, from trailers or a trailers-only answer", async () => {
    const { server, endpoint } = await scriptedServer((path, _body, stream) => {
      if (path.endsWith('Txn')) {
        stream.respond({
          ':status': 200,
          'content-type': 'application/grpc',
          'grpc-status': String(status.UNAVAILABLE),
          'grpc-message': 'etcdserver:%20no%20leader',
        });
        stream.end();
      } else {
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () =>
          stream.sendTrailers({
            'grpc-status': String(status.OUT_OF_RANGE),
            'grpc-message': 'mvcc: required revision has been compacted',
          }),
        );
        stream.end();
      }
    });
    servers.push(server);
    const c = connect(endpoint);
    await assert.rejects(
      c.call('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000),
      callError(status.UNAVAILABLE, /^etcdserver: no leader$/),
    );
    await assert.rejects(
      c.call('/etcdserverpb.KV/Range', Buffer.alloc(0), 3000),
      callError(status.OUT_OF_RANGE, /compacted/),
    );
  });

  it('says "No connection established" when it could not connect, so that a write may be sent again', async () => {
    const c = connect(`127.0.0.1:${await freePort()}`);
    await assert.rejects(
      c.call('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000),
      callError(status.UNAVAILABLE, /^No connection established: .*ECONNREFUSED/),
    );
  });

  it('says "connection dropped" when the connection broke after the call was sent: its outcome is unknown', async () => {
    const { server, endpoint } = await scriptedServer((_path, _body, stream) => {
      stream.session?.destroy();
    });
    servers.push(server);
    const c = connect(endpoint);
    await assert.rejects(
      c.call('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000),
      callError(status.UNAVAILABLE, /^connection dropped/),
    );
    // The next call gets a new connection.
    await assert.rejects(
      c.call('/etcdserverpb.KV/Txn', Buffer.alloc(0), 3000),
      callError(status.UNAVAILABLE, /^connection dropped/),
    );
  });

  it('fails a call etcd does not answer within its deadline with DEADLINE_EXCEEDED', async () => {
    const { server, endpoint } = await scriptedServer(() => {});
    servers.push(server);
    const c = connect(endpoint);
    const started = Date.now();
    await assert.rejects(
      c.call('/etcdserverpb.KV/Range', Buffer.alloc(0), 200),
      callError(status.DEADLINE_EXCEEDED, /Deadline exceeded after 200 ms/),
    );
    // The server never answers: only the deadline ends the call (the bound is loose for a loaded host).
    const took = Date.now() - started;
    assert.ok(took < 10_000, `failed after ${took} ms`);
  });

  it('maps an HTTP error status to a gRPC code and refuses a malformed answer', async () => {
    const { server, endpoint } = await scriptedServer((path, _body, stream) => {
      if (path.endsWith('Range')) {
        stream.respond({ ':status': 503 });
        stream.end();
        return;
      }
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 9, 1])); // claims 9 bytes, carries 1
    });
    servers.push(server);
    const c = connect(endpoint);
    await assert.rejects(
      c.call('/etcdserverpb.KV/Range', Buffer.alloc(0), 3000),
      callError(status.UNAVAILABLE, /HTTP 503/),
    );
    await assert.rejects(
      c.call('/etcdserverpb.KV/Put', Buffer.alloc(0), 3000),
      callError(status.INTERNAL, /not one uncompressed message/),
    );
  });

  it('settles the calls answered in one turn together, before the ticks their continuations queue', async () => {
    // Eight calls held until all have arrived, then answered in one turn: one read at the client.
    const held: ServerHttp2Stream[] = [];
    const answer = (s: ServerHttp2Stream) => {
      s.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      s.on('wantTrailers', () => s.sendTrailers({ 'grpc-status': '0' }));
      s.end(framed(Buffer.from('answer')));
    };
    const { server, endpoint } = await scriptedServer((path, _body, stream) => {
      if (path.endsWith('Range')) return answer(stream);
      held.push(stream);
      if (held.length === 8) for (const s of held) answer(s);
    });
    servers.push(server);
    const c = connect(endpoint);
    await c.call('/etcdserverpb.KV/Range', Buffer.alloc(0), 3000); // connected first
    let settled = 0;
    const settledWhenTheFirstTickRan: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, () =>
        c.call('/etcdserverpb.KV/Put', Buffer.from('x'), 3000).then(() => {
          // A Pipeline queues its flush like this: every answer of the turn must be in by then.
          if (++settled === 1) process.nextTick(() => settledWhenTheFirstTickRan.push(settled));
        }),
      ),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(settledWhenTheFirstTickRan, [8]);
  });
});
