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
import { quote } from '../truncate.js';

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
    checkValidity(entry.notBefore, entry.notAfter, now);
    return entry.identity;
  }

  /**
   * Why the TLS layer refused a client certificate (`reason`, its verification error), in
   * words the client can act on: signed by an unknown authority, expired, not yet valid.
   * Always an UNAUTHENTICATED ApiError: a refused certificate never authenticates anyone.
   */
  refusal(cert: PeerCertificate, reason: string, now = new Date()): ApiError {
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert.raw);
    } catch {
      return ApiError.unauthenticated(`the client certificate cannot be read (${reason})`);
    }
    if (!this.issuedByTrustedCa(x509)) return unknownAuthority(x509);
    try {
      checkValidity(new Date(x509.validFrom), new Date(x509.validTo), now);
    } catch (err) {
      if (err instanceof ApiError) return err;
    }
    const why = tlsReasons[reason] ?? `the TLS layer refused it: ${reason}`;
    return ApiError.unauthenticated(`the client certificate is not accepted: ${why}`);
  }

  private issuedByTrustedCa(x509: X509Certificate): boolean {
    return this.cas.some((ca) => x509.checkIssued(ca) && x509.verify(ca.publicKey));
  }

  private check(cert: PeerCertificate): Verified {
    const x509 = new X509Certificate(cert.raw);
    if (!this.issuedByTrustedCa(x509)) throw unknownAuthority(x509);
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

/** What the TLS layer's verification errors mean for a client certificate signed by a trusted CA. */
const tlsReasons: Readonly<Record<string, string>> = {
  UNSUPPORTED_CERTIFICATE_PURPOSE: 'it is not valid for client authentication (extended key usage)',
  INVALID_PURPOSE: 'it is not valid for client authentication (extended key usage)',
  CERT_REVOKED: 'it has been revoked',
  CERT_SIGNATURE_FAILURE: 'its signature does not verify',
};

function unknownAuthority(x509: X509Certificate): ApiError {
  const issuer = x509.issuer.split('\n').join(', ');
  return ApiError.unauthenticated(
    `the client certificate is signed by an unknown authority (issuer ${quote(issuer)}): ` +
      'present a certificate issued by the client CA, or a bearer token',
  );
}

/** UNAUTHENTICATED when `now` is outside the certificate's validity, saying which side. */
function checkValidity(notBefore: Date, notAfter: Date, now: Date): void {
  if (now > notAfter) {
    throw ApiError.unauthenticated(
      `the client certificate has expired (notAfter ${notAfter.toISOString()}, now ${now.toISOString()})`,
    );
  }
  if (now < notBefore) {
    throw ApiError.unauthenticated(
      `the client certificate is not yet valid (notBefore ${notBefore.toISOString()}, now ${now.toISOString()})`,
    );
  }
}

function asList(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}
