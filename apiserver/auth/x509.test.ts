import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { PeerCertificate } from 'node:tls';
import { ApiError, Code } from '../../sdk/errors.js';
import { ensureCa, ensureCert } from '../../sdk/pki/index.js';
import { X509Authenticator } from './x509.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'x509-'));
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
      e instanceof ApiError && e.code === Code.UNAUTHENTICATED && /not signed by a trusted/.test(e.message),
  );
  // Cached or not, the validity window is checked on every call.
  assert.throws(
    () => auth.authenticate(peer(alice.certFile), new Date(Date.now() + 20 * 365 * 86400_000)),
    (e: unknown) =>
      e instanceof ApiError && e.code === Code.UNAUTHENTICATED && /not valid now/.test(e.message),
  );
});
