/**
 * The connection limits of the server bootstrap, against a real server on loopback:
 * connections that never finish their TLS handshake or HTTP/2 preface are closed at the
 * setup deadline while calls go on; an idle connection is closed; a quiet watch is not;
 * a client that stops reading is dropped by the keepalive.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import tls from 'node:tls';
import { type ChannelCredentials, credentials, type ServerWritableStream } from '@grpc/grpc-js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import {
  PodServiceClient,
  PodServiceService,
  WatchPodsRequest,
  type WatchPodsResponse,
} from '../gen/wheelhouse/core/v1/pod_service.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { createLogger } from '../logger.js';
import { ensureCa, ensureCert } from '../pki/index.js';
import type { ConnectionLimits } from './connection-limits.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { asyncUnary } from './handlers.js';
import { createRegistry } from './metrics.js';

const dir = mkdtempSync(join(tmpdir(), 'connection-limits-'));
const ca = ensureCa(dir, 'ca');
const serving = ensureCert(dir, ca, 'server', {
  commonName: 'server',
  dnsNames: ['localhost'],
  ipAddresses: ['127.0.0.1'],
  usage: 'server',
});
const caPem = readFileSync(ca.certFile);
after(() => rmSync(dir, { recursive: true, force: true }));

interface Running {
  server: GrpcServer;
  port: number;
  registry: ReturnType<typeof createRegistry>;
  /** Writes one event to every open watch; `bytes` pads it. */
  push(bytes?: number): void;
  watches: Set<ServerWritableStream<WatchPodsRequest, WatchPodsResponse>>;
}

async function start(connections: ConnectionLimits, secure = true): Promise<Running> {
  const registry = createRegistry('test');
  const server = createGrpcServer({
    component: 'test',
    logger: createLogger('test', { level: 'silent' }),
    registry,
    connections,
    ...(secure
      ? {
          tls: {
            cert: readFileSync(serving.certFile),
            key: readFileSync(serving.keyFile),
            ca: caPem,
            clientCerts: 'request' as const,
          },
        }
      : {}),
  });
  const watches = new Set<ServerWritableStream<WatchPodsRequest, WatchPodsResponse>>();
  server.addService('wheelhouse.core.v1.PodService', PodServiceService, {
    getPod: asyncUnary(async () => ({ pod: Pod.fromPartial({ metadata: { name: 'p' } }) })),
    // Open until the client goes: events only when the test pushes them.
    watchPods: (call: ServerWritableStream<WatchPodsRequest, WatchPodsResponse>) => {
      watches.add(call);
      call.on('cancelled', () => watches.delete(call));
      call.on('error', () => watches.delete(call));
    },
  });
  const port = await server.listen('127.0.0.1:0');
  const push = (bytes = 0) => {
    const pod = Pod.fromPartial({
      metadata: { name: 'p', annotations: bytes > 0 ? { pad: 'x'.repeat(bytes) } : {} },
    });
    for (const w of watches)
      w.write({ events: [{ type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object: pod }] });
  };
  return { server, port, registry, push, watches };
}

const clientCredentials = () => credentials.createSsl(caPem);
const serverName = { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' };

function getPod(address: string, creds: ChannelCredentials, options = {}): Promise<string> {
  const c = new PodServiceClient(address, creds, options);
  return new Promise<string>((resolve, reject) =>
    c.getPod({ namespace: 'default', name: 'p', resourceVersion: '' }, (err, res) => {
      c.close();
      if (err) reject(err);
      else resolve(res.pod?.metadata?.name ?? '');
    }),
  ).finally(() => c.close());
}

/**
 * Milliseconds from the socket's opening to its close. Not from its `connect` event: on a
 * busy loop that event is handled late, long after the server accepted the connection and
 * started its deadline. The socket reads (and drops) what the server sends: a silent
 * client, not one that stopped reading.
 */
function closedAfter(socket: net.Socket, opened = Date.now()): Promise<number> {
  return new Promise((resolve) => {
    socket.resume();
    socket.on('error', () => undefined);
    socket.once('close', () => resolve(Date.now() - opened));
  });
}

function counterValue(text: string, name: string): number {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'm').exec(text);
  return Number(m?.[1] ?? 0);
}

describe('connections that never speak', () => {
  const setupTimeoutMs = 1_500;
  let running: Running;
  before(async () => {
    running = await start({ setupTimeoutMs, idleTimeoutMs: 0 });
  });
  after(() => running.server.shutdown(100));

  test('200 TCP and 50 TLS connections without a preface are closed at the deadline while calls go on', async (t) => {
    const { port } = running;
    const address = `127.0.0.1:${port}`;
    const closes: Promise<number>[] = [];
    const opened = Date.now();
    // 200 plain TCP connections that never start the TLS handshake.
    for (let i = 0; i < 200; i++) {
      const socket = net.connect(port, '127.0.0.1');
      closes.push(closedAfter(socket));
    }
    // 50 that finish the TLS handshake (h2 negotiated) and then send nothing.
    const handshaken: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = tls.connect({
        port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: caPem,
        ALPNProtocols: ['h2'],
      });
      closes.push(closedAfter(socket));
      handshaken.push(
        new Promise((resolve, reject) => {
          socket.once('secureConnect', () => resolve());
          socket.once('error', reject);
        }),
      );
    }
    // 10 that send half of the preface and stop.
    for (let i = 0; i < 10; i++) {
      const socket = tls.connect({
        port,
        host: '127.0.0.1',
        servername: 'localhost',
        ca: caPem,
        ALPNProtocols: ['h2'],
      });
      socket.once('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n'));
      closes.push(closedAfter(socket));
    }
    await Promise.all(handshaken);
    // Calls go through while they hang (a new connection each, which does speak).
    const during = await Promise.all(
      Array.from({ length: 5 }, () => getPod(address, clientCredentials(), serverName)),
    );
    assert.deepEqual(during, ['p', 'p', 'p', 'p', 'p']);
    const times = await Promise.all(closes);
    const first = Math.min(...times);
    const last = Math.max(...times);
    t.diagnostic(
      `260 silent connections (deadline ${setupTimeoutMs} ms): closed ${first} to ${last} ms after opening, all gone ${Date.now() - opened} ms after the first was opened`,
    );
    assert.ok(first >= setupTimeoutMs - 50, `closed early, after ${first} ms`);
    // Generous: on a loaded machine both loops run late; without the deadline they never close.
    assert.ok(last <= setupTimeoutMs + 4_000, `the last closed after ${last} ms`);
    assert.equal(await getPod(address, clientCredentials(), serverName), 'p');
    const metrics = await running.registry.metrics();
    assert.equal(counterValue(metrics, 'grpc_server_connection_setup_timeouts_total'), 260);
  });

  test('a connection that sent its preface outlives the setup deadline', async () => {
    const session = http2.connect(`https://127.0.0.1:${running.port}`, {
      ca: caPem,
      servername: 'localhost',
    });
    let closed = false;
    session.on('close', () => {
      closed = true;
    });
    session.on('error', () => undefined);
    await once(session, 'remoteSettings');
    await new Promise((r) => setTimeout(r, setupTimeoutMs * 2));
    assert.equal(closed, false);
    session.close();
  });

  test('plaintext servers get the same deadline', async (t) => {
    const plain = await start({ setupTimeoutMs: 1_000 }, false);
    try {
      const opened = Date.now();
      const closes = Array.from({ length: 50 }, () =>
        closedAfter(net.connect(plain.port, '127.0.0.1'), opened),
      );
      assert.equal(await getPod(`127.0.0.1:${plain.port}`, credentials.createInsecure()), 'p');
      const times = await Promise.all(closes);
      t.diagnostic(
        `50 silent plaintext connections closed after ${Math.min(...times)}-${Math.max(...times)} ms`,
      );
      // Not before the deadline; well before the default 10 s, with room for a loaded host.
      assert.ok(Math.min(...times) >= 950 && Math.max(...times) <= 6_000, times.join(','));
    } finally {
      await plain.server.shutdown(100);
    }
  });
});

/** A raw gRPC WatchPods call on an HTTP/2 session: the number of response bytes it has seen. */
function rawWatch(session: http2.ClientHttp2Session): {
  received: () => number;
  stream: http2.ClientHttp2Stream;
} {
  const stream = session.request({
    ':method': 'POST',
    ':path': '/wheelhouse.core.v1.PodService/WatchPods',
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  const body = WatchPodsRequest.encode(WatchPodsRequest.fromPartial({ namespace: 'default' })).finish();
  const frame = Buffer.alloc(5 + body.length);
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  // Server-streaming: grpc-js runs the handler once the request is half-closed.
  stream.end(frame);
  let received = 0;
  stream.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  stream.on('error', () => undefined);
  return { received: () => received, stream };
}

describe('idle connections', () => {
  const idleTimeoutMs = 1_500;
  let running: Running;
  before(async () => {
    running = await start({ idleTimeoutMs });
  });
  after(() => running.server.shutdown(100));

  test('a connection with no call in progress is closed once idle', async (t) => {
    const session = http2.connect(`https://127.0.0.1:${running.port}`, {
      ca: caPem,
      servername: 'localhost',
    });
    session.on('error', () => undefined);
    const opened = Date.now();
    await once(session, 'remoteSettings');
    const goaway = once(session, 'goaway').then(() => Date.now() - opened);
    await once(session, 'close');
    const closedMs = Date.now() - opened;
    t.diagnostic(`idle connection: GOAWAY after ${await goaway} ms, closed after ${closedMs} ms`);
    // Not before the idle time; the upper bound only says "closed", with room for a loaded
    // machine between the server's timer, its GOAWAY and the client's close.
    assert.ok(closedMs >= idleTimeoutMs - 50 && closedMs <= idleTimeoutMs * 4, `${closedMs} ms`);
    // New connections are served as before.
    assert.equal(await getPod(`127.0.0.1:${running.port}`, clientCredentials(), serverName), 'p');
  });

  test('a quiet watch keeps its connection past the idle time', async () => {
    const session = http2.connect(`https://127.0.0.1:${running.port}`, {
      ca: caPem,
      servername: 'localhost',
    });
    session.on('error', () => undefined);
    let goaway = false;
    let closed = false;
    session.on('goaway', () => {
      goaway = true;
    });
    session.on('close', () => {
      closed = true;
    });
    const watch = rawWatch(session);
    await once(session, 'remoteSettings');
    await new Promise((r) => setTimeout(r, idleTimeoutMs * 3));
    assert.equal(goaway, false, 'no GOAWAY while the watch is open');
    assert.equal(closed, false);
    running.push();
    const deadline = Date.now() + 20_000;
    while (watch.received() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(watch.received() > 0, 'the event reached the watch');
    // Once the watch ends the connection is idle and closed in turn.
    watch.stream.close();
    await once(session, 'close');
    assert.equal(goaway, true);
  });
});

describe('clients that stop reading', () => {
  const keepaliveTimeMs = 500;
  const keepaliveTimeoutMs = 500;
  // Beyond a ping and its timeout, for a loaded host's late timers and the relay's notice.
  const SLACK_MS = 4_000;
  let running: Running;
  before(async () => {
    running = await start({ keepaliveTimeMs, keepaliveTimeoutMs, idleTimeoutMs: 0 });
  });
  after(() => running.server.shutdown(100));

  /**
   * A TCP relay between client and server whose server side can stop being read: from the
   * server's side, exactly a client that stopped reading its socket.
   */
  async function relay(): Promise<{ port: number; stopReading(): void; close(): void }> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((downstream) => {
      const up = net.connect(running.port, '127.0.0.1');
      sockets.push(up, downstream);
      downstream.pipe(up);
      up.pipe(downstream);
      up.on('error', () => undefined);
      downstream.on('error', () => undefined);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return {
      port: (server.address() as net.AddressInfo).port,
      stopReading() {
        for (const up of sockets.filter((_, i) => i % 2 === 0)) {
          up.unpipe();
          up.pause();
        }
      },
      close() {
        for (const s of sockets) s.destroy();
        server.close();
      },
    };
  }

  /** A watch through a relay, with one event delivered: the server's side of it, and the relay. */
  async function watchThroughRelay() {
    const r = await relay();
    const client = new PodServiceClient(`127.0.0.1:${r.port}`, clientCredentials(), serverName);
    const before = new Set(running.watches);
    const watch = client.watchPods(WatchPodsRequest.fromPartial({ namespace: 'default' }));
    let events = 0;
    watch.on('data', () => {
      events++;
    });
    watch.on('error', () => undefined);
    const deadline = Date.now() + 20_000;
    const serverSide = () => [...running.watches].find((w) => !before.has(w));
    while (serverSide() === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const call = serverSide();
    assert.ok(call, 'the watch reached the server');
    running.push();
    while (events === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.equal(events, 1);
    // Pings have been answered for a while: the connection is healthy until the client stops reading.
    await new Promise((r) => setTimeout(r, keepaliveTimeMs * 3));
    assert.equal(running.watches.has(call), true);
    const dropped = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the connection was not dropped in 10 s')), 10_000);
      call.once('cancelled', () => {
        clearTimeout(timer);
        resolve(Date.now());
      });
    });
    return {
      relay: r,
      dropped,
      close() {
        client.close();
        r.close();
      },
    };
  }

  test('a client that stops reading while its watch is written to is dropped by the keepalive', async (t) => {
    const w = await watchThroughRelay();
    const stopped = Date.now();
    w.relay.stopReading();
    // The server keeps writing (64 KiB events) until its buffers are full.
    const writer = setInterval(() => running.push(64 * 1024), 20);
    try {
      const ms = (await w.dropped) - stopped;
      t.diagnostic(`stopped reader (being written to) dropped ${ms} ms after it stopped reading`);
      assert.ok(ms <= keepaliveTimeMs + keepaliveTimeoutMs + SLACK_MS, `${ms} ms`);
    } finally {
      clearInterval(writer);
      w.close();
    }
    // The server is unaffected.
    assert.equal(await getPod(`127.0.0.1:${running.port}`, clientCredentials(), serverName), 'p');
  });

  test('a client that stops reading a quiet watch is dropped by the keepalive', async (t) => {
    const w = await watchThroughRelay();
    const stopped = Date.now();
    w.relay.stopReading();
    try {
      const ms = (await w.dropped) - stopped;
      t.diagnostic(`stopped reader (quiet) dropped ${ms} ms after it stopped reading`);
      assert.ok(ms <= keepaliveTimeMs + keepaliveTimeoutMs + SLACK_MS, `${ms} ms`);
    } finally {
      w.close();
    }
  });
});
