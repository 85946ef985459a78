/**
 * Compact JWS with ES256 (RFC 7515, RFC 7518 §3.4), on node:crypto alone: the three
 * base64url parts `header.payload.signature`, the signature being the raw 64-byte
 * r‖s pair (IEEE P1363), not DER. Only ES256 is accepted on verification, whatever
 * the header says, so `alg: none` and algorithm-confusion tokens never verify.
 */
import { createHash, type KeyObject, sign, verify } from 'node:crypto';

export interface JwsHeader {
  readonly alg: 'ES256';
  readonly typ?: string;
  /** Which verification key to try first; verification does not trust it beyond that. */
  readonly kid?: string;
}

/** A token split into its parts, its signature checked by `verifyEs256`. */
export interface DecodedJws {
  readonly header: Record<string, unknown>;
  readonly payload: Record<string, unknown>;
  readonly signingInput: string;
  readonly signature: Buffer;
}

/** The key id Kubernetes gives a key: base64url(SHA-256(SPKI DER)). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64url');
}

/** Signs `payload` with an ECDSA P-256 private key. */
export function signEs256(payload: object, privateKey: KeyObject, kid?: string): string {
  const header: JwsHeader = { alg: 'ES256', ...(kid ? { kid } : {}) };
  const input = `${part(header)}.${part(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

/** Splits and parses a compact JWS; undefined when `token` is not one (so another authenticator may own it). */
export function decodeJws(token: string): DecodedJws | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  const [h, p, s] = parts as [string, string, string];
  if (!isBase64Url(h) || !isBase64Url(p) || !isBase64Url(s)) return undefined;
  const header = parseJson(h);
  const payload = parseJson(p);
  if (header === undefined || payload === undefined) return undefined;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

/** Whether one of `keys` signed the token with ES256 (the `kid` one first). */
export function verifyEs256(jws: DecodedJws, keys: ReadonlyMap<string, KeyObject>): boolean {
  if (jws.header.alg !== 'ES256' || jws.signature.length !== 64) return false;
  const kid = typeof jws.header.kid === 'string' ? jws.header.kid : undefined;
  const first = kid === undefined ? undefined : keys.get(kid);
  const ordered = first ? [first, ...[...keys.values()].filter((k) => k !== first)] : [...keys.values()];
  const input = Buffer.from(jws.signingInput);
  return ordered.some((key) => verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, jws.signature));
}

function part(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function isBase64Url(text: string): boolean {
  return text.length > 0 && /^[A-Za-z0-9_-]+$/.test(text);
}

function parseJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
