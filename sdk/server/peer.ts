/** Who is calling: the identity in the client's TLS certificate, if it sent one. */
import type { PeerCertificate } from 'node:tls';

export interface PeerIdentity {
  /** The certificate subject's common name: the user name. */
  readonly commonName?: string;
  /** The certificate subject's organizations: the groups. */
  readonly organizations: readonly string[];
  readonly address: string;
  /** The certificate as the TLS layer received it; not verified when client certificates are only requested. */
  readonly certificate?: PeerCertificate;
}

interface CallWithAuth {
  getPeer(): string;
  getAuthContext?: () => { sslPeerCertificate?: PeerCertificate };
}

/**
 * What grpc-js's own server call holds (not part of its typed interface): the HTTP/2
 * stream, whose session is the one connection the call came on.
 */
interface CallOnStream {
  stream?: { session?: object };
}

/**
 * Identities by HTTP/2 session. A session is one TLS connection, whose peer certificate
 * and address cannot change after the handshake (HTTP/2 forbids renegotiation), so it is
 * read once per connection instead of once per call: `getAuthContext()` copies the
 * certificate out of the TLS layer every time it is asked. Keyed by the session object
 * itself, never by address, so no identity outlives or crosses its connection.
 */
const byConnection = new WeakMap<object, PeerIdentity>();

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function readIdentity(call: CallWithAuth): PeerIdentity {
  const cert = call.getAuthContext?.().sslPeerCertificate;
  const subject = cert && Object.keys(cert).length > 0 ? cert.subject : undefined;
  const cn = subject ? asList(subject.CN)[0] : undefined;
  return Object.freeze({
    ...(cn !== undefined ? { commonName: cn } : {}),
    organizations: Object.freeze(subject ? asList(subject.O) : []),
    address: call.getPeer(),
    ...(subject ? { certificate: cert } : {}),
  });
}

/** The caller's identity; the same (frozen) object for every call on one connection. */
export function peerIdentity(call: CallWithAuth): PeerIdentity {
  const session = (call as CallWithAuth & CallOnStream).stream?.session;
  if (session === undefined) return readIdentity(call);
  let identity = byConnection.get(session);
  if (identity === undefined) {
    identity = readIdentity(call);
    byConnection.set(session, identity);
  }
  return identity;
}
