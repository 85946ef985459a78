import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { credentials, Metadata } from '@grpc/grpc-js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { PodServiceClient, PodServiceService } from '../gen/wheelhouse/core/v1/pod_service.js';
import { createLogger } from '../logger.js';
import { ensureCa, ensureCert } from '../pki/index.js';
import { createGrpcServer, type GrpcServer } from './grpc-server.js';
import { asyncUnary } from './handlers.js';
import type { PeerIdentity } from './peer.js';

const dir = mkdtempSync(join(tmpdir(), 'peer-'));
const ca = ensureCa(dir, 'ca');
const serving = ensureCert(dir, ca, 'server', {
  commonName: 'server',
  ipAddresses: ['127.0.0.1'],
  usage: 'server',
});
const alice = ensureCert(dir, ca, 'alice', { commonName: 'alice', organizations: ['dev'], usage: 'client' });
const bob = ensureCert(dir, ca, 'bob', { commonName: 'bob', organizations: ['ops', 'qa'], usage: 'client' });

/** Every identity the authenticator was handed, by the `who` header the client sent. */
const seen = new Map<string, PeerIdentity[]>();
let server: GrpcServer;
let port: number;

before(async () => {
  server = createGrpcServer({
    component: 'peer-test',
    logger: createLogger('test', { level: 'silent' }),
    tls: {
      cert: readFileSync(serving.certFile),
      key: readFileSync(serving.keyFile),
      ca: readFileSync(ca.certFile),
      clientCerts: 'request',
    },
    authenticate: (peer, _method, md) => {
      const who = String(md.get('who')[0]);
      seen.set(who, [...(seen.get(who) ?? []), peer]);
      return { name: peer.commonName ?? 'anonymous' };
    },
  });
  server.addService('wheelhouse.core.v1.PodService', PodServiceService, {
    getPod: asyncUnary(async () => ({ pod: Pod.fromPartial({}) })),
  });
  port = await server.listen('127.0.0.1:0');
});
after(async () => {
  await server.shutdown(100);
  rmSync(dir, { recursive: true, force: true });
});

function client(cert?: { certFile: string; keyFile: string }): PodServiceClient {
  const creds = credentials.createSsl(
    readFileSync(ca.certFile),
    cert ? readFileSync(cert.keyFile) : null,
    cert ? readFileSync(cert.certFile) : null,
  );
  return new PodServiceClient(`127.0.0.1:${port}`, creds);
}

async function calls(c: PodServiceClient, who: string, n: number): Promise<void> {
  const md = new Metadata();
  md.set('who', who);
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      c.getPod({ namespace: 'default', name: 'x', resourceVersion: '' }, md, (err) =>
        err ? reject(err) : resolve(),
      ),
    );
  }
}

test('each connection has its own certificate identity, read once and never shared', async () => {
  const a = client(alice);
  const b = client(bob);
  const none = client();
  // Interleaved, so that a cache keyed by anything broader than the connection would mix them up.
  for (let round = 0; round < 3; round++) {
    await calls(a, 'alice', 1);
    await calls(none, 'none', 1);
    await calls(b, 'bob', 1);
  }
  const a2 = client(alice);
  await calls(a2, 'alice-again', 2);

  const [first, ...rest] = seen.get('alice') ?? [];
  assert.equal(first?.commonName, 'alice');
  assert.deepEqual(first?.organizations, ['dev']);
  assert.ok(first?.certificate?.raw);
  assert.equal(rest.length, 2);
  for (const p of rest) assert.equal(p, first, 'one identity object per connection');
  assert.ok(Object.isFrozen(first), 'shared between calls, so it cannot be changed by one of them');

  for (const p of seen.get('bob') ?? []) {
    assert.equal(p.commonName, 'bob');
    assert.deepEqual(p.organizations, ['ops', 'qa']);
  }
  for (const p of seen.get('none') ?? []) {
    assert.equal(p.commonName, undefined);
    assert.equal(p.certificate, undefined);
    assert.deepEqual(p.organizations, []);
  }
  assert.equal(seen.get('none')?.length, 3);

  // A new connection with the same certificate reads its own identity.
  const again = seen.get('alice-again') ?? [];
  assert.equal(again.length, 2);
  assert.equal(again[0]?.commonName, 'alice');
  assert.notEqual(again[0], first);
  assert.notEqual(again[0]?.address, first?.address);
  for (const c of [a, b, none, a2]) c.close();
});

test('a certificate the TLS layer refused is no identity, but is kept with the reason', async () => {
  const other = ensureCa(dir, 'other-ca');
  const mallory = ensureCert(dir, other, 'mallory', {
    commonName: 'alice',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const m = client(mallory);
  await calls(m, 'mallory', 2);
  const [first, second] = seen.get('mallory') ?? [];
  assert.equal(first?.commonName, undefined, 'no user name from a certificate nobody verified');
  assert.deepEqual(first?.organizations, []);
  assert.equal(first?.certificate, undefined);
  assert.equal(first?.rejectedCertificate?.certificate.subject.CN, 'alice');
  assert.equal(first?.rejectedCertificate?.reason, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.equal(second, first);
  for (const p of seen.get('alice') ?? []) assert.equal(p.rejectedCertificate, undefined);
  m.close();
});
