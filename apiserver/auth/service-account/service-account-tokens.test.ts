/**
 * Service account tokens through the real store and apiserver processes: issued by
 * CreateServiceAccountToken (and `whctl create token`), accepted on unary calls and
 * watches, refused with UNAUTHENTICATED when forged, expired, for another audience,
 * or of a ServiceAccount that was deleted (or deleted and recreated).
 */
import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import { runWhctl } from '../../../cli/whctl/main.js';
import { testIo } from '../../../cli/whctl/test-io.js';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import type { TokenRequest } from '../../../sdk/gen/wheelhouse/core/v1/token_request.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { watch } from '../../../test/watch.js';
import { buildClaims } from './claims.js';
import { decodeJws, signEs256 } from './jws.js';
import { grantPodReader } from './testing.js';

const issuer = 'https://wheelhouse.local';

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof ApiError) return Code[err.code] ?? String(err.code);
    throw err;
  }
}

describe('service account tokens against the apiserver', () => {
  let cluster: Cluster;
  let clusterKey: KeyObject;
  before(async () => {
    cluster = await startCluster();
    clusterKey = createPrivateKey(readFileSync(cluster.pki.serviceAccount.privateKeyFile));
    // RBAC is on: every ServiceAccount of the namespace may read its pods, through its group.
    await createAccount('prober');
    const probe = (await requestToken('prober')).status?.token ?? '';
    await grantPodReader(
      cluster,
      'default',
      [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:default' }],
      () => call(asToken('pods', probe), 'listPods', { namespace: 'default' }),
    );
  });
  after(() => cluster.stop());

  const accounts = () => cluster.client('serviceaccounts');
  const asToken = (resource: string, token: string): Client =>
    cluster.client(resource, { server: cluster.apiserver, certificateAuthority: cluster.pki.caFile, token });

  async function createAccount(name: string): Promise<ServiceAccount> {
    const { serviceAccount } = await call<{ serviceAccount: ServiceAccount }>(
      accounts(),
      'createServiceAccount',
      {
        serviceAccount: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name, namespace: 'default' },
        },
      },
    );
    return serviceAccount;
  }

  async function requestToken(name: string, spec: Record<string, unknown> = {}): Promise<TokenRequest> {
    const { tokenRequest } = await call<{ tokenRequest: TokenRequest }>(
      accounts(),
      'createServiceAccountToken',
      {
        namespace: 'default',
        name,
        tokenRequest: { spec },
      },
    );
    return tokenRequest;
  }

  /** A unary call and a watch with the token: both OK, or both refused with the same code. */
  async function useToken(token: string): Promise<{ unary: string; watch: string }> {
    const unary = await codeOf(call(asToken('pods', token), 'listPods', { namespace: 'default' }));
    const reader = watch(asToken('pods', token), 'watchPods', { namespace: 'default' });
    // An accepted watch answers with its headers once registered; a refused one ends with
    // its error instead. Neither is told by how long the watch stays open.
    const watched = await reader.started().then(
      () => 'OK',
      (err: unknown) => (reader.error ? (Code[reader.error.code] ?? String(reader.error.code)) : String(err)),
    );
    reader.cancel();
    return { unary, watch: watched };
  }

  function forge(overrides: Record<string, unknown>, sa: ServiceAccount, key = clusterKey): string {
    const now = Math.floor(Date.now() / 1000);
    const claims = buildClaims({
      issuer,
      audiences: [issuer],
      serviceAccount: { namespace: 'default', name: sa.metadata?.name ?? '', uid: sa.metadata?.uid ?? '' },
      issuedAt: now - 60,
      expiresAt: now + 3600,
      jti: 'forged',
    });
    return signEs256({ ...claims, ...overrides }, key);
  }

  test('an issued token is its ServiceAccount: Kubernetes claims, 1 h by default, works on calls and watches', async () => {
    const sa = await createAccount('robot');
    const issued = await requestToken('robot');
    const token = issued.status?.token ?? '';
    const claims = decodeJws(token)?.payload;
    assert.equal(claims?.iss, issuer);
    assert.equal(claims?.sub, 'system:serviceaccount:default:robot');
    assert.deepEqual(claims?.aud, [issuer]);
    assert.deepEqual(claims?.['kubernetes.io'], {
      namespace: 'default',
      serviceaccount: { name: 'robot', uid: sa.metadata?.uid },
    });
    const lifetime = ((issued.status?.expirationTimestamp?.getTime() ?? 0) - Date.now()) / 1000;
    assert.ok(lifetime > 3590 && lifetime <= 3600, `lifetime ${lifetime}`);
    assert.equal(Number(claims?.exp) - Number(claims?.iat), 3600);
    assert.deepEqual(await useToken(token), { unary: 'OK', watch: 'OK' });
    // Authenticated, but only as what RBAC grants the account.
    await assert.rejects(call(asToken('secrets', token), 'listSecrets', { namespace: 'default' }), (err) => {
      assert.ok(err instanceof ApiError && err.code === Code.PERMISSION_DENIED);
      assert.match(err.message, /User "system:serviceaccount:default:robot" cannot list resource "secrets"/);
      return true;
    });
  });

  test('lifetimes: at least 10 minutes, shortened to 48 hours; unknown accounts get none', async () => {
    await createAccount('timed');
    const two = await requestToken('timed', { expirationSeconds: '7200' });
    assert.equal(two.spec?.expirationSeconds, '7200');
    const week = await requestToken('timed', { expirationSeconds: String(7 * 24 * 3600) });
    assert.equal(week.spec?.expirationSeconds, String(48 * 3600));
    assert.equal(await codeOf(requestToken('timed', { expirationSeconds: '60' })), 'INVALID_ARGUMENT');
    assert.equal(await codeOf(requestToken('nobody')), 'NOT_FOUND');
  });

  test('forged tokens are refused on unary calls and watches', async () => {
    const sa = await createAccount('forgery');
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    const expected = { unary: 'UNAUTHENTICATED', watch: 'UNAUTHENTICATED' };
    assert.deepEqual(await useToken(forge({}, sa, otherKey)), expected, 'signed by another key');
    const genuine = (await requestToken('forgery')).status?.token ?? '';
    const [h, p, s] = genuine.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...payload, exp: Number(payload.exp) + 86400 * 365 }));
    assert.deepEqual(
      await useToken(`${h}.${widened.toString('base64url')}.${s}`),
      expected,
      'payload changed',
    );
    assert.deepEqual(
      await useToken(`${h}.${p}.${Buffer.alloc(64).toString('base64url')}`),
      expected,
      'bad signature',
    );
    assert.deepEqual(await useToken('not-a-token'), expected, 'garbage');
  });

  test('expired tokens and tokens for another audience are refused', async () => {
    const sa = await createAccount('stale');
    const now = Math.floor(Date.now() / 1000);
    const expected = { unary: 'UNAUTHENTICATED', watch: 'UNAUTHENTICATED' };
    assert.deepEqual(await useToken(forge({ exp: now - 5, iat: now - 3605, nbf: now - 3605 }, sa)), expected);
    // The cluster's own key, the right account, a valid time: only the audience is wrong.
    assert.deepEqual(await useToken(forge({}, sa)), { unary: 'OK', watch: 'OK' });
    const vault = (await requestToken('stale', { audiences: ['vault'] })).status?.token ?? '';
    assert.deepEqual(decodeJws(vault)?.payload.aud, ['vault']);
    assert.deepEqual(await useToken(vault), expected);
  });

  test('deleting a ServiceAccount ends its tokens; recreating it does not bring them back', async () => {
    await createAccount('ephemeral');
    const token = (await requestToken('ephemeral')).status?.token ?? '';
    assert.deepEqual(await useToken(token), { unary: 'OK', watch: 'OK' });
    await call(accounts(), 'deleteServiceAccount', { namespace: 'default', name: 'ephemeral' });
    const deadline = Date.now() + 20_000;
    const listPods = () => codeOf(call(asToken('pods', token), 'listPods', { namespace: 'default' }));
    while ((await listPods()) === 'OK' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(await useToken(token), { unary: 'UNAUTHENTICATED', watch: 'UNAUTHENTICATED' });
    await createAccount('ephemeral');
    assert.equal((await useToken(token)).unary, 'UNAUTHENTICATED', 'a new uid, the old token stays dead');
    const fresh = (await requestToken('ephemeral')).status?.token ?? '';
    assert.equal((await useToken(fresh)).unary, 'OK');
  });

  test('whctl create token prints a working token', async () => {
    await createAccount('cli-robot');
    const config = join(cluster.dir, 'whctl.yaml');
    writeClientConfig(config, { ...cluster.admin, server: cluster.apiserver, serverName: 'localhost' });
    const io = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    const code = await runWhctl(['create', 'token', 'cli-robot', '-n', 'default', '--duration', '2h'], io);
    assert.equal(code, 0, io.err());
    const token = io.out().trim();
    const claims = decodeJws(token)?.payload;
    assert.equal(claims?.sub, 'system:serviceaccount:default:cli-robot');
    assert.equal(Number(claims?.exp) - Number(claims?.iat), 7200);
    assert.equal((await useToken(token)).unary, 'OK');

    const missing = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    assert.equal(await runWhctl(['create', 'token', 'ghost'], missing), 1);
    assert.match(missing.err(), /not found/i);
    const bad = testIo({ cwd: cluster.dir, env: { WHEELHOUSE_CONFIG: config } });
    assert.equal(await runWhctl(['create', 'token', 'cli-robot', '--duration', 'soon'], bad), 1);
    assert.match(bad.err(), /invalid --duration/);
  });
});
