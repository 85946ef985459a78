/**
 * Authenticates service account tokens, in the bearer-token part of the chain.
 * A token that is not a JWT of this issuer is not ours: it is left to the other
 * authenticators. One of ours is accepted only when all of these hold, else the
 * call is refused with UNAUTHENTICATED and the reason (never the token):
 *
 *   - one of the verification keys signed it with ES256;
 *   - one of its audiences is one of the apiserver's (`--api-audiences`);
 *   - it is not expired, and not used before its `nbf`;
 *   - its ServiceAccount still exists with the uid it was issued for, so deleting
 *     the account (or deleting and recreating it) ends every token it had.
 */
import type { KeyObject } from 'node:crypto';
import { ApiError } from '../../../sdk/errors.js';
import type { TokenAuthenticator } from '../authenticate.js';
import type { UserInfo } from '../types.js';
import { parseClaims, type ServiceAccountClaims, serviceAccountUser } from './claims.js';
import { decodeJws, verifyEs256 } from './jws.js';

/** The uid of a ServiceAccount, or undefined when it does not exist. */
export type ServiceAccountLookup = (namespace: string, name: string) => Promise<string | undefined>;

export interface ServiceAccountTokenAuthenticatorOptions {
  readonly issuer: string;
  /** A token must name at least one of these in `aud`. */
  readonly audiences: readonly string[];
  /** Verification keys by key id. */
  readonly keys: ReadonlyMap<string, KeyObject>;
  /** Set later with `connect` when the ServiceAccounts are not readable yet at construction. */
  readonly serviceAccounts?: ServiceAccountLookup;
  readonly now?: () => Date;
}

/** Tolerated clock skew for `nbf` between apiservers that issue and that check. */
const notBeforeLeewaySeconds = 60;

export class ServiceAccountTokenAuthenticator implements TokenAuthenticator {
  private serviceAccounts: ServiceAccountLookup | undefined;

  constructor(private readonly opts: ServiceAccountTokenAuthenticatorOptions) {
    if (opts.keys.size === 0)
      throw new Error('service account token authentication needs a verification key');
    this.serviceAccounts = opts.serviceAccounts;
  }

  /** Where ServiceAccounts are read from: the apiserver connects its registry here once it exists. */
  connect(serviceAccounts: ServiceAccountLookup): void {
    this.serviceAccounts = serviceAccounts;
  }

  async authenticate(token: string): Promise<UserInfo | undefined> {
    const jws = decodeJws(token);
    if (jws === undefined || jws.payload.iss !== this.opts.issuer) return undefined;
    if (!verifyEs256(jws, this.opts.keys)) refuse('its signature does not verify with the cluster keys');
    let claims: ServiceAccountClaims;
    try {
      claims = parseClaims(jws.payload);
    } catch (err) {
      refuse((err as Error).message);
    }
    this.checkTimes(claims);
    if (!claims.aud.some((a) => this.opts.audiences.includes(a))) {
      refuse(
        `it is for the audiences ${JSON.stringify(claims.aud)}, not for this apiserver (${JSON.stringify(this.opts.audiences)})`,
      );
    }
    const { namespace, serviceaccount } = claims['kubernetes.io'];
    if (!this.serviceAccounts) throw ApiError.unavailable('service account tokens cannot be checked yet');
    const uid = await this.serviceAccounts(namespace, serviceaccount.name);
    if (uid === undefined) refuse(`the service account ${namespace}/${serviceaccount.name} no longer exists`);
    if (uid !== serviceaccount.uid) {
      refuse(
        `the service account ${namespace}/${serviceaccount.name} was deleted and recreated (uid ${uid}, the token is for ${serviceaccount.uid})`,
      );
    }
    return serviceAccountUser({ namespace, name: serviceaccount.name, uid }, claims.jti);
  }

  private checkTimes(claims: ServiceAccountClaims): void {
    const now = (this.opts.now?.() ?? new Date()).getTime() / 1000;
    if (now >= claims.exp) {
      refuse(`it expired at ${new Date(claims.exp * 1000).toISOString()}; request a new one`);
    }
    if (claims.nbf > now + notBeforeLeewaySeconds) {
      refuse(`it is not valid before ${new Date(claims.nbf * 1000).toISOString()}`);
    }
  }
}

function refuse(reason: string): never {
  throw ApiError.unauthenticated(`invalid service account token: ${reason}`);
}
