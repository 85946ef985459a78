/** Who is calling: the identity in the client's TLS certificate, if it sent one. */
import { type PeerCertificate, TLSSocket } from 'node:tls';

/** A client certificate the TLS layer did not accept, and why. */
export interface RejectedCertificate {
  readonly certificate: PeerCertificate;
  /** The TLS layer's verification error: `CERT_HAS_EXPIRED`, `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, ... */
  readonly reason: string;
}

export interface PeerIdentity {
  /** The certificate subject's common name: the user name. */
  readonly commonName?: string;
  /** The certificate subject's organizations: the groups. */
  readonly organizations: readonly string[];
  readonly address: string;
  /** The certificate as the TLS layer received and verified it against the server's CA. */
  readonly certificate?: PeerCertificate;
  /**
   * A certificate the client presented that failed the TLS layer's verification (only
   * possible when client certificates are requested, not required). Never an identity:
   * it is there so that the client can be told what is wrong with it.
   */
  readonly rejectedCertificate?: RejectedCertificate;
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
  stream?: { session?: { socket?: unknown } };
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

/**
 * The certificate of a connection whose TLS layer did not verify it. grpc-js hands out
 * only verified ones (`getAuthContext`), so it is read from the connection's socket.
 */
function rejectedCertificate(call: CallWithAuth): RejectedCertificate | undefined {
  const socket = (call as CallWithAuth & CallOnStream).stream?.session?.socket;
  if (!(socket instanceof TLSSocket) || socket.authorized) return undefined;
  const certificate = socket.getPeerCertificate();
  if (!certificate?.raw || certificate.raw.length === 0) return undefined;
  const error = socket.authorizationError as unknown;
  const reason =
    error instanceof Error ? ((error as NodeJS.ErrnoException).code ?? error.message) : String(error);
  return Object.freeze({ certificate, reason });
}

function readIdentity(call: CallWithAuth): PeerIdentity {
  const cert = call.getAuthContext?.().sslPeerCertificate;
  const subject = cert && Object.keys(cert).length > 0 ? cert.subject : undefined;
  const cn = subject ? asList(subject.CN)[0] : undefined;
  const rejected = subject ? undefined : rejectedCertificate(call);
  return Object.freeze({
    ...(cn !== undefined ? { commonName: cn } : {}),
    organizations: Object.freeze(subject ? asList(subject.O) : []),
    address: call.getPeer(),
    ...(subject ? { certificate: cert } : {}),
    ...(rejected ? { rejectedCertificate: rejected } : {}),
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
