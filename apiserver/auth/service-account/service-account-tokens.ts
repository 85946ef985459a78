/**
 * Service account tokens as the apiserver's flags configure them: the issuer that
 * signs (with `--service-account-signing-key-file`) and the authenticator that
 * verifies (with `--service-account-key-file`, or the signing key's public half when
 * no key file is given). Either may be absent: an apiserver without the signing key
 * still accepts tokens another one issued, and one without any key has neither.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { keyIdOf } from './jws.js';
import { loadSigningKey, loadVerificationKeys } from './keys.js';
import { ServiceAccountTokenAuthenticator } from './token-authenticator.js';
import { TokenIssuer } from './token-issuer.js';

export const defaultServiceAccountIssuer = 'https://wheelhouse.local';

export interface ServiceAccountTokens {
  readonly issuer: TokenIssuer | undefined;
  readonly authenticator: ServiceAccountTokenAuthenticator | undefined;
}

export interface ServiceAccountTokenFlags {
  readonly signingKeyFile?: string | undefined;
  readonly keyFiles: readonly string[];
  /** `--service-account-issuer`: the `iss` of issued tokens, and the only one accepted. */
  readonly issuer: string;
  /** `--api-audiences`: the audiences the apiserver accepts; the issuer when empty, as in Kubernetes. */
  readonly apiAudiences: readonly string[];
}

export function loadServiceAccountTokens(flags: ServiceAccountTokenFlags): ServiceAccountTokens {
  const audiences = flags.apiAudiences.length > 0 ? flags.apiAudiences : [flags.issuer];
  const signingKey = flags.signingKeyFile ? loadSigningKey(flags.signingKeyFile) : undefined;
  let keys: Map<string, KeyObject> = new Map();
  if (flags.keyFiles.length > 0) keys = loadVerificationKeys(flags.keyFiles);
  else if (signingKey) {
    const pub = createPublicKey(signingKey);
    keys.set(keyIdOf(pub), pub);
  }
  if (signingKey && !keys.has(keyIdOf(createPublicKey(signingKey)))) {
    throw new Error(
      `--service-account-key-file does not hold the public key of --service-account-signing-key-file ${flags.signingKeyFile}: the tokens this apiserver issues would not verify`,
    );
  }
  return {
    issuer: signingKey
      ? new TokenIssuer({ issuer: flags.issuer, signingKey, apiAudiences: audiences })
      : undefined,
    authenticator:
      keys.size > 0
        ? new ServiceAccountTokenAuthenticator({ issuer: flags.issuer, audiences, keys })
        : undefined,
  };
}
