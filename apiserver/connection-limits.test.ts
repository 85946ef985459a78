/**
 * The apiserver process's connection limits (--connection-setup-timeout,
 * --idle-connection-timeout): silent connections are closed at the deadline while calls go
 * on, an idle connection is closed, a quiet watch is not.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { WatchConfigMapsRequest } from '../sdk/gen/wheelhouse/core/v1/config_map_service.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';

const setupTimeoutMs = 2_000;
const idleTimeoutMs = 3_000;

describe('apiserver: connection limits', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster({
      apiserverArgs: [
        '--connection-setup-timeout',
        `${setupTimeoutMs}ms`,
        '--idle-connection-timeout',
        `${idleTimeoutMs}ms`,
      ],
    });
  });
  after(() => cluster.stop());

  const port = () => Number(cluster.apiserver.split(':')[1]);
  const ca = () => readFileSync(cluster.pki.caFile);
  const listNamespaces = async () =>
    (await call<{ items: unknown[] }>(cluster.client('namespaces'), 'listNamespaces', {})).items.length;
  /** An HTTP/2 session as the admin, outside grpc-js: its GOAWAY and close are seen as they come. */
  const adminSession = () => {
    const session = http2.connect(`https://127.0.0.1:${port()}`, {
      ca: ca(),
      cert: readFileSync(cluster.pki.admin.certFile),
      key: readFileSync(cluster.pki.admin.keyFile),
      servername: 'localhost',
    });
    session.on('error', () => undefined);
    return session;
  };

  /**
   * Milliseconds from the socket's opening to its close; the socket reads what it gets. Not
   * from its `connect` event: on a busy loop that event is handled late, long after the
   * server accepted the connection and started its deadline.
   */
  const closedAfter = (socket: net.Socket, opened = Date.now()) => {
    socket.resume();
    socket.on('error', () => undefined);
    return new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - opened)));
  };

  test('200 TCP and 50 TLS connections that never send the preface are closed at the deadline', async (t) => {
    const opened = Date.now();
    const closes: Promise<number>[] = [];
    for (let i = 0; i < 200; i++) closes.push(closedAfter(net.connect(port(), '127.0.0.1')));
    const handshakes: Promise<void>[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = tls.connect({
        port: port(),
        host: '127.0.0.1',
        servername: 'localhost',
        ca: ca(),
        ALPNProtocols: ['h2'],
      });
      handshakes.push(once(socket, 'secureConnect').then(() => undefined));
      closes.push(closedAfter(socket));
    }
    await Promise.all(handshakes);
    // The API answers while they hang.
    const during = Date.now();
    for (let i = 0; i < 5; i++) assert.ok((await listNamespaces()) > 0);
    const duringMs = Date.now() - during;
    const times = await Promise.all(closes);
    const [first, last] = [Math.min(...times), Math.max(...times)];
    t.diagnostic(
      `250 silent connections (deadline ${setupTimeoutMs} ms): closed ${first}-${last} ms after opening, all gone ${Date.now() - opened} ms after the first opened; 5 lists meanwhile took ${duringMs} ms`,
    );
    assert.ok(first >= setupTimeoutMs - 100, `closed early: ${first} ms`);
    assert.ok(last <= setupTimeoutMs + 2_000, `the last closed after ${last} ms`);
    assert.ok((await listNamespaces()) > 0);
  });

  test('a connection without calls is closed once idle', async (t) => {
    const session = adminSession();
    const opened = Date.now();
    await once(session, 'remoteSettings');
    const goaway = once(session, 'goaway').then(() => Date.now() - opened);
    await once(session, 'close');
    const closed = Date.now() - opened;
    t.diagnostic(`idle connection: GOAWAY after ${await goaway} ms, closed after ${closed} ms`);
    // grpc-js checks idleness on a timer of the idle period: a connection may live up to
    // two periods; the slack covers a busy machine.
    assert.ok(closed >= idleTimeoutMs - 100 && closed <= 2 * idleTimeoutMs + 2_000, `${closed} ms`);
  });

  test('a quiet watch is not cut by the idle timeout', async () => {
    const session = adminSession();
    let goaway = false;
    session.on('goaway', () => {
      goaway = true;
    });
    const stream = session.request({
      ':method': 'POST',
      ':path': '/wheelhouse.core.v1.ConfigMapService/WatchConfigMaps',
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const body = WatchConfigMapsRequest.encode(
      WatchConfigMapsRequest.fromPartial({ namespace: 'default' }),
    ).finish();
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    stream.end(frame);
    let received = '';
    stream.setEncoding('latin1');
    stream.on('data', (chunk: string) => {
      received += chunk;
    });
    stream.on('error', () => undefined);
    let ended = false;
    stream.on('close', () => {
      ended = true;
    });
    await sleep(idleTimeoutMs * 3);
    assert.equal(goaway, false, 'no GOAWAY while the watch is open');
    assert.equal(ended, false, 'the watch is open');
    await call(cluster.client('configmaps'), 'createConfigMap', {
      configMap: { metadata: { name: 'seen-by-a-quiet-watch', namespace: 'default' }, data: { k: 'v' } },
    });
    const deadline = Date.now() + 20_000;
    while (!received.includes('seen-by-a-quiet-watch') && Date.now() < deadline) await sleep(20);
    assert.ok(received.includes('seen-by-a-quiet-watch'), 'the event reached the watch');
    stream.close();
    session.close();
  });
});
