/**
 * The audit log of a real apiserver at the Request level, with every process
 * logging at debug: one record per call (refused ones too) naming the user, the
 * verb and the object, and — in those records and in everything the store and the
 * apiserver print — no Secret value and no token, in any encoding.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import type { TokenRequest } from '../../sdk/gen/wheelhouse/core/v1/token_request.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { watch } from '../../test/watch.js';
import { grantPodReader } from '../auth/service-account/testing.js';

interface AuditRecord {
  method: string;
  user: string;
  groups: string[];
  verb: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  code: number;
  status: string;
  latencyMs: number;
  time: string;
  requestObject?: Record<string, unknown>;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'OK';
  } catch (err) {
    if (err instanceof ApiError) return Code[err.code] ?? String(err.code);
    throw err;
  }
}

describe('audit log and log hygiene', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-audit-'));
  const auditPath = join(dir, 'audit.log');
  // Values that must never be printed: random, so that no other text matches them by chance.
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const apiKey = `key-${randomBytes(12).toString('hex')}`;
  const updated = `new-${randomBytes(12).toString('hex')}`;
  const tokens: string[] = [];
  let cluster: Cluster;
  let records: AuditRecord[] = [];
  let output = '';

  before(async () => {
    cluster = await startCluster({
      apiserverArgs: ['--audit-log-path', auditPath, '--audit-policy-level', 'Request'],
      logLevel: 'debug',
      captureOutput: true,
    });
    try {
      const secrets = cluster.client('secrets');
      const secret = {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'db', namespace: 'default' },
        type: 'Opaque',
        data: { password: Buffer.from(password) },
        stringData: { apiKey },
      };
      const { secret: created } = await call<{ secret: Secret }>(secrets, 'createSecret', { secret });
      await call(secrets, 'getSecret', { namespace: 'default', name: 'db' });
      await call(secrets, 'listSecrets', { namespace: 'default' });
      await call(secrets, 'updateSecret', {
        secret: { ...created, data: { ...created.data, password: Buffer.from(updated) } },
      });
      const reader = watch<Secret>(secrets, 'watchSecrets', {
        namespace: 'default',
        options: { sendInitialEvents: true, resourceVersion: '' },
      });
      await reader.until((events) => events.length > 0).catch(() => undefined);
      reader.cancel();

      const accounts = cluster.client('serviceaccounts');
      await call(accounts, 'createServiceAccount', {
        serviceAccount: {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'robot', namespace: 'default' },
        },
      });
      const { tokenRequest } = await call<{ tokenRequest: TokenRequest }>(
        accounts,
        'createServiceAccountToken',
        {
          namespace: 'default',
          name: 'robot',
          tokenRequest: { spec: {} },
        },
      );
      const token = tokenRequest.status?.token ?? '';
      tokens.push(token);
      const asRobot = cluster.client('pods', {
        server: cluster.apiserver,
        certificateAuthority: cluster.pki.caFile,
        token,
      });
      await grantPodReader(
        cluster,
        'default',
        [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }],
        () => call(asRobot, 'listPods', { namespace: 'default' }),
      );
      // A forged one: the real token's claims under a signature of zeros.
      const forged = `${token.split('.').slice(0, 2).join('.')}.${Buffer.alloc(64).toString('base64url')}`;
      tokens.push(forged);
      const asForger = cluster.client('pods', {
        server: cluster.apiserver,
        certificateAuthority: cluster.pki.caFile,
        token: forged,
      });
      assert.equal(await codeOf(call(asForger, 'listPods', { namespace: 'kube-system' })), 'UNAUTHENTICATED');
      const nobody = cluster.client('pods', {
        server: cluster.apiserver,
        certificateAuthority: cluster.pki.caFile,
      });
      assert.equal(
        await codeOf(call(nobody, 'getPod', { namespace: 'default', name: 'x' })),
        'UNAUTHENTICATED',
      );
    } finally {
      // Stopping flushes the audit log: everything must be there afterwards.
      await cluster.stop();
    }
    output = cluster.output();
    records = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as AuditRecord);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const find = (method: string, user?: string) =>
    records.find((r) => r.method.endsWith(`/${method}`) && (user === undefined || r.user === user));

  test('every call has a record: user, groups, verb, resource, namespace, name, status, latency', () => {
    const create = find('CreateSecret');
    assert.ok(create, 'the create is recorded');
    assert.equal(create.user, 'admin');
    assert.ok(create.groups.includes('system:masters') && create.groups.includes('system:authenticated'));
    assert.deepEqual(
      [create.verb, create.resource, create.namespace, create.name, create.status, create.code],
      ['create', 'secrets', 'default', 'db', 'OK', 0],
    );
    assert.ok(create.latencyMs >= 0 && !Number.isNaN(Date.parse(create.time)));
    for (const [method, verb] of [
      ['GetSecret', 'get'],
      ['ListSecrets', 'list'],
      ['UpdateSecret', 'update'],
      ['WatchSecrets', 'watch'],
    ] as const) {
      assert.equal(find(method)?.verb, verb, method);
    }
    const token = find('CreateServiceAccountToken');
    assert.deepEqual([token?.verb, token?.subresource, token?.name], ['create', 'token', 'robot']);
  });

  test('a service account is recorded by its user name and groups', () => {
    const list = find('ListPods', 'system:serviceaccount:default:robot');
    assert.ok(list, JSON.stringify(records.map((r) => [r.method, r.user])));
    assert.deepEqual(list.groups, [
      'system:serviceaccounts',
      'system:serviceaccounts:default',
      'system:authenticated',
    ]);
    assert.equal(list.status, 'OK');
  });

  test('calls refused at authentication are recorded, with what they asked for', () => {
    const refused = records.filter((r) => r.status === 'UNAUTHENTICATED');
    assert.deepEqual(
      refused.map((r) => [r.user, r.verb, r.resource]),
      [
        ['', 'list', 'pods'],
        ['', 'get', 'pods'],
      ],
    );
  });

  test('Request level: the request objects are there, without Secret data', () => {
    const create = find('CreateSecret');
    const secret = create?.requestObject?.secret as Record<string, unknown> | undefined;
    assert.deepEqual(secret?.data, { password: '[redacted]' });
    assert.deepEqual(secret?.stringData, { apiKey: '[redacted]' });
    assert.deepEqual((secret?.metadata as Record<string, unknown> | undefined)?.name, 'db');
  });

  test('no Secret value and no token in the audit log or in any process output', () => {
    const audit = readFileSync(auditPath, 'utf8');
    assert.ok(output.includes('"level":20'), 'the processes did log at debug');
    const forbidden = [password, apiKey, updated].flatMap((v) => [
      v,
      Buffer.from(v).toString('base64'),
      Buffer.from(v).toString('base64url'),
      Buffer.from(v).toString('hex'),
    ]);
    for (const token of tokens) forbidden.push(token, token.split('.')[2] ?? token);
    for (const value of forbidden) {
      assert.ok(
        !audit.includes(value),
        `the audit log holds a secret value or token (${value.slice(0, 6)}…)`,
      );
      assert.ok(!output.includes(value), `a process printed a secret value or token (${value.slice(0, 6)}…)`);
    }
  });
});
