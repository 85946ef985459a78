/**
 * The authentication chain, run for every call before anything else: a client
 * certificate, else a bearer token; anonymous requests only when allowed by flag.
 * Every authenticated user also carries `system:authenticated`. A client certificate
 * the TLS layer refused (another CA, expired, not yet valid) authenticates no one; with
 * no bearer token beside it the call is refused saying what is wrong with it, even when
 * anonymous requests are allowed, as Kubernetes fails on an invalid certificate.
 */

import type { PeerCertificate } from 'node:tls';
import { ApiError } from '../../sdk/errors.js';
import type { RejectedCertificate } from '../../sdk/server/peer.js';
import type { TokenFileAuthenticator } from './token-file.js';
import type { UserInfo } from './types.js';
import type { X509Authenticator } from './x509.js';

/** Anything that turns a bearer token into a user (token file, service account JWTs). */
export interface TokenAuthenticator {
  authenticate(token: string): UserInfo | undefined | Promise<UserInfo | undefined>;
}

export interface AuthenticationOptions {
  x509?: X509Authenticator;
  tokens: readonly (TokenAuthenticator | TokenFileAuthenticator)[];
  anonymous: boolean;
}

export const anonymousUser: UserInfo = {
  name: 'system:anonymous',
  uid: '',
  groups: ['system:unauthenticated'],
};

export function createAuthenticator(opts: AuthenticationOptions) {
  /**
   * `authorization`: the request's Authorization header (gRPC metadata or HTTP), undefined
   * when absent; the same chain answers both APIs.
   */
  return async (
    cert: PeerCertificate | undefined,
    authorization: string | undefined,
    rejected?: RejectedCertificate,
  ): Promise<UserInfo> => {
    const fromCert = opts.x509?.authenticate(cert);
    if (fromCert) return withAuthenticated(fromCert);
    const header = authorization;
    if (header !== undefined && header !== '') {
      const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
      if (!match?.[1]) throw ApiError.unauthenticated('the authorization header must be "Bearer <token>"');
      for (const auth of opts.tokens) {
        const user = await auth.authenticate(match[1]);
        if (user) return withAuthenticated(user);
      }
      throw ApiError.unauthenticated('invalid bearer token');
    }
    if (rejected !== undefined) {
      throw (
        opts.x509?.refusal(rejected) ??
        ApiError.unauthenticated('client certificates are not accepted: no client CA is configured')
      );
    }
    if (opts.anonymous) return anonymousUser;
    throw ApiError.unauthenticated(
      'no credentials: present a client certificate signed by the cluster CA or a bearer token (see the admin config written by `wheelhouse up`)',
    );
  };
}

/**
 * Authenticators hand out one user object per identity (x509 caches them), so the
 * object with `system:authenticated` added is kept beside it instead of being built on
 * every call. Weakly held: a user dropped by its authenticator takes this with it.
 */
const authenticated = new WeakMap<UserInfo, UserInfo>();

function withAuthenticated(user: UserInfo): UserInfo {
  if (user.groups.includes('system:authenticated')) return user;
  let result = authenticated.get(user);
  if (result === undefined) {
    result = { ...user, groups: [...user.groups, 'system:authenticated'] };
    authenticated.set(user, result);
  }
  return result;
}
