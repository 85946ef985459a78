/**
 * x509 client certificate authentication: CN is the user, O the groups. The TLS layer
 * only asks for a certificate (clients may use tokens instead), so the chain is checked
 * here against the client CA, as kube-apiserver's --client-ca-file does.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { ApiError } from '../../sdk/errors.js';
import type { UserInfo } from './types.js';

export class X509Authenticator {
  private readonly cas: X509Certificate[];

  constructor(caBundlePem: string) {
    this.cas = splitPem(caBundlePem).map((pem) => new X509Certificate(pem));
    if (this.cas.length === 0) throw new Error('the client CA file holds no certificate');
  }

  /** The user of a verified certificate; undefined when none was presented; throws when it is not valid. */
  authenticate(cert: PeerCertificate | undefined, now = new Date()): UserInfo | undefined {
    if (cert === undefined || cert.raw === undefined || cert.raw.length === 0) return undefined;
    const x509 = new X509Certificate(cert.raw);
    const issuer = this.cas.find((ca) => x509.checkIssued(ca) && x509.verify(ca.publicKey));
    if (issuer === undefined)
      throw ApiError.unauthenticated('the client certificate is not signed by a trusted client CA');
    if (now < new Date(x509.validFrom) || now > new Date(x509.validTo)) {
      throw ApiError.unauthenticated(
        `the client certificate is not valid now (valid ${x509.validFrom} to ${x509.validTo})`,
      );
    }
    const cn = first(cert.subject?.CN);
    if (!cn)
      throw ApiError.unauthenticated('the client certificate has no common name (CN) to use as user name');
    return { name: cn, uid: '', groups: list(cert.subject?.O) };
  }
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
