/**
 * `--use-service-account-credentials` end to end: a real store, apiserver (RBAC, an audit
 * log) and controller manager process. Each controller acts as its own ServiceAccount in
 * kube-system, which the manager creates, and may do what its system:controller: role
 * allows and nothing more.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requestServiceAccountToken } from '../sdk/client/service-account-token.js';
import { type Clientset, createClientset } from '../sdk/client/typed-client.js';
import { ApiError, Code } from '../sdk/errors.js';
import { Secret } from '../sdk/gen/wheelhouse/core/v1/secret.js';
import type { ServiceAccount } from '../sdk/gen/wheelhouse/core/v1/service_account.js';
import { type Cluster, startCluster } from '../test/cluster.js';
import { webDeployment } from './deployment/testing.js';
import {
  adminClients,
  type ControllerManagerProcess,
  listPods,
  startControllerManager,
  waitFor,
} from './shared/testing.js';

interface AuditLine {
  readonly user: string;
  readonly verb: string;
  readonly resource: string;
  readonly subresource: string;
  readonly namespace: string;
  readonly decision: string;
}

describe('controllers under their own service accounts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-controller-accounts-'));
  const auditPath = join(dir, 'audit.log');
  let cluster: Cluster;
  let admin: Clientset;
  let cm: ControllerManagerProcess | undefined;
  const audited = (): AuditLine[] =>
    readFileSync(auditPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AuditLine);

  before(async () => {
    cluster = await startCluster({ apiserverArgs: ['--audit-log-path', auditPath] });
    admin = adminClients(cluster);
    cm = await startControllerManager(cluster, ['--controllers', 'deployment,replicaset']);
  });
  after(async () => {
    await cm?.stop();
    admin?.close();
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('each controller writes as its account, which the manager created', async () => {
    await admin.kind('Deployment').create(webDeployment('web', 2));
    await waitFor('two pods of the Deployment', async () => {
      const pods = await listPods(admin, 'default', 'app=web');
      return pods.length === 2 ? pods : undefined;
    });
    for (const name of ['deployment-controller', 'replicaset-controller']) {
      const account = await admin.kind<ServiceAccount>('ServiceAccount').get('kube-system', name);
      assert.equal(account.metadata?.name, name);
    }
    // A stream (the ReplicaSet controller's pod creates) is audited once it ends.
    await cm?.stop();
    cm = undefined;
    const sa = (name: string) => `system:serviceaccount:kube-system:${name}`;
    const by = (user: string, resource: string, verb: string, lines = audited()) =>
      lines.filter((l) => l.user === user && l.resource === resource && l.verb === verb && !l.subresource);
    // The server writes a stream's record once it has seen the stream end.
    await waitFor('the pod creates in the audit log', async () =>
      by(sa('replicaset-controller'), 'pods', 'create').length > 0 ? true : undefined,
    );
    const lines = audited();
    assert.ok(
      by(sa('deployment-controller'), 'replicasets', 'create').some((l) => l.decision === 'allow'),
      'the Deployment controller created the ReplicaSet as deployment-controller',
    );
    assert.ok(
      by(sa('replicaset-controller'), 'pods', 'create').some((l) => l.decision === 'allow'),
      'the ReplicaSet controller created the pods as replicaset-controller',
    );
    const manager = 'system:kube-controller-manager';
    assert.deepEqual(by(manager, 'pods', 'create'), [], 'no pod was created as the manager');
    assert.deepEqual(by(manager, 'replicasets', 'create'), [], 'no ReplicaSet was created as the manager');
    assert.ok(
      lines.some(
        (l) =>
          l.user === manager &&
          l.resource === 'serviceaccounts' &&
          l.subresource === 'token' &&
          l.decision === 'allow',
      ),
      "the manager asked for the controllers' tokens",
    );
    assert.deepEqual(
      lines.filter((l) => l.user.startsWith('system:serviceaccount:kube-system:') && l.decision !== 'allow'),
      [],
      'no controller was refused anything',
    );
  });

  test("a controller's account may do what its role allows and nothing more", async () => {
    const { token } = await requestServiceAccountToken(admin.api, 'kube-system', 'replicaset-controller', {
      expirationSeconds: 600,
    });
    const asController = createClientset(
      { server: cluster.apiserver, certificateAuthority: cluster.pki.caFile },
      { component: 'controllers-test', token: () => token },
    );
    try {
      assert.ok((await listPods(asController, 'default')).length >= 0);
      await assert.rejects(
        asController.kind<Secret>('Secret').create(
          Secret.fromPartial({
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'not-mine', namespace: 'default' },
          }),
        ),
        (err: unknown) => err instanceof ApiError && err.code === Code.PERMISSION_DENIED,
      );
      await assert.rejects(
        asController.kind('Deployment').list('default'),
        (err: unknown) => err instanceof ApiError && err.code === Code.PERMISSION_DENIED,
      );
    } finally {
      asController.close();
    }
  });
});
