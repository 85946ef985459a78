import type { PeerCertificate } from 'node:tls';
import { parseCertificate, pemToDer } from './certificate.js';

/** Who a client certificate names: CN is the user, each O a group (the Kubernetes convention). */
export interface CertIdentity {
  readonly commonName: string;
  readonly organizations: string[];
  readonly notAfter: Date;
}

/**
 * Reads the identity from a certificate: PEM text, PEM or DER bytes, or the `PeerCertificate` that
 * Node's TLS (and grpc-js, through `call.getAuthContext().sslPeerCertificate`) gives for the peer.
 * The DER is preferred when present, because the parsed `subject` of a `PeerCertificate` folds a
 * single O into a string and several into an array.
 */
export function readCertIdentity(certificate: string | Buffer | PeerCertificate): CertIdentity {
  if (typeof certificate === 'string' || Buffer.isBuffer(certificate)) {
    const parsed = parseCertificate(pemToDer(certificate));
    return { ...parsed.subject, notAfter: parsed.notAfter };
  }
  if (certificate.raw && certificate.raw.length > 0) return readCertIdentity(certificate.raw);
  const subject = certificate.subject ?? {};
  const values = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());
  return {
    commonName: values(subject.CN)[0] ?? '',
    organizations: values(subject.O),
    notAfter: new Date(certificate.valid_to),
  };
}
