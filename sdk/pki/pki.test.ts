import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pemToDer } from './certificate.js';
import { ensureCa, ensureCert, ensureClusterPki, ensureStorePki, readCertIdentity } from './index.js';
import { canonicalIp } from './ip.js';

const root = mkdtempSync(join(tmpdir(), 'wheelhouse-pki-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const freshDir = () => join(root, `t${counter++}`);

/** Every file under a folder with its bytes, for byte-for-byte comparisons. */
function snapshot(dir: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile())
      files.set(join(entry.parentPath, entry.name), readFileSync(join(entry.parentPath, entry.name)));
  }
  return files;
}

describe('ensureCa and ensureCert', () => {
  test('issue a CA and a leaf that OpenSSL (through node:crypto) accepts', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca', { commonName: 'test-ca' });
    const files = ensureCert(dir, ca, 'server', {
      commonName: 'test-server',
      organizations: ['team-a', 'team-b'],
      dnsNames: ['localhost', 'example.internal'],
      ipAddresses: ['127.0.0.1', '::1'],
      usage: 'server',
    });
    const caCert = new X509Certificate(readFileSync(files.caFile));
    const leaf = new X509Certificate(readFileSync(files.certFile));
    assert.equal(caCert.ca, true);
    assert.equal(leaf.ca, false);
    assert.ok(leaf.checkIssued(caCert));
    assert.ok(leaf.verify(caCert.publicKey));
    assert.ok(caCert.verify(caCert.publicKey), 'the CA is self-signed');
    assert.equal(leaf.checkHost('example.internal'), 'example.internal');
    assert.equal(leaf.checkIP('::1'), '::1');
    assert.equal(leaf.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(leaf.checkHost('other.internal'), undefined);
    assert.deepEqual(leaf.keyUsage, ['1.3.6.1.5.5.7.3.1']); // serverAuth only
    assert.match(leaf.subject, /CN=test-server/);
    assert.match(caCert.issuer, /CN=test-ca/);
    const identity = readCertIdentity(readFileSync(files.certFile, 'utf8'));
    assert.equal(identity.commonName, 'test-server');
    assert.deepEqual(identity.organizations, ['team-a', 'team-b']);
  });

  test('a second run leaves every file byte-identical; files are 0600 and folders 0700', () => {
    const dataDir = freshDir();
    ensureClusterPki(dataDir, { nodes: ['node-a', 'node-b'], apiserverHosts: ['10.1.2.3', 'api.test'] });
    const first = snapshot(dataDir);
    assert.equal(first.size, 30, 'CA, 6 certificates, 2 per node for 2 nodes, sa.key/pub, store CA and 2');
    const again = ensureClusterPki(dataDir, {
      nodes: ['node-a', 'node-b'],
      apiserverHosts: ['10.1.2.3', 'api.test'],
    });
    assert.deepEqual(snapshot(dataDir), first);
    for (const file of first.keys()) assert.equal(statSync(file).mode & 0o777, 0o600, file);
    for (const dir of [dataDir, again.dir, join(again.dir, 'store')]) {
      assert.equal(statSync(dir).mode & 0o777, 0o700, dir);
    }
  });

  test('a missing certificate is reissued for the existing key; the rest stays', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca');
    const options = { commonName: 'c', usage: 'client' } as const;
    const files = ensureCert(dir, ca, 'client', options);
    const key = readFileSync(files.keyFile);
    rmSync(files.certFile);
    ensureCert(dir, ca, 'client', options);
    assert.deepEqual(readFileSync(files.keyFile), key);
    assert.ok(new X509Certificate(readFileSync(files.certFile)).checkPrivateKey(createPrivateKey(key)));
  });

  test('an existing certificate that no longer fits is reported, never overwritten', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca');
    const files = ensureCert(dir, ca, 'server', { commonName: 's', dnsNames: ['a.test'], usage: 'server' });
    const before = readFileSync(files.certFile);
    assert.throws(
      () =>
        ensureCert(dir, ca, 'server', { commonName: 's', dnsNames: ['a.test', 'b.test'], usage: 'server' }),
      /lacks the subject alternative names b\.test.*Remove/,
    );
    assert.throws(
      () => ensureCert(dir, ca, 'server', { commonName: 'other', usage: 'server' }),
      /its CN is "s"/,
    );
    assert.throws(
      () => ensureCert(dir, ca, 'server', { commonName: 's', usage: 'client' }),
      /client authentication/,
    );
    const otherCa = ensureCa(freshDir(), 'ca');
    assert.throws(
      () => ensureCert(dir, otherCa, 'server', { commonName: 's', usage: 'server' }),
      /not issued by/,
    );
    assert.deepEqual(readFileSync(files.certFile), before);
  });

  test('a CA certificate without its key is refused', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca');
    rmSync(ca.keyFile);
    assert.throws(() => ensureCa(dir, 'ca'), /without its private key/);
  });

  test('file names cannot leave the folder', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca');
    assert.throws(
      () => ensureCert(dir, ca, '../escape', { commonName: 'x', usage: 'client' }),
      /invalid PKI file name/,
    );
    assert.throws(() => ensureClusterPki(freshDir(), { nodes: ['../x'] }), /invalid PKI file name/);
  });

  test('a corrupt key is reported with the file to remove', () => {
    const dir = freshDir();
    const ca = ensureCa(dir, 'ca');
    writeFileSync(join(dir, 'broken.key'), 'not a key');
    assert.throws(
      () => ensureCert(dir, ca, 'broken', { commonName: 'x', usage: 'client' }),
      /broken\.key is not a readable/,
    );
  });
});

describe('cluster and store layouts', () => {
  test('identities, usages and SANs', () => {
    const dataDir = freshDir();
    const pki = ensureClusterPki(dataDir, {
      nodes: ['worker-1'],
      apiserverHosts: ['192.0.2.7', 'Api.Example'],
    });
    const identity = (file: string) => readCertIdentity(readFileSync(file));
    assert.deepEqual(identity(pki.admin.certFile).organizations, ['system:masters']);
    assert.equal(identity(pki.admin.certFile).commonName, 'admin');
    assert.equal(identity(pki.scheduler.certFile).commonName, 'system:kube-scheduler');
    assert.equal(identity(pki.controllerManager.certFile).commonName, 'system:kube-controller-manager');
    const kubelet = pki.kubelets['worker-1'];
    assert.ok(kubelet);
    assert.equal(identity(kubelet.client.certFile).commonName, 'system:node:worker-1');
    assert.deepEqual(identity(kubelet.client.certFile).organizations, ['system:nodes']);
    assert.equal(
      new X509Certificate(readFileSync(kubelet.serving.certFile)).checkHost('worker-1'),
      'worker-1',
    );
    const toKubelets = identity(pki.apiserverKubeletClient.certFile);
    assert.equal(toKubelets.commonName, 'wheelhouse-apiserver-kubelet-client');
    assert.deepEqual(toKubelets.organizations, []);
    const simulator = identity(pki.kubeletSimulator.certFile);
    assert.equal(simulator.commonName, 'system:kubelet-simulator');
    assert.deepEqual(simulator.organizations, []);

    const apiserver = new X509Certificate(readFileSync(pki.apiserver.certFile));
    assert.equal(apiserver.checkIP('192.0.2.7'), '192.0.2.7');
    assert.equal(apiserver.checkHost('api.example'), 'api.example');
    assert.equal(apiserver.checkHost('localhost'), 'localhost');
    assert.equal(apiserver.checkIP('::1'), '::1');

    // The store has its own CA: nothing the cluster CA issued is trusted by it.
    const storeCa = new X509Certificate(readFileSync(pki.store.caFile));
    const clusterCa = new X509Certificate(readFileSync(pki.caFile));
    assert.notEqual(storeCa.fingerprint256, clusterCa.fingerprint256);
    const storeClient = new X509Certificate(readFileSync(pki.store.clientCertFile));
    assert.ok(storeClient.verify(storeCa.publicKey));
    assert.equal(identity(pki.store.clientCertFile).commonName, 'wheelhouse-apiserver');
    assert.equal(
      new X509Certificate(readFileSync(pki.store.serverCertFile)).checkIP('127.0.0.1'),
      '127.0.0.1',
    );
  });

  test('ensureStorePki alone gives the same files as within the cluster PKI', () => {
    const dataDir = freshDir();
    const store = ensureStorePki(dataDir);
    const bytes = readFileSync(store.serverCertFile);
    const pki = ensureClusterPki(dataDir, { nodes: [] });
    assert.deepEqual(pki.store, store);
    assert.deepEqual(readFileSync(pki.store.serverCertFile), bytes);
  });

  test('service account keys sign and verify ES256', async () => {
    const { createPrivateKey, createPublicKey, sign, verify } = await import('node:crypto');
    const pki = ensureClusterPki(freshDir(), { nodes: [] });
    const privateKey = createPrivateKey(readFileSync(pki.serviceAccount.privateKeyFile));
    const publicKey = createPublicKey(readFileSync(pki.serviceAccount.publicKeyFile));
    const signature = sign('sha256', Buffer.from('header.payload'), {
      key: privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    assert.equal(signature.length, 64);
    assert.ok(
      verify(
        'sha256',
        Buffer.from('header.payload'),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        signature,
      ),
    );
  });
});

describe('readCertIdentity', () => {
  const dir = freshDir();
  const ca = ensureCa(dir, 'ca');
  const files = ensureCert(dir, ca, 'user', {
    commonName: 'jane',
    organizations: ['dev', 'ops'],
    usage: 'client',
    validDays: 10,
  });
  const pem = readFileSync(files.certFile, 'utf8');

  test('reads PEM text, PEM bytes and DER bytes alike', () => {
    for (const input of [pem, Buffer.from(pem), pemToDer(pem)]) {
      const identity = readCertIdentity(input);
      assert.equal(identity.commonName, 'jane');
      assert.deepEqual(identity.organizations, ['dev', 'ops']);
      const days = (identity.notAfter.getTime() - Date.now()) / 86_400_000;
      assert.ok(days > 9.9 && days <= 10, `notAfter ${identity.notAfter.toISOString()}`);
    }
  });

  test('reads a PeerCertificate by its raw DER, or by its parsed subject without one', () => {
    const raw = pemToDer(pem);
    const peer = { raw, subject: { CN: 'ignored', O: 'ignored' }, valid_to: 'Jan  1 00:00:00 2030 GMT' };
    assert.equal(readCertIdentity(peer as never).commonName, 'jane');
    const parsedOnly = { subject: { CN: 'bob', O: ['a', 'b'] }, valid_to: 'Jan  1 00:00:00 2030 GMT' };
    const identity = readCertIdentity(parsedOnly as never);
    assert.equal(identity.commonName, 'bob');
    assert.deepEqual(identity.organizations, ['a', 'b']);
    assert.equal(identity.notAfter.toISOString(), '2030-01-01T00:00:00.000Z');
    assert.deepEqual(
      readCertIdentity({ subject: { CN: 'x', O: 'solo' }, valid_to: '' } as never).organizations,
      ['solo'],
    );
  });

  test('rejects what is not a certificate', () => {
    assert.throws(() => readCertIdentity('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n'));
    assert.throws(() => readCertIdentity(Buffer.from([0x30, 0x05, 0x01])));
  });
});

test('IP addresses compare in canonical form', () => {
  assert.equal(canonicalIp('0:0:0:0:0:0:0:1'), '::1');
  assert.equal(canonicalIp('::1'), '::1');
  assert.equal(canonicalIp('fe80:0:0:0:1:0:0:2'), 'fe80::1:0:0:2');
  assert.equal(canonicalIp('2001:db8::1:2'), '2001:db8::1:2');
  assert.equal(canonicalIp('::ffff:1.2.3.4'), '::ffff:102:304');
  assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
  assert.throws(() => canonicalIp('example.com'));
});
