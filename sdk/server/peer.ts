/** Who is calling: the identity in the client's TLS certificate, if it sent one. */
import type { PeerCertificate } from 'node:tls';

export interface PeerIdentity {
  /** The certificate subject's common name: the user name. */
  commonName?: string;
  /** The certificate subject's organizations: the groups. */
  organizations: string[];
  address: string;
  /** The certificate as the TLS layer received it; not verified when client certificates are only requested. */
  certificate?: PeerCertificate;
}

interface CallWithAuth {
  getPeer(): string;
  getAuthContext?: () => { sslPeerCertificate?: PeerCertificate };
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

export function peerIdentity(call: CallWithAuth): PeerIdentity {
  const cert = call.getAuthContext?.().sslPeerCertificate;
  const subject = cert && Object.keys(cert).length > 0 ? cert.subject : undefined;
  const cn = subject ? asList(subject.CN)[0] : undefined;
  return {
    ...(cn !== undefined ? { commonName: cn } : {}),
    organizations: subject ? asList(subject.O) : [],
    address: call.getPeer(),
    ...(subject ? { certificate: cert } : {}),
  };
}
