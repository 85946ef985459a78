import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, test } from 'node:test';
import { ApiError, Code } from '../../../sdk/errors.js';
import { buildClaims } from './claims.js';
import { decodeJws, keyIdOf, signEs256, verifyEs256 } from './jws.js';
import { ServiceAccountTokenAuthenticator } from './token-authenticator.js';
import { TokenIssuer } from './token-issuer.js';

const issuer = 'https://wheelhouse.local';
const ec = () => generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
const clusterKey = ec();
const keys = new Map<string, KeyObject>([
  [keyIdOf(createPublicKey(clusterKey)), createPublicKey(clusterKey)],
]);
const sa = { namespace: 'default', name: 'robot', uid: 'uid-1' };
const now = new Date('2030-01-01T00:00:00Z');
const nowSeconds = now.getTime() / 1000;

function authenticator(accounts: Record<string, string> = { 'default/robot': 'uid-1' }) {
  return new ServiceAccountTokenAuthenticator({
    issuer,
    audiences: [issuer],
    keys,
    serviceAccounts: async (ns, name) => accounts[`${ns}/${name}`],
    now: () => now,
  });
}

function token(overrides: Record<string, unknown> = {}, key = clusterKey): string {
  const claims = buildClaims({
    issuer,
    audiences: [issuer],
    serviceAccount: sa,
    issuedAt: nowSeconds - 10,
    expiresAt: nowSeconds + 3600,
    jti: 'jti-1',
  });
  return signEs256({ ...claims, ...overrides }, key, keyIdOf(createPublicKey(key)));
}

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
    assert.equal(err.code, Code.UNAUTHENTICATED);
    return err.message;
  }
  assert.fail('the token was accepted');
}

describe('service account tokens: JWS', () => {
  test('ES256 tokens verify with the signing key only, and carry Kubernetes claims', () => {
    const t = token();
    const jws = decodeJws(t);
    assert.ok(jws);
    assert.deepEqual(jws.header, { alg: 'ES256', kid: keyIdOf(createPublicKey(clusterKey)) });
    assert.equal(jws.signature.length, 64, 'raw r||s, not DER');
    assert.equal(jws.payload.sub, 'system:serviceaccount:default:robot');
    assert.deepEqual(jws.payload['kubernetes.io'], {
      namespace: 'default',
      serviceaccount: { name: 'robot', uid: 'uid-1' },
    });
    assert.equal(verifyEs256(jws, keys), true);
    const other = ec();
    assert.equal(verifyEs256(jws, new Map([['x', createPublicKey(other)]])), false);
  });

  test('what is not a compact JWS is not decoded', () => {
    for (const t of [
      'abc',
      'a.b',
      'a.b.c.d',
      '!!.??.**',
      `${Buffer.from('[]').toString('base64url')}.e30.AA`,
    ]) {
      assert.equal(decodeJws(t), undefined, t);
    }
  });
});

describe('service account tokens: authentication', () => {
  test('a valid token is its service account, with the service account groups', async () => {
    const user = await authenticator().authenticate(token());
    assert.deepEqual(user, {
      name: 'system:serviceaccount:default:robot',
      uid: 'uid-1',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': ['JTI=jti-1'] },
    });
  });

  test('tokens that are not ours are left to the other authenticators', async () => {
    assert.equal(await authenticator().authenticate('static-token-from-a-file'), undefined);
    assert.equal(await authenticator().authenticate(token({ iss: 'https://elsewhere' })), undefined);
  });

  test('a forged token is refused: another key, a changed payload, alg none', async () => {
    assert.match(await refusal(authenticator().authenticate(token({}, ec()))), /signature/);
    const [h, , s] = token().split('.');
    const payload = Buffer.from(
      JSON.stringify({ ...decodeJws(token())?.payload, sub: 'system:serviceaccount:kube-system:admin' }),
    ).toString('base64url');
    assert.match(await refusal(authenticator().authenticate(`${h}.${payload}.${s}`)), /signature/);
    const none = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const [, p] = token().split('.');
    assert.match(await refusal(authenticator().authenticate(`${none}.${p}.AA`)), /signature/);
    const tampered = `${token().slice(0, -4)}AAAA`;
    assert.match(await refusal(authenticator().authenticate(tampered)), /signature/);
  });

  test('expired, not yet valid, or for another audience: refused', async () => {
    assert.match(await refusal(authenticator().authenticate(token({ exp: nowSeconds - 1 }))), /expired/);
    assert.match(await refusal(authenticator().authenticate(token({ exp: nowSeconds }))), /expired/);
    assert.match(
      await refusal(authenticator().authenticate(token({ nbf: nowSeconds + 3600 }))),
      /not valid before/,
    );
    assert.match(
      await refusal(authenticator().authenticate(token({ aud: ['https://other.example'] }))),
      /audiences/,
    );
    assert.match(await refusal(authenticator().authenticate(token({ exp: 'soon' }))), /expiry/);
  });

  test('a deleted service account, or one recreated under the same name, ends its tokens', async () => {
    assert.match(await refusal(authenticator({}).authenticate(token())), /no longer exists/);
    assert.match(
      await refusal(authenticator({ 'default/robot': 'uid-2' }).authenticate(token())),
      /deleted and recreated/,
    );
  });

  test('refusals never repeat the token', async () => {
    const t = token({ exp: nowSeconds - 1 });
    const message = await refusal(authenticator().authenticate(t));
    assert.ok(!message.includes(t) && !message.includes(t.split('.')[2] ?? '-'));
  });
});

describe('service account tokens: issuing', () => {
  test('issued tokens authenticate; lifetimes default to 1 h and stay within [10 min, 48 h]', async () => {
    const tokens = new TokenIssuer({ issuer, signingKey: clusterKey, apiAudiences: [issuer] });
    const issued = tokens.issue(sa, { now });
    assert.equal(issued.expirationTimestamp.getTime() - now.getTime(), 3600_000);
    const user = await authenticator().authenticate(issued.token);
    assert.equal(user?.name, 'system:serviceaccount:default:robot');
    assert.equal(TokenIssuer.lifetimeOf(60), 600);
    assert.equal(TokenIssuer.lifetimeOf(7 * 24 * 3600), 48 * 3600);
    assert.equal(TokenIssuer.lifetimeOf(7200), 7200);
    const forOthers = tokens.issue(sa, { now, audiences: ['vault'] });
    assert.match(await refusal(authenticator().authenticate(forOthers.token)), /audiences/);
  });
});
