import { ApiError } from '../sdk/errors.js';
import type { ClientCertificateVerifier } from '../sdk/pki/index.js';
import type { Authenticator } from '../sdk/server/index.js';

/** Health and reflection hold no data: probes and grpcurl may use them without a certificate. */
const open = ['/grpc.health.v1.', '/grpc.reflection.'];

/** The identity the apiserver presents to kubelets (see Identities.apiserverKubeletClient). */
export const APISERVER_KUBELET_CLIENT = 'wheelhouse-apiserver-kubelet-client';

/**
 * The kubelet's fence: only the apiserver gets in. Users reach a kubelet through the
 * apiserver, which authorizes them first; a certificate of the cluster CA under any other
 * name (an admin, another node's kubelet) is refused, since the kubelet would otherwise
 * serve any pod's logs to anyone the CA ever issued a certificate to.
 *
 * The TLS layer only requests a certificate, so that a client without one is told
 * UNAUTHENTICATED rather than failing the handshake; the chain is verified here.
 */
export function kubeletAuthenticator(
  allowedCommonNames: readonly string[],
  verifier: ClientCertificateVerifier,
): Authenticator<{ name: string }> {
  return (peer, method) => {
    if (open.some((prefix) => method.startsWith(prefix))) return { name: peer.commonName ?? 'anonymous' };
    const identity = verifier.verify(peer.certificate);
    if (identity === undefined) {
      throw ApiError.unauthenticated(
        'the kubelet API requires a client certificate signed by the cluster CA',
      );
    }
    if (!allowedCommonNames.includes(identity.commonName)) {
      throw ApiError.forbidden(
        `${identity.commonName} may not use the kubelet API: only ${allowedCommonNames.join(', ')} may (reach pods' logs through the apiserver)`,
      );
    }
    return { name: identity.commonName };
  };
}
