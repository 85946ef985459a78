import { ApiError } from '../../sdk/errors.js';
import type { ClientCertificateVerifier } from '../../sdk/pki/index.js';
import type { Authenticator } from '../../sdk/server/index.js';

/** Health and reflection hold no data: probes and grpcurl may use them without a certificate. */
const open = ['/grpc.health.v1.', '/grpc.reflection.'];

/**
 * Only the apiserver gets in: a client certificate that chains to the store's CA (the TLS
 * layer only requests one, so that a client without it is told UNAUTHENTICATED rather than
 * failing the handshake; the chain is verified here) whose common name is allowed.
 */
export function storeAuthenticator(
  allowedCommonNames: readonly string[],
  verifier: ClientCertificateVerifier,
): Authenticator<{ name: string }> {
  return (peer, method) => {
    if (open.some((prefix) => method.startsWith(prefix))) return { name: peer.commonName ?? 'anonymous' };
    const identity = verifier.verify(peer.certificate);
    if (identity === undefined) {
      throw ApiError.unauthenticated('the store requires a client certificate signed by the store CA');
    }
    if (!allowedCommonNames.includes(identity.commonName)) {
      throw ApiError.forbidden(
        `${identity.commonName} may not use the store: only ${allowedCommonNames.join(', ')} may`,
      );
    }
    return { name: identity.commonName };
  };
}
