import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { ApiError, Code } from '../../sdk/errors.js';
import { createCertificate, derToPem } from '../../sdk/pki/certificate.js';
import { ensureCa, ensureCert } from '../../sdk/pki/index.js';
import { X509Authenticator } from './x509.js';

const root = mkdtempSync(join(tmpdir(), 'x509-'));
after(() => rmSync(root, { recursive: true, force: true }));

function peer(certFile: string): PeerCertificate {
  const x = new X509Certificate(readFileSync(certFile));
  const subject: Record<string, string | string[]> = {};
  for (const line of x.subject.split('\n')) {
    const [k, v] = line.split('=');
    if (!k || v === undefined) continue;
    const prev = subject[k];
    subject[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return { raw: x.raw, subject } as unknown as PeerCertificate;
}

test('x509: CN is the user, O the groups; other CAs and expired certificates are refused', () => {
  const dir = mkdtempSync(join(root, 'case-'));
  const ca = ensureCa(dir, 'ca');
  const other = ensureCa(dir, 'other-ca');
  const alice = ensureCert(dir, ca, 'alice', {
    commonName: 'alice',
    organizations: ['dev', 'ops'],
    usage: 'client',
  });
  const mallory = ensureCert(dir, other, 'mallory', {
    commonName: 'admin',
    organizations: ['system:masters'],
    usage: 'client',
  });
  const auth = new X509Authenticator(readFileSync(ca.certFile, 'utf8'));

  assert.equal(auth.authenticate(undefined), undefined);
  const user = auth.authenticate(peer(alice.certFile));
  assert.deepEqual(user, { name: 'alice', uid: '', groups: ['dev', 'ops'] });
  // The second call is answered from the verified-certificate cache, with the same result.
  assert.deepEqual(auth.authenticate(peer(alice.certFile)), user);

  assert.throws(
    () => auth.authenticate(peer(mallory.certFile)),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === Code.UNAUTHENTICATED &&
      /signed by an unknown authority/.test(e.message),
  );
  // Cached or not, the validity window is checked on every call.
  assert.throws(
    () => auth.authenticate(peer(alice.certFile), new Date(Date.now() + 20 * 365 * 86400_000)),
    (e: unknown) =>
      e instanceof ApiError && e.code === Code.UNAUTHENTICATED && /has expired \(notAfter /.test(e.message),
  );
});

test('x509: a certificate object seen before still has its validity window checked on every call', () => {
  const dir = mkdtempSync(join(root, 'case-'));
  const ca = ensureCa(dir, 'ca');
  const alice = ensureCert(dir, ca, 'alice', {
    commonName: 'alice',
    organizations: ['dev'],
    usage: 'client',
  });
  const auth = new X509Authenticator(readFileSync(ca.certFile, 'utf8'));
  const x = new X509Certificate(readFileSync(alice.certFile));
  // As the TLS layer hands it over: the same object for every call on one connection.
  const cert = { ...peer(alice.certFile), valid_from: x.validFrom, valid_to: x.validTo } as PeerCertificate;

  const user = auth.authenticate(cert);
  assert.deepEqual(user, { name: 'alice', uid: '', groups: ['dev'] });
  assert.equal(auth.authenticate(cert), user);
  const later = new Date(Date.parse(x.validTo) + 1000);
  assert.throws(
    () => auth.authenticate(cert, later),
    (e: unknown) =>
      e instanceof ApiError && e.code === Code.UNAUTHENTICATED && /has expired \(notAfter /.test(e.message),
  );
  assert.throws(
    () => auth.authenticate(cert, new Date(Date.parse(x.validFrom) - 1000)),
    (e: unknown) =>
      e instanceof ApiError &&
      e.code === Code.UNAUTHENTICATED &&
      /not yet valid \(notBefore /.test(e.message),
  );

  // A different object with a certificate from another CA is never taken for a known one.
  const other = ensureCa(dir, 'other-ca');
  const mallory = ensureCert(dir, other, 'alice-too', { commonName: 'alice', usage: 'client' });
  const m = new X509Certificate(readFileSync(mallory.certFile));
  const forged = {
    ...peer(mallory.certFile),
    valid_from: m.validFrom,
    valid_to: m.validTo,
  } as PeerCertificate;
  assert.throws(() => auth.authenticate(forged), /signed by an unknown authority/);
});

test('x509: a certificate the TLS layer refused is explained, and never accepted', () => {
  const dir = mkdtempSync(join(root, 'case-'));
  const ca = ensureCa(dir, 'ca');
  const other = ensureCa(dir, 'other-ca');
  const auth = new X509Authenticator(readFileSync(ca.certFile, 'utf8'));
  const day = 86_400_000;
  const now = Date.now();
  const issue = (
    issuer: typeof ca,
    notBefore: number,
    notAfter: number,
    usage: 'client' | 'server' = 'client',
  ) => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const der = createCertificate(
      {
        subject: { commonName: 'alice', organizations: ['system:masters'] },
        publicKey: createPublicKey(privateKey),
        notBefore: new Date(notBefore),
        notAfter: new Date(notAfter),
        usage,
      },
      issuer,
    );
    const file = join(dir, `${randomUUID()}.crt`);
    writeFileSync(file, derToPem(der));
    return peer(file);
  };
  const refusal = (certificate: PeerCertificate, reason: string) => {
    const err = auth.refusal({ certificate, reason });
    assert.equal(err.code, Code.UNAUTHENTICATED);
    return err.message;
  };

  assert.match(
    refusal(issue(other, now - day, now + day), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'),
    /^the client certificate is signed by an unknown authority \(issuer "CN=other-ca"\)/,
  );
  const expiredAt = new Date(now - day);
  assert.equal(
    refusal(issue(ca, now - 3 * day, expiredAt.getTime()), 'CERT_HAS_EXPIRED').split(', now')[0],
    `the client certificate has expired (notAfter ${new Date(Math.floor(expiredAt.getTime() / 1000) * 1000).toISOString()}`,
  );
  assert.match(
    refusal(issue(ca, now + day, now + 3 * day), 'CERT_NOT_YET_VALID'),
    /^the client certificate is not yet valid \(notBefore \S+, now \S+\)$/,
  );
  assert.match(
    refusal(issue(ca, now - day, now + day, 'server'), 'UNSUPPORTED_CERTIFICATE_PURPOSE'),
    /not valid for client authentication/,
  );
});
