/**
 * The audit log records REST calls as it records gRPC calls: one line per request when
 * its answer ends, naming the user, the verb, the object and the HTTP code — refused
 * and unauthenticated requests too — with Secret values kept out at the Request level.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { type HttpOptions, httpRequest } from '../../test/rest-clients/https.js';

interface RestAuditRecord {
  method: string;
  requestURI: string;
  userAgent: string;
  user: string;
  groups: string[];
  sourceIP: string;
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  nonResourceURL?: string;
  responseCode: number;
  decision?: string;
  latencyMs: number;
  requestObject?: unknown;
}

describe('audit log of the REST API', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-audit-rest-'));
  const auditPath = join(dir, 'audit.log');
  const password = `pw-${randomBytes(12).toString('hex')}`;
  let cluster: Cluster;
  let records: RestAuditRecord[] = [];

  before(async () => {
    cluster = await startCluster({
      rest: true,
      apiserverArgs: ['--audit-log-path', auditPath, '--audit-policy-level', 'Request'],
    });
    const req = (path: string, opts: HttpOptions = {}) =>
      httpRequest(cluster.rest, cluster.pki.caFile, path, {
        ...opts,
        headers: { 'user-agent': 'audit-test/1.0', ...opts.headers },
        admin: cluster.pki.admin,
      });
    try {
      const created = await req('/api/v1/namespaces/default/secrets', {
        method: 'POST',
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'db' },
          stringData: { password },
        },
      });
      assert.equal(created.status, 201, created.text);
      assert.equal((await req('/api/v1/namespaces/default/secrets/db')).status, 200);
      assert.equal((await req('/api/v1/namespaces/default/pods/missing')).status, 404);
      assert.equal((await req('/api/v1/namespaces/default/configmaps?limit=5')).status, 200);
      assert.equal((await req('/version')).status, 200);
      assert.equal((await req('/healthz')).status, 200);
      // A node may not list Secrets (403); a bad token is a 401.
      const node = cluster.pki.kubelets['node-1']?.client;
      assert.ok(node, 'the cluster has no kubelet certificate');
      assert.equal((await req('/api/v1/namespaces/default/secrets', { cert: node })).status, 403);
      assert.equal(
        (
          await req('/api/v1/namespaces/default/pods', {
            cert: null,
            headers: { authorization: 'Bearer not-a-token' },
          })
        ).status,
        401,
      );
    } finally {
      // Stopping flushes the audit log.
      await cluster.stop();
    }
    records = readFileSync(auditPath, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RestAuditRecord)
      .filter((r) => 'requestURI' in r);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const find = (method: string, uri: string) => {
    const found = records.filter((r) => r.method === method && r.requestURI === uri);
    assert.ok(found.length > 0, `no record of ${method} ${uri} in ${JSON.stringify(records, null, 1)}`);
    return found;
  };

  test('a create, a get, a miss and a list, each with the user, the verb, the object and the HTTP code', () => {
    const [create] = find('POST', '/api/v1/namespaces/default/secrets');
    assert.equal(create?.user, 'admin');
    assert.ok(create?.groups.includes('system:masters'));
    assert.equal(create?.verb, 'create');
    assert.equal(create?.resource, 'secrets');
    assert.equal(create?.namespace, 'default');
    assert.equal(create?.responseCode, 201);
    assert.equal(create?.decision, 'allow');
    assert.equal(create?.userAgent, 'audit-test/1.0');
    assert.equal(create?.sourceIP, '127.0.0.1');
    assert.ok((create?.latencyMs ?? -1) >= 0);

    const [get] = find('GET', '/api/v1/namespaces/default/secrets/db');
    assert.equal(get?.verb, 'get');
    assert.equal(get?.name, 'db');
    assert.equal(get?.responseCode, 200);

    const [miss] = find('GET', '/api/v1/namespaces/default/pods/missing');
    assert.equal(miss?.verb, 'get');
    assert.equal(miss?.resource, 'pods');
    assert.equal(miss?.responseCode, 404);

    const [list] = find('GET', '/api/v1/namespaces/default/configmaps?limit=5');
    assert.equal(list?.verb, 'list');
    assert.equal(list?.responseCode, 200);
  });

  test('non-resource paths are recorded by URL; health checks are not', () => {
    const [version] = find('GET', '/version');
    assert.equal(version?.nonResourceURL, '/version');
    assert.equal(version?.verb, 'get');
    assert.equal(
      records.some((r) => r.requestURI.startsWith('/healthz')),
      false,
    );
  });

  test('refused and unauthenticated calls are recorded', () => {
    const [forbidden] = find('GET', '/api/v1/namespaces/default/secrets');
    assert.equal(forbidden?.responseCode, 403);
    assert.equal(forbidden?.user, 'system:node:node-1');
    assert.equal(forbidden?.verb, 'list');
    assert.equal(forbidden?.decision, 'forbid');
    const [unauthenticated] = find('GET', '/api/v1/namespaces/default/pods');
    assert.equal(unauthenticated?.responseCode, 401);
    assert.equal(unauthenticated?.user, '');
  });

  test('the request body is kept at the Request level, without the Secret value', () => {
    const [create] = find('POST', '/api/v1/namespaces/default/secrets');
    assert.deepEqual((create?.requestObject as { stringData?: unknown } | undefined)?.stringData, {
      password: '[redacted]',
    });
    assert.equal(readFileSync(auditPath, 'utf8').includes(password), false);
  });
});
