import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { type ClientConfig, loadClientConfig, writeClientConfig } from './client-config.js';
import { channelCredentials, channelOptions } from './credentials.js';
import { type CertFiles, ensureCa, ensureCert, readCertIdentity } from './pki/index.js';

/**
 * Real TLS between grpc-js peers with certificates from the PKI: what the apiserver and the store do,
 * on a one-method service that answers with what the server saw of its caller.
 */

const identity = (b: Buffer) => b;
const whoAmI = {
  path: '/wheelhouse.test.Echo/WhoAmI',
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
} as const;
const service: grpc.ServiceDefinition = { whoAmI };
const EchoClient = grpc.makeGenericClientConstructor(service, 'Echo');

interface Seen {
  commonName: string;
  organizations: string[];
  authorization: grpc.MetadataValue[];
}

async function startServer(serving: CertFiles): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(service, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
      const peer = call.getAuthContext()?.sslPeerCertificate;
      const who = peer ? readCertIdentity(peer) : { commonName: '', organizations: [] };
      const seen: Seen = { ...who, authorization: call.metadata.get('authorization') };
      callback(null, Buffer.from(JSON.stringify(seen)));
    },
  });
  const credentials = grpc.ServerCredentials.createSsl(
    readFileSync(serving.caFile),
    [{ cert_chain: readFileSync(serving.certFile), private_key: readFileSync(serving.keyFile) }],
    true, // require a client certificate issued by the CA
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, port };
}

function call(config: ClientConfig): Promise<Seen> {
  const client = new EchoClient(config.server, channelCredentials(config), channelOptions(config));
  return new Promise<Seen>((resolve, reject) => {
    client.makeUnaryRequest(
      whoAmI.path,
      identity,
      identity,
      Buffer.alloc(0),
      { deadline: Date.now() + 5000 },
      (err, response) => {
        client.close();
        if (err || !response) reject(err ?? new Error('no response'));
        else resolve(JSON.parse(response.toString()) as Seen);
      },
    );
  });
}

describe('TLS with certificates from the PKI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-tls-'));
  const ca = ensureCa(dir, 'ca');
  const serving = ensureCert(dir, ca, 'server', {
    commonName: 'server',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
    usage: 'server',
  });
  const namedOnly = ensureCert(dir, ca, 'named-only', {
    commonName: 'server',
    dnsNames: ['apiserver.internal'],
    usage: 'server',
  });
  const admin = ensureCert(dir, ca, 'admin', {
    commonName: 'admin',
    organizations: ['system:masters', 'ops'],
    usage: 'client',
  });
  const strangerCa = ensureCa(join(dir, 'other'), 'ca');
  const stranger = ensureCert(join(dir, 'other'), strangerCa, 'admin', {
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const servers: grpc.Server[] = [];
  let port = 0;
  let namedPort = 0;
  const warnings: string[] = [];
  const onWarning = (w: Error & { code?: string }) => warnings.push(`${w.code ?? w.name}: ${w.message}`);

  before(async () => {
    process.on('warning', onWarning);
    const main = await startServer(serving);
    const named = await startServer(namedOnly);
    servers.push(main.server, named.server);
    port = main.port;
    namedPort = named.port;
  });
  after(() => {
    process.off('warning', onWarning);
    for (const server of servers) server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a client certificate from the CA works, and the server reads its CN and O', async () => {
    // Through a config file with paths relative to it, as `wheelhouse up` writes them.
    const path = join(dir, 'admin.yaml');
    writeClientConfig(path, {
      server: `127.0.0.1:${port}`,
      certificateAuthority: 'ca.crt',
      clientCertificate: 'admin.crt',
      clientKey: 'admin.key',
    });
    const seen = await call(loadClientConfig({ explicitPath: path, env: {} }));
    assert.equal(seen.commonName, 'admin');
    assert.deepEqual(seen.organizations, ['system:masters', 'ops']);
    assert.deepEqual(seen.authorization, []);
  });

  test('inline data and a bearer token', async () => {
    const b64 = (file: string) => readFileSync(file).toString('base64');
    const seen = await call({
      server: `localhost:${port}`,
      certificateAuthorityData: b64(admin.caFile),
      clientCertificateData: b64(admin.certFile),
      clientKeyData: b64(admin.keyFile),
      token: 'abc.def',
    });
    assert.equal(seen.commonName, 'admin');
    assert.deepEqual(seen.authorization, ['Bearer abc.def']);
  });

  test('a client certificate from another CA fails the handshake', async () => {
    await assert.rejects(
      call({
        server: `127.0.0.1:${port}`,
        certificateAuthority: serving.caFile,
        clientCertificate: stranger.certFile,
        clientKey: stranger.keyFile,
      }),
      (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE,
    );
  });

  test('no client certificate at all fails too', async () => {
    await assert.rejects(
      call({ server: `127.0.0.1:${port}`, certificateAuthority: serving.caFile }),
      (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE,
    );
  });

  test('the client refuses a server whose CA it does not trust', async () => {
    await assert.rejects(
      call({
        server: `127.0.0.1:${port}`,
        certificateAuthority: strangerCa.certFile,
        clientCertificate: admin.certFile,
        clientKey: admin.keyFile,
      }),
      (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE,
    );
  });

  test('serverName verifies the server certificate against another name than the address', async () => {
    const base = {
      server: `127.0.0.1:${namedPort}`,
      certificateAuthority: admin.caFile,
      clientCertificate: admin.certFile,
      clientKey: admin.keyFile,
    };
    await assert.rejects(call(base), (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE);
    const seen = await call({ ...base, serverName: 'apiserver.internal' });
    assert.equal(seen.commonName, 'admin');
  });

  test('an address is never sent as the TLS server name (RFC 6066), and is still what is verified', async () => {
    const base = {
      certificateAuthority: admin.caFile,
      clientCertificate: admin.certFile,
      clientKey: admin.keyFile,
    };
    assert.equal((await call({ ...base, server: `127.0.0.1:${port}` })).commonName, 'admin');
    // The server's certificate names only a DNS name: dialled by address, it is refused.
    await assert.rejects(call({ ...base, server: `127.0.0.1:${namedPort}` }));
    assert.deepEqual(
      warnings.filter((w) => /DEP0123|ServerName/.test(w)),
      [],
    );
  });
});

test('channelOptions: name override, keepalive, 16 MiB messages', () => {
  const options = channelOptions({ server: 'x:1', serverName: 'apiserver.internal' });
  assert.equal(options['grpc.ssl_target_name_override'], 'apiserver.internal');
  assert.equal(options['grpc.max_receive_message_length'], 16 * 1024 * 1024);
  assert.equal(options['grpc.max_send_message_length'], 16 * 1024 * 1024);
  assert.ok(Number(options['grpc.keepalive_time_ms']) > 0);
  assert.equal(channelOptions({ server: 'x:1' })['grpc.ssl_target_name_override'], undefined);
});

test('channelCredentials reports an unreadable file by field, and never sends a token in plaintext', () => {
  assert.throws(
    () => channelCredentials({ server: 'x:1', certificateAuthority: '/nonexistent/ca.crt' }),
    /certificateAuthority: cannot read \/nonexistent\/ca\.crt/,
  );
  assert.throws(() => channelCredentials({ server: 'x:1', insecure: true, token: 't' }), /plaintext/);
  assert.equal(channelCredentials({ server: 'x:1', insecure: true })._isSecure(), false);
});
