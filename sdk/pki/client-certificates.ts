/**
 * Verifies client certificates against a CA bundle, for servers that only *request*
 * certificates at the TLS layer (so that a client without one gets a proper
 * UNAUTHENTICATED instead of a failed handshake): the chain is then checked here. A
 * connection presents the same certificate on every call, so verified certificates are
 * cached by their bytes; the validity window is checked on every call.
 */
import { X509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { ApiError } from '../errors.js';

export interface VerifiedIdentity {
  readonly commonName: string;
  readonly organizations: readonly string[];
}

interface Verified {
  identity: VerifiedIdentity;
  notBefore: Date;
  notAfter: Date;
}

const maxVerified = 4096;

export class ClientCertificateVerifier {
  private readonly cas: X509Certificate[];
  private readonly verified = new Map<string, Verified>();

  constructor(caBundlePem: string) {
    this.cas = splitPem(caBundlePem).map((pem) => new X509Certificate(pem));
    if (this.cas.length === 0) throw new Error('the client CA bundle holds no certificate');
  }

  /** The identity of a valid certificate; undefined when none was presented; UNAUTHENTICATED otherwise. */
  verify(cert: PeerCertificate | undefined, now = new Date()): VerifiedIdentity | undefined {
    if (cert === undefined || cert.raw === undefined || cert.raw.length === 0) return undefined;
    const key = cert.raw.toString('base64');
    let entry = this.verified.get(key);
    if (entry === undefined) {
      entry = this.check(cert);
      if (this.verified.size >= maxVerified) this.verified.clear();
      this.verified.set(key, entry);
    }
    if (now < entry.notBefore || now > entry.notAfter) {
      throw ApiError.unauthenticated(
        `the client certificate is not valid now (valid ${entry.notBefore.toISOString()} to ${entry.notAfter.toISOString()})`,
      );
    }
    return entry.identity;
  }

  private check(cert: PeerCertificate): Verified {
    const x509 = new X509Certificate(cert.raw);
    if (!this.cas.some((ca) => x509.checkIssued(ca) && x509.verify(ca.publicKey))) {
      throw ApiError.unauthenticated('the client certificate is not signed by a trusted client CA');
    }
    const commonName = asList(cert.subject?.CN)[0];
    if (!commonName) {
      throw ApiError.unauthenticated('the client certificate has no common name (CN) to use as user name');
    }
    return {
      identity: { commonName, organizations: asList(cert.subject?.O) },
      notBefore: new Date(x509.validFrom),
      notAfter: new Date(x509.validTo),
    };
  }
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
