/**
 * x509 client certificate authentication: CN is the user, O the groups. The TLS layer
 * only asks for a certificate (clients may use tokens instead), so the chain is checked
 * against the client CA, as kube-apiserver's --client-ca-file does.
 */
import type { PeerCertificate } from 'node:tls';
import { ClientCertificateVerifier } from '../../sdk/pki/client-certificates.js';
import type { UserInfo } from './types.js';

export class X509Authenticator {
  private readonly verifier: ClientCertificateVerifier;
  private readonly users = new WeakMap<object, UserInfo>();

  constructor(caBundlePem: string) {
    this.verifier = new ClientCertificateVerifier(caBundlePem);
  }

  /** The user of a verified certificate; undefined when none was presented; throws when it is not valid. */
  authenticate(cert: PeerCertificate | undefined, now = new Date()): UserInfo | undefined {
    const identity = this.verifier.verify(cert, now);
    if (identity === undefined) return undefined;
    let user = this.users.get(identity);
    if (user === undefined) {
      user = { name: identity.commonName, uid: '', groups: [...identity.organizations] };
      this.users.set(identity, user);
    }
    return user;
  }
}
