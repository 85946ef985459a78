import { ApiError } from '../../sdk/errors.js';
import type { Authenticator } from '../../sdk/server/index.js';

/** Health and reflection hold no data: probes and grpcurl may use them without a certificate. */
const open = ['/grpc.health.v1.', '/grpc.reflection.'];

/**
 * Only the apiserver gets in: a client certificate that chains to the store's CA
 * (the TLS layer only hands over verified certificates) whose common name is allowed.
 */
export function storeAuthenticator(allowedCommonNames: readonly string[]): Authenticator<{ name: string }> {
  return (peer, method) => {
    if (open.some((prefix) => method.startsWith(prefix))) return { name: peer.commonName ?? 'anonymous' };
    if (peer.commonName === undefined) {
      throw ApiError.unauthenticated('the store requires a client certificate signed by the store CA');
    }
    if (!allowedCommonNames.includes(peer.commonName)) {
      throw ApiError.forbidden(
        `${peer.commonName} may not use the store: only ${allowedCommonNames.join(', ')} may`,
      );
    }
    return { name: peer.commonName };
  };
}
