/**
 * RBAC escalation prevention through real store and apiserver processes: users who may
 * write Roles or bindings cannot use that to grant themselves (or anyone) more than
 * they hold, unless they hold `escalate` or `bind`.
 */
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ClientConfig } from '../../../sdk/client-config.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { outcome } from '../../../test/outcome.js';

const rbac = 'rbac.authorization.k8s.io';
const ns = 'team';

type Rule = { apiGroups?: string[]; resources?: string[]; verbs: string[]; resourceNames?: string[] };

const role = (name: string, rules: Rule[], namespace = ns) => ({
  apiVersion: `${rbac}/v1`,
  kind: 'Role',
  metadata: { namespace, name },
  rules,
});
const clusterRole = (name: string, rules: Rule[], extra: Record<string, unknown> = {}) => ({
  apiVersion: `${rbac}/v1`,
  kind: 'ClusterRole',
  metadata: { name },
  rules,
  ...extra,
});
const user = (name: string) => ({ kind: 'User', name, apiGroup: rbac });
const group = (name: string) => ({ kind: 'Group', name, apiGroup: rbac });
type Subject = ReturnType<typeof user>;
const roleBinding = (name: string, kind: 'Role' | 'ClusterRole', roleName: string, subjects: Subject[]) => ({
  apiVersion: `${rbac}/v1`,
  kind: 'RoleBinding',
  metadata: { namespace: ns, name },
  subjects,
  roleRef: { kind, name: roleName, apiGroup: rbac },
});
const clusterRoleBinding = (name: string, roleName: string, subjects: Subject[]) => ({
  apiVersion: `${rbac}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: { name },
  subjects,
  roleRef: { kind: 'ClusterRole', name: roleName, apiGroup: rbac },
});

describe('RBAC escalation prevention', () => {
  let cluster: Cluster;
  let tokens = '';
  const people = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank', 'ivan'];
  const as: Record<string, ClientConfig> = {};

  const client = (resource: string, who: string) => cluster.client(resource, as[who]);
  const createRole = (who: string, obj: unknown) => call(client('roles', who), 'createRole', { role: obj });
  const createClusterRole = (who: string, obj: unknown) =>
    call(client('clusterroles', who), 'createClusterRole', { clusterRole: obj });
  const createBinding = (who: string, obj: unknown) =>
    call(client('rolebindings', who), 'createRoleBinding', { roleBinding: obj });
  const createClusterBinding = (who: string, obj: unknown) =>
    call(client('clusterrolebindings', who), 'createClusterRoleBinding', { clusterRoleBinding: obj });

  /**
   * Waits until `who` may list `resource` in `namespace`. RBAC follows the objects within
   * milliseconds; the deadline only bounds a failure, generous for a loaded host.
   */
  async function waitUntilAllowed(who: string, resource: string, method: string, namespace: string) {
    for (const start = Date.now(); Date.now() - start < 20_000; ) {
      if ((await outcome(call(client(resource, who), method, { namespace }))).code === 'OK') return;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.fail(`${who} still may not ${method} after 20 s`);
  }

  before(async () => {
    tokens = join(process.env.TMPDIR ?? '/tmp', `wheelhouse-escalation-tokens-${process.pid}.csv`);
    writeFileSync(tokens, people.map((p) => `${p}-token,${p},u-${p}`).join('\n'), { mode: 0o600 });
    cluster = await startCluster({
      apiserverArgs: ['--authorization-mode', 'Node,RBAC', '--token-auth-file', tokens],
    });
    as.admin = cluster.admin;
    for (const p of people) {
      as[p] = { server: cluster.apiserver, certificateAuthority: cluster.pki.caFile, token: `${p}-token` };
    }
    await call(client('namespaces', 'admin'), 'createNamespace', {
      namespace: { metadata: { name: ns } },
    });
    // What each user may do, written by the admin (system:masters is exempt from the check).
    await createRole(
      'admin',
      role('rb-writer', [
        { apiGroups: [rbac], resources: ['rolebindings'], verbs: ['create', 'update', 'get', 'list'] },
      ]),
    );
    await createRole(
      'admin',
      role('role-writer', [{ apiGroups: [rbac], resources: ['roles'], verbs: ['create', 'update', 'get'] }]),
    );
    await createRole(
      'admin',
      role('edit-binder', [
        { apiGroups: [rbac], resources: ['clusterroles'], verbs: ['bind'], resourceNames: ['edit'] },
      ]),
    );
    await createRole(
      'admin',
      role('escalator', [{ apiGroups: [rbac], resources: ['roles'], verbs: ['escalate'] }]),
    );
    await createClusterRole(
      'admin',
      clusterRole('crb-writer', [
        { apiGroups: [rbac], resources: ['clusterrolebindings'], verbs: ['create', 'update', 'get'] },
      ]),
    );
    await createClusterRole(
      'admin',
      clusterRole('cr-writer', [{ apiGroups: [rbac], resources: ['clusterroles'], verbs: ['create'] }]),
    );
    const grants: [string, 'Role' | 'ClusterRole', string][] = [
      ['alice', 'Role', 'rb-writer'],
      ['dave', 'Role', 'role-writer'],
      ['erin', 'Role', 'rb-writer'],
      ['erin', 'Role', 'edit-binder'],
      ['frank', 'Role', 'role-writer'],
      ['frank', 'Role', 'escalator'],
      ['gina', 'Role', 'rb-writer'],
      ['gina', 'Role', 'role-writer'],
      ['gina', 'ClusterRole', 'view'],
      ['hank', 'ClusterRole', 'admin'],
    ];
    for (const [who, kind, name] of grants) {
      await createBinding('admin', roleBinding(`${who}-${name}`, kind, name, [user(who)]));
    }
    await createClusterBinding(
      'admin',
      clusterRoleBinding('carol-crb-writer', 'crb-writer', [user('carol')]),
    );
    await createClusterBinding('admin', clusterRoleBinding('hank-crb-writer', 'crb-writer', [user('hank')]));
    await createClusterBinding('admin', clusterRoleBinding('ivan-cr-writer', 'cr-writer', [user('ivan')]));
    await createBinding('admin', roleBinding('bob-admin', 'ClusterRole', 'cluster-admin', [user('bob')]));
    await waitUntilAllowed('hank', 'secrets', 'listSecrets', ns);
  });
  after(async () => {
    await cluster?.stop();
    rmSync(tokens, { force: true });
  });

  const denied = (o: { code: string; message: string }, what: string) => {
    assert.equal(o.code, 'PERMISSION_DENIED', `${what}: ${o.message}`);
    assert.match(o.message, /is attempting to grant RBAC permissions not currently held/, what);
  };

  test('a Role with `*` on everything is refused to a user who may only write roles, naming what they lack', async () => {
    const o = await outcome(
      createRole('dave', role('everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])),
    );
    denied(o, 'role with *');
    assert.match(o.message, /^roles\.rbac\.authorization\.k8s\.io "everything" is forbidden: user "dave"/);
    assert.match(o.message, /\{APIGroups:\["\*"\], Resources:\["\*"\], Verbs:\["\*"\]\}/);
  });

  test('a Role with more verbs than its author holds is refused, naming only the missing verb', async () => {
    const o = await outcome(
      createRole(
        'dave',
        role('more-verbs', [{ apiGroups: [rbac], resources: ['roles'], verbs: ['get', 'delete'] }]),
      ),
    );
    denied(o, 'more verbs');
    assert.match(
      o.message,
      /\{APIGroups:\["rbac\.authorization\.k8s\.io"\], Resources:\["roles"\], Verbs:\["delete"\]\}/,
    );
    assert.doesNotMatch(o.message, /Verbs:\["get"/);
  });

  test('a Role within what its author holds is allowed', async () => {
    assert.equal(
      (
        await outcome(
          createRole('dave', role('subset', [{ apiGroups: [rbac], resources: ['roles'], verbs: ['get'] }])),
        )
      ).code,
      'OK',
    );
    // gina holds `view` here: she may hand out reads of pods, not their deletion, nor pods/exec-like subresources she lacks.
    assert.equal(
      (
        await outcome(
          createRole(
            'gina',
            role('pod-reader', [
              { apiGroups: [''], resources: ['pods', 'pods/log'], verbs: ['get', 'list'] },
            ]),
          ),
        )
      ).code,
      'OK',
    );
    denied(
      await outcome(
        createRole(
          'gina',
          role('pod-deleter', [{ apiGroups: [''], resources: ['pods'], verbs: ['delete'] }]),
        ),
      ),
      'delete pods',
    );
    denied(
      await outcome(
        createRole(
          'gina',
          role('pod-status', [{ apiGroups: [''], resources: ['pods/attach'], verbs: ['get'] }]),
        ),
      ),
      'pods/attach',
    );
    denied(
      await outcome(
        createRole(
          'gina',
          role('secret-reader', [{ apiGroups: [''], resources: ['secrets'], verbs: ['get'] }]),
        ),
      ),
      'secrets',
    );
  });

  test('`escalate` on roles lets a user write any Role', async () => {
    assert.equal(
      (
        await outcome(
          createRole(
            'frank',
            role('frank-everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }]),
          ),
        )
      ).code,
      'OK',
    );
  });

  test('a RoleBinding to cluster-admin, admin or edit is refused to a user who may only create bindings', async () => {
    for (const target of ['cluster-admin', 'admin', 'edit']) {
      denied(
        await outcome(
          createBinding('alice', roleBinding(`alice-${target}`, 'ClusterRole', target, [user('alice')])),
        ),
        target,
      );
    }
    // ...and nothing was granted: alice still cannot read the namespace's Secrets.
    const secrets = await outcome(call(client('secrets', 'alice'), 'listSecrets', { namespace: ns }));
    assert.equal(secrets.code, 'PERMISSION_DENIED');
    const stored = await outcome(
      call(client('rolebindings', 'admin'), 'getRoleBinding', { namespace: ns, name: 'alice-cluster-admin' }),
    );
    assert.equal(stored.code, 'NOT_FOUND');
  });

  test('binding a role to a group such as system:authenticated is refused just the same', async () => {
    denied(
      await outcome(
        createBinding(
          'alice',
          roleBinding('everyone-views', 'ClusterRole', 'view', [group('system:authenticated')]),
        ),
      ),
      'view to system:authenticated',
    );
  });

  test('a binding of a role whose permissions the author holds is allowed, whoever its subjects', async () => {
    assert.equal(
      (
        await outcome(
          createBinding('alice', roleBinding('bob-rb-writer', 'Role', 'rb-writer', [user('bob')])),
        )
      ).code,
      'OK',
    );
    assert.equal(
      (
        await outcome(
          createBinding(
            'gina',
            roleBinding('all-view', 'ClusterRole', 'view', [group('system:authenticated')]),
          ),
        )
      ).code,
      'OK',
    );
    denied(
      await outcome(createBinding('gina', roleBinding('gina-edit', 'ClusterRole', 'edit', [user('gina')]))),
      'gina edit',
    );
  });

  test('`bind` on a named ClusterRole allows binding that role and no other', async () => {
    assert.equal(
      (await outcome(createBinding('erin', roleBinding('erin-edit', 'ClusterRole', 'edit', [user('erin')]))))
        .code,
      'OK',
    );
    denied(
      await outcome(createBinding('erin', roleBinding('erin-admin', 'ClusterRole', 'admin', [user('erin')]))),
      'bind admin',
    );
  });

  test('a ClusterRoleBinding to cluster-admin is refused to a user who may only create ClusterRoleBindings', async () => {
    denied(
      await outcome(
        createClusterBinding('carol', clusterRoleBinding('carol-admin', 'cluster-admin', [user('carol')])),
      ),
      'carol',
    );
    const secrets = await outcome(call(client('secrets', 'carol'), 'listSecrets', { namespace: '' }));
    assert.equal(secrets.code, 'PERMISSION_DENIED');
  });

  test('a namespace admin may not grant in a ClusterRoleBinding what they hold only in their namespace', async () => {
    denied(
      await outcome(createClusterBinding('hank', clusterRoleBinding('hank-edit', 'edit', [user('hank')]))),
      'hank crb',
    );
    // In their namespace the same role is theirs to grant.
    assert.equal(
      (
        await outcome(
          createBinding('hank', roleBinding('hank-grants-edit', 'ClusterRole', 'edit', [user('ivan')])),
        )
      ).code,
      'OK',
    );
  });

  test("adding oneself to an existing binding's subjects is refused", async () => {
    const bindings = client('rolebindings', 'alice');
    const { roleBinding: current } = await call<{ roleBinding: { subjects: Subject[] } }>(
      bindings,
      'getRoleBinding',
      {
        namespace: ns,
        name: 'bob-admin',
      },
    );
    current.subjects.push(user('alice'));
    denied(await outcome(call(bindings, 'updateRoleBinding', { roleBinding: current })), 'update subjects');
    const after = await call<{ roleBinding: { subjects: Subject[] } }>(
      client('rolebindings', 'admin'),
      'getRoleBinding',
      {
        namespace: ns,
        name: 'bob-admin',
      },
    );
    assert.deepEqual(
      after.roleBinding.subjects.map((s) => s.name),
      ['bob'],
    );
  });

  test('an update that changes only finalizers and ownerReferences is not checked (the garbage collector makes them)', async () => {
    const bindings = client('rolebindings', 'alice');
    const { roleBinding: current } = await call<{ roleBinding: { metadata: { finalizers: string[] } } }>(
      bindings,
      'getRoleBinding',
      { namespace: ns, name: 'bob-admin' },
    );
    current.metadata.finalizers = ['example.com/hold'];
    assert.equal((await outcome(call(bindings, 'updateRoleBinding', { roleBinding: current }))).code, 'OK');
    const { roleBinding: held } = await call<{ roleBinding: { metadata: { finalizers: string[] } } }>(
      bindings,
      'getRoleBinding',
      { namespace: ns, name: 'bob-admin' },
    );
    held.metadata.finalizers = [];
    assert.equal((await outcome(call(bindings, 'updateRoleBinding', { roleBinding: held }))).code, 'OK');
  });

  test('a ClusterRole with an aggregationRule takes every permission there is', async () => {
    const o = await outcome(
      createClusterRole(
        'ivan',
        clusterRole('aggregated', [], {
          aggregationRule: {
            clusterRoleSelectors: [{ matchLabels: { 'rbac.example.com/aggregate': 'true' } }],
          },
        }),
      ),
    );
    assert.equal(o.code, 'PERMISSION_DENIED');
    assert.match(o.message, /must have cluster-admin privileges to use the aggregationRule/);
    assert.equal(
      (
        await outcome(
          createClusterRole(
            'ivan',
            clusterRole('ivan-own', [{ apiGroups: [rbac], resources: ['clusterroles'], verbs: ['create'] }]),
          ),
        )
      ).code,
      'OK',
    );
    denied(
      await outcome(
        createClusterRole(
          'ivan',
          clusterRole('ivan-more', [{ verbs: ['get'], nonResourceUrls: ['/metrics'] } as Rule]),
        ),
      ),
      'url rule',
    );
  });

  test('a binding to a role that does not exist is NOT_FOUND for a user without `bind`', async () => {
    const o = await outcome(
      createBinding('alice', roleBinding('ghost', 'Role', 'no-such-role', [user('alice')])),
    );
    assert.equal(o.code, 'NOT_FOUND');
    assert.match(o.message, /roles\.rbac\.authorization\.k8s\.io "no-such-role" not found/);
  });

  test('system:masters is exempt', async () => {
    assert.equal(
      (
        await outcome(
          createBinding(
            'admin',
            roleBinding('masters-anything', 'ClusterRole', 'cluster-admin', [user('ivan')]),
          ),
        )
      ).code,
      'OK',
    );
  });
});
