/**
 * The claims of a service account token, laid out as Kubernetes lays them out, so
 * that tools which read Kubernetes tokens read ours:
 *
 *   { iss, sub: "system:serviceaccount:<ns>:<name>", aud: [...], exp, iat, nbf, jti,
 *     "kubernetes.io": { namespace, serviceaccount: { name, uid } } }
 */
import type { UserInfo } from '../types.js';

export const serviceAccountUserPrefix = 'system:serviceaccount:';
export const serviceAccountsGroup = 'system:serviceaccounts';

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface ServiceAccountClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  /** Seconds since the epoch, as JWT has them. */
  readonly exp: number;
  readonly iat: number;
  readonly nbf: number;
  /** A unique id per token: audit logs name the credential by it, never by the token. */
  readonly jti: string;
  readonly 'kubernetes.io': {
    readonly namespace: string;
    readonly serviceaccount: { readonly name: string; readonly uid: string };
  };
}

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${serviceAccountUserPrefix}${namespace}:${name}`;
}

/** The user a service account authenticates as, with the groups Kubernetes gives it. */
export function serviceAccountUser(sa: ServiceAccountRef, jti: string): UserInfo {
  return {
    name: serviceAccountUsername(sa.namespace, sa.name),
    uid: sa.uid,
    groups: [serviceAccountsGroup, `${serviceAccountsGroup}:${sa.namespace}`, 'system:authenticated'],
    extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
  };
}

export function buildClaims(opts: {
  issuer: string;
  audiences: readonly string[];
  serviceAccount: ServiceAccountRef;
  issuedAt: number;
  expiresAt: number;
  jti: string;
}): ServiceAccountClaims {
  const { namespace, name, uid } = opts.serviceAccount;
  return {
    iss: opts.issuer,
    sub: serviceAccountUsername(namespace, name),
    aud: [...opts.audiences],
    exp: opts.expiresAt,
    iat: opts.issuedAt,
    nbf: opts.issuedAt,
    jti: opts.jti,
    'kubernetes.io': { namespace, serviceaccount: { name, uid } },
  };
}

/**
 * Reads the claims of a verified payload; throws a message (without any part of the
 * token) when a claim is missing or malformed.
 */
export function parseClaims(payload: Record<string, unknown>): ServiceAccountClaims {
  const str = (v: unknown, what: string): string => {
    if (typeof v !== 'string' || v === '') throw new Error(`the token has no ${what}`);
    return v;
  };
  const num = (v: unknown, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`the token has no ${what}`);
    return v;
  };
  const k8s = payload['kubernetes.io'] as Record<string, unknown> | undefined;
  const sa = k8s?.serviceaccount as Record<string, unknown> | undefined;
  if (typeof k8s !== 'object' || k8s === null || typeof sa !== 'object' || sa === null) {
    throw new Error('the token names no service account (kubernetes.io claim)');
  }
  const aud = typeof payload.aud === 'string' ? [payload.aud] : payload.aud;
  if (!Array.isArray(aud) || !aud.every((a): a is string => typeof a === 'string')) {
    throw new Error('the token has no audience');
  }
  const claims: ServiceAccountClaims = {
    iss: str(payload.iss, 'issuer'),
    sub: str(payload.sub, 'subject'),
    aud,
    exp: num(payload.exp, 'expiry (exp)'),
    iat: typeof payload.iat === 'number' ? payload.iat : 0,
    nbf: typeof payload.nbf === 'number' ? payload.nbf : 0,
    jti: typeof payload.jti === 'string' ? payload.jti : '',
    'kubernetes.io': {
      namespace: str(k8s.namespace, 'namespace'),
      serviceaccount: { name: str(sa.name, 'service account name'), uid: str(sa.uid, 'service account uid') },
    },
  };
  const { namespace, serviceaccount } = claims['kubernetes.io'];
  if (claims.sub !== serviceAccountUsername(namespace, serviceaccount.name)) {
    throw new Error('the token subject does not match its service account');
  }
  return claims;
}
