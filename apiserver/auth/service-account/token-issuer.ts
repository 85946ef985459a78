/**
 * Issues service account tokens: ES256 JWTs signed with the key only the apiserver
 * holds, bound to the ServiceAccount's name and uid, and short-lived: 1 h unless
 * asked otherwise, at least 10 min (shorter requests are refused before they get
 * here), and never more than 48 h (longer ones are shortened, as Kubernetes does).
 */
import { createPublicKey, type KeyObject, randomUUID } from 'node:crypto';
import { buildClaims, type ServiceAccountRef } from './claims.js';
import { keyIdOf, signEs256 } from './jws.js';

export const defaultExpirationSeconds = 3600;
export const minExpirationSeconds = 600;
export const maxExpirationSeconds = 48 * 3600;

export interface IssuedToken {
  readonly token: string;
  readonly expirationTimestamp: Date;
  /** The token's unique id (jti): safe to log, unlike the token. */
  readonly jti: string;
}

export interface TokenIssuerOptions {
  readonly issuer: string;
  readonly signingKey: KeyObject;
  /** The audiences of a token that asks for none: the apiserver's own (`--api-audiences`). */
  readonly apiAudiences: readonly string[];
}

export class TokenIssuer {
  private readonly kid: string;

  constructor(private readonly opts: TokenIssuerOptions) {
    this.kid = keyIdOf(createPublicKey(opts.signingKey));
  }

  get issuer(): string {
    return this.opts.issuer;
  }

  get apiAudiences(): readonly string[] {
    return this.opts.apiAudiences;
  }

  /** The lifetime a request gets: the default, or what it asked for within the bounds. */
  static lifetimeOf(expirationSeconds: number | undefined): number {
    if (expirationSeconds === undefined) return defaultExpirationSeconds;
    return Math.min(maxExpirationSeconds, Math.max(minExpirationSeconds, Math.floor(expirationSeconds)));
  }

  issue(
    serviceAccount: ServiceAccountRef,
    opts: { audiences?: readonly string[]; expirationSeconds?: number; now?: Date } = {},
  ): IssuedToken {
    const now = Math.floor((opts.now ?? new Date()).getTime() / 1000);
    const expiresAt = now + TokenIssuer.lifetimeOf(opts.expirationSeconds);
    const audiences = opts.audiences && opts.audiences.length > 0 ? opts.audiences : this.opts.apiAudiences;
    const jti = randomUUID();
    const claims = buildClaims({
      issuer: this.opts.issuer,
      audiences,
      serviceAccount,
      issuedAt: now,
      expiresAt,
      jti,
    });
    return {
      token: signEs256(claims, this.opts.signingKey, this.kid),
      expirationTimestamp: new Date(expiresAt * 1000),
      jti,
    };
  }
}
