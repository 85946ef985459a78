/**
 * x509 client certificate authentication: CN is the user, O the groups. The TLS layer
 * only asks for a certificate (clients may use tokens instead), so the chain is checked
 * against the client CA, as kube-apiserver's --client-ca-file does.
 */
import type { PeerCertificate } from 'node:tls';
import type { ApiError } from '../../sdk/errors.js';
import { ClientCertificateVerifier } from '../../sdk/pki/client-certificates.js';
import type { RejectedCertificate } from '../../sdk/server/peer.js';
import type { UserInfo } from './types.js';

/** A certificate object the verifier accepted, with its validity window. */
interface Accepted {
  readonly user: UserInfo;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export class X509Authenticator {
  private readonly verifier: ClientCertificateVerifier;
  private readonly users = new WeakMap<object, UserInfo>();
  /**
   * By certificate object: the server hands every call on one connection the same
   * object, so a connection's later calls only need the validity window checked (the
   * chain was verified for exactly this object). Anything else goes to the verifier.
   */
  private readonly accepted = new WeakMap<PeerCertificate, Accepted>();

  constructor(caBundlePem: string) {
    this.verifier = new ClientCertificateVerifier(caBundlePem);
  }

  /** The user of a verified certificate; undefined when none was presented; throws when it is not valid. */
  authenticate(cert: PeerCertificate | undefined, now = new Date()): UserInfo | undefined {
    const known = cert === undefined ? undefined : this.accepted.get(cert);
    // Outside the window, the verifier below refuses it with its own message.
    if (known !== undefined && now >= known.notBefore && now <= known.notAfter) return known.user;
    const identity = this.verifier.verify(cert, now);
    if (identity === undefined || cert === undefined) return undefined;
    let user = this.users.get(identity);
    if (user === undefined) {
      user = { name: identity.commonName, uid: '', groups: [...identity.organizations] };
      this.users.set(identity, user);
    }
    const notBefore = new Date(cert.valid_from);
    const notAfter = new Date(cert.valid_to);
    if (!Number.isNaN(notBefore.getTime()) && !Number.isNaN(notAfter.getTime())) {
      this.accepted.set(cert, { user, notBefore, notAfter });
    }
    return user;
  }

  /**
   * What to tell a client whose certificate the TLS layer refused: signed by an unknown
   * authority, expired, not yet valid (as Kubernetes' x509 errors say), not "no credentials".
   */
  refusal(rejected: RejectedCertificate, now = new Date()): ApiError {
    return this.verifier.refusal(rejected.certificate, rejected.reason, now);
  }
}
