/**
 * Errors reach the client, and say what is wrong, through real processes: oversized input
 * is refused naming the field and its limit (the trailers stay small enough for any
 * client, and the connection keeps working), logs never repeat it in full, names the
 * store cannot key are invalid names, a Pod in a missing namespace is refused for the Pod,
 * and client certificates that are not accepted are told why.
 */
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@grpc/grpc-js';
import type { ClientConfig } from '../sdk/client-config.js';
import { ApiError, Code } from '../sdk/errors.js';
import type { TokenRequest } from '../sdk/gen/wheelhouse/core/v1/token_request.js';
import { createCertificate, derToPem } from '../sdk/pki/certificate.js';
import { type Ca, ensureCa } from '../sdk/pki/index.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';

/**
 * The call's error, which must arrive promptly: well within a second on a quiet machine;
 * the bounds catch a call left hanging, loose enough for a loaded host.
 */
async function refusal(p: Promise<unknown>, code: Code): Promise<ApiError> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const err = await Promise.race([
    p.then(
      () => assert.fail('expected the call to fail'),
      (e: unknown) => e,
    ),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('no answer within 20 s')), 20_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const ms = Date.now() - started;
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(Code[err.code], Code[code], err.message);
  assert.ok(ms < 10_000, `answered after ${ms} ms`);
  return err;
}

/** The connection still carries calls: the next error on it arrives too. */
async function stillWorks(pods: Client): Promise<void> {
  const err = await refusal(call(pods, 'getPod', { namespace: 'default', name: 'nope' }), Code.NOT_FOUND);
  assert.equal(err.message, 'pods "nope" not found');
}

describe('apiserver: errors reach the client and point the right way', () => {
  let cluster: Cluster;
  let pods: Client;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);

  before(async () => {
    process.on('warning', onWarning);
    cluster = await startCluster({ captureOutput: true, logLevel: 'info' });
    pods = cluster.client('pods');
    await stillWorks(pods);
  });
  after(async () => {
    process.off('warning', onWarning);
    await cluster.stop();
  });

  test('a 40,000-character name on GetPod: INVALID_ARGUMENT naming the field and its limit', async () => {
    const name = 'a'.repeat(40_000);
    const err = await refusal(call(pods, 'getPod', { namespace: 'default', name }), Code.INVALID_ARGUMENT);
    const shown = `"${'a'.repeat(128)}..."(truncated)`;
    assert.equal(
      err.message,
      `Pod ${shown} is invalid: metadata.name: Invalid value: ${shown}: must be no more than 253 characters`,
    );
    assert.deepEqual(
      err.causes.map((c) => c.field),
      ['metadata.name'],
    );
    await stillWorks(pods);
    // The same on delete, and on create, where the kind's validation reports it.
    await refusal(call(pods, 'deletePod', { namespace: 'default', name }), Code.INVALID_ARGUMENT);
    const created = await refusal(call(pods, 'createPod', { pod: pod(name) }), Code.INVALID_ARGUMENT);
    assert.match(
      created.message,
      /metadata\.name: Invalid value: "a{128}\.\.\."\(truncated\): must be no more/,
    );
    await stillWorks(pods);
  });

  test('a 32 KiB label value on create: INVALID_ARGUMENT naming the label and its limit', async () => {
    const err = await refusal(
      call(pods, 'createPod', { pod: pod('big-label', { labels: { app: 'v'.repeat(32 * 1024) } }) }),
      Code.INVALID_ARGUMENT,
    );
    assert.equal(
      err.message,
      `Pod "big-label" is invalid: metadata.labels[app]: Invalid value: "${'v'.repeat(128)}..."(truncated): must be no more than 63 characters`,
    );
    assert.equal(err.causes[0]?.field, 'metadata.labels[app]');
    await stillWorks(pods);
  });

  test('a 1 MiB label selector key on List: INVALID_ARGUMENT naming the key and its limit', async () => {
    const key = 'k'.repeat(1 << 20);
    const err = await refusal(
      call(pods, 'listPods', { namespace: 'default', options: { labelSelector: `${key}=x` } }),
      Code.INVALID_ARGUMENT,
    );
    const shown = `"${'k'.repeat(128)}..."(truncated)`;
    assert.ok(
      err.message.startsWith(`invalid label selector ${shown}: at position 0: key ${shown}`),
      err.message,
    );
    assert.match(err.message, /name part must be no more than 63 characters/);
    await stillWorks(pods);
    // A field selector of the same size.
    await refusal(
      call(pods, 'listPods', { namespace: 'default', options: { fieldSelector: `${key}=x` } }),
      Code.INVALID_ARGUMENT,
    );
    await stillWorks(pods);
  });

  test('thousands of invalid fields: the first causes, then how many more', async () => {
    const labels: Record<string, string> = {};
    for (let i = 0; i < 2000; i++) labels[`bad key ${i}`] = 'x';
    const err = await refusal(
      call(pods, 'createPod', { pod: pod('many', { labels }) }),
      Code.INVALID_ARGUMENT,
    );
    assert.ok(err.causes.length > 1 && err.causes.length <= 17, `${err.causes.length} causes`);
    const last = err.causes.at(-1);
    assert.equal(last?.message, `and ${2000 - (err.causes.length - 1)} more errors`);
    assert.ok(Buffer.byteLength(err.message) <= 1024);
    await stillWorks(pods);
  });

  test('names the store cannot key are invalid names, never shown as store keys', async () => {
    const roles = cluster.client('clusterroles');
    for (const name of ['a b', 'é', 'r'.repeat(4000)]) {
      const created = await refusal(
        call(roles, 'createClusterRole', { clusterRole: { metadata: { name } } }),
        Code.INVALID_ARGUMENT,
      );
      const fetched = await refusal(call(roles, 'getClusterRole', { name }), Code.INVALID_ARGUMENT);
      const deleted = await refusal(call(roles, 'deleteClusterRole', { name }), Code.INVALID_ARGUMENT);
      for (const err of [created, fetched, deleted]) {
        assert.ok(!err.message.includes('/registry/'), err.message);
        assert.match(err.message, /metadata\.name: Invalid value: /);
        assert.equal(err.causes[0]?.field, 'metadata.name');
      }
    }
    for (const method of ['getPod', 'deletePod']) {
      const err = await refusal(
        call(pods, method, { namespace: 'default', name: 'a/b' }),
        Code.INVALID_ARGUMENT,
      );
      assert.match(err.message, /^Pod "a\/b" is invalid: metadata\.name: Invalid value: "a\/b": /);
    }
    const badNamespace = await refusal(
      call(pods, 'getPod', { namespace: 'x y', name: 'web' }),
      Code.INVALID_ARGUMENT,
    );
    assert.match(
      badNamespace.message,
      /metadata\.namespace: Invalid value: "x y": a lowercase RFC 1123 label/,
    );
    const listed = await refusal(
      call(pods, 'listPods', { namespace: 'x y', options: { limit: '5' } }),
      Code.INVALID_ARGUMENT,
    );
    assert.match(listed.message, /^pods in the namespace "x y": metadata\.namespace: Invalid value: "x y"/);
  });

  test('a Pod in a missing namespace is refused for the Pod, not for its service account', async () => {
    const err = await refusal(
      call(pods, 'createPod', { pod: pod('web', { namespace: 'nope' }) }),
      Code.NOT_FOUND,
    );
    assert.equal(err.message, 'namespaces "nope" not found: create the namespace before creating pods in it');
    assert.ok(!err.message.includes('serviceaccounts'));
  });

  describe('client certificates that are not accepted are told why', () => {
    const day = 86_400_000;
    let clusterCa: Ca;
    let foreignCa: Ca;
    let n = 0;
    before(() => {
      clusterCa = ensureCa(join(cluster.dir, 'pki'), 'ca');
      foreignCa = ensureCa(cluster.dir, 'foreign-ca');
    });

    /** A client config presenting a certificate for alice (system:masters) from `ca`, valid as given. */
    function presenting(ca: Ca, notBefore: number, notAfter: number, token?: string): ClientConfig {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = createCertificate(
        {
          subject: { commonName: 'alice', organizations: ['system:masters'] },
          publicKey: createPublicKey(privateKey),
          notBefore: new Date(notBefore),
          notAfter: new Date(notAfter),
          usage: 'client',
        },
        ca,
      );
      const base = join(cluster.dir, `client-${n++}`);
      writeFileSync(`${base}.crt`, derToPem(der));
      writeFileSync(`${base}.key`, privateKey.export({ type: 'pkcs8', format: 'pem' }));
      return {
        ...cluster.admin,
        server: cluster.apiserver,
        clientCertificate: `${base}.crt`,
        clientKey: `${base}.key`,
        ...(token ? { token } : {}),
      };
    }

    const list = (config: ClientConfig) =>
      call(cluster.client('pods', config), 'listPods', { namespace: 'default' });

    test('signed by another CA', async () => {
      const now = Date.now();
      const err = await refusal(list(presenting(foreignCa, now - day, now + day)), Code.UNAUTHENTICATED);
      assert.match(
        err.message,
        /^the client certificate is signed by an unknown authority \(issuer "CN=foreign-ca"\)/,
      );
    });

    test('expired', async () => {
      const now = Date.now();
      const err = await refusal(list(presenting(clusterCa, now - 3 * day, now - day)), Code.UNAUTHENTICATED);
      assert.match(err.message, /^the client certificate has expired \(notAfter \S+Z, now \S+Z\)$/);
    });

    test('not yet valid', async () => {
      const now = Date.now();
      const err = await refusal(list(presenting(clusterCa, now + day, now + 3 * day)), Code.UNAUTHENTICATED);
      assert.match(err.message, /^the client certificate is not yet valid \(notBefore \S+Z, now \S+Z\)$/);
    });

    test('a valid certificate from the cluster CA still authenticates', async () => {
      const now = Date.now();
      const res = await list(presenting(clusterCa, now - day, now + day));
      assert.ok(res);
    });

    test('a refused certificate beside a valid bearer token: the token authenticates, the certificate does not', async () => {
      // No controller manager runs here to make the namespace's `default` ServiceAccount.
      await call(cluster.client('serviceaccounts'), 'createServiceAccount', {
        serviceAccount: { metadata: { name: 'default', namespace: 'default' } },
      }).catch((err: unknown) => {
        if (!(err instanceof ApiError && err.code === Code.ALREADY_EXISTS)) throw err;
      });
      const { tokenRequest } = await call<{ tokenRequest: TokenRequest }>(
        cluster.client('serviceaccounts'),
        'createServiceAccountToken',
        { namespace: 'default', name: 'default', tokenRequest: { spec: {} } },
      );
      const token = tokenRequest.status?.token ?? '';
      assert.notEqual(token, '');
      const now = Date.now();
      // Authenticated as the service account, which may not list pods: not system:masters.
      const err = await refusal(
        list(presenting(foreignCa, now - day, now + day, token)),
        Code.PERMISSION_DENIED,
      );
      assert.match(err.message, /User "system:serviceaccount:default:default" cannot list/);
    });
  });

  test('logs never repeat a rejected value in full', () => {
    const lines = cluster.output().split('\n');
    const longest = Math.max(...lines.map((l) => l.length));
    assert.ok(longest < 16 * 1024, `a log line of ${longest} characters`);
    assert.ok(!lines.some((l) => l.includes('k'.repeat(4096))), 'the 1 MiB key is not logged');
    assert.ok(
      lines.some((l) => l.includes('"code":"INVALID_ARGUMENT"')),
      'refused calls are logged',
    );
  });

  test('starting prints neither the MaxListeners nor the TLS ServerName warning', () => {
    const output = cluster.output();
    assert.ok(!/MaxListenersExceededWarning/.test(output), output.slice(0, 2000));
    assert.ok(!/ServerName to an IP address|DEP0123/.test(output), output.slice(0, 2000));
    // Nor does this process, which dialled the apiserver by its address.
    assert.deepEqual(
      warnings.filter((w) => /MaxListeners|ServerName|DEP0123/.test(w)),
      [],
    );
  });
});
