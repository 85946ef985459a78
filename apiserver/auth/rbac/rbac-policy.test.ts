import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Subject } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { RequestAttributes, UserInfo } from '../types.js';
import { bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrap-policy.js';
import { rule } from './policy-rule.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { RbacPolicy } from './rbac-policy.js';

const rbac = 'rbac.authorization.k8s.io';
const alice: UserInfo = { name: 'alice', uid: '1', groups: ['system:authenticated'] };

const user = (name: string): Subject => ({ kind: 'User', apiGroup: rbac, name, namespace: '' });
const group = (name: string): Subject => ({ kind: 'Group', apiGroup: rbac, name, namespace: '' });

function attrs(user: UserInfo, p: Partial<Omit<RequestAttributes, 'user'>>): RequestAttributes {
  return {
    user,
    verb: 'get',
    apiGroup: '',
    resource: 'pods',
    subresource: '',
    namespace: 'default',
    name: '',
    ...p,
  };
}

async function podReaderPolicy(): Promise<RbacPolicy> {
  const policy = new RbacPolicy();
  // The pod-reader example of the Kubernetes RBAC documentation, as written.
  await policy.setRole('default', 'pod-reader', [rule(['get', 'watch', 'list'], [''], ['pods'])]);
  await policy.setBinding({
    kind: 'RoleBinding',
    namespace: 'default',
    name: 'read-pods',
    subjects: [{ kind: 'User', apiGroup: rbac, name: 'alice', namespace: '' }],
    roleRef: { apiGroup: rbac, kind: 'Role', name: 'pod-reader' },
  });
  return policy;
}

describe('RbacPolicy', () => {
  it('grants exactly get, list and watch on pods in the namespace of a pod-reader binding', async () => {
    const authz = new RbacAuthorizer(await podReaderPolicy());
    for (const verb of ['get', 'list', 'watch']) {
      assert.equal(authz.authorize(attrs(alice, { verb })).allowed, true, verb);
    }
    for (const verb of ['create', 'update', 'patch', 'delete', 'deletecollection', '*']) {
      assert.equal(authz.authorize(attrs(alice, { verb })).allowed, false, verb);
    }
    assert.equal(authz.authorize(attrs(alice, { namespace: 'other' })).allowed, false, 'other namespace');
    assert.equal(
      authz.authorize(attrs(alice, { namespace: '', verb: 'list' })).allowed,
      false,
      'all namespaces',
    );
    assert.equal(authz.authorize(attrs(alice, { resource: 'secrets' })).allowed, false, 'secrets');
    assert.equal(authz.authorize(attrs(alice, { subresource: 'log' })).allowed, false, 'pods/log');
    assert.equal(
      authz.authorize(attrs(alice, { subresource: 'status', verb: 'get' })).allowed,
      false,
      'pods/status',
    );
    const bob: UserInfo = { name: 'bob', uid: '2', groups: ['system:authenticated'] };
    assert.equal(authz.authorize(attrs(bob, {})).allowed, false, 'another user');
  });

  it('says which binding and role allowed a request', async () => {
    const policy = await podReaderPolicy();
    const decision = policy.decide(
      alice,
      { verb: 'get', apiGroup: '', resource: 'pods', subresource: '', name: 'x' },
      'default',
    );
    assert.equal(decision.allowed, true);
    assert.match(decision.reason, /RoleBinding "read-pods" of Role "pod-reader"/);
  });

  it('applies ClusterRoleBindings everywhere and RoleBindings of ClusterRoles in their namespace only', async () => {
    const policy = new RbacPolicy();
    await policy.setClusterRole('secret-reader', [rule(['get'], [''], ['secrets'])]);
    await policy.setBinding({
      kind: 'RoleBinding',
      namespace: 'team-a',
      name: 'alice-secrets',
      subjects: [user('alice')],
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'secret-reader' },
    });
    await policy.setBinding({
      kind: 'ClusterRoleBinding',
      namespace: '',
      name: 'auditors',
      subjects: [group('auditors')],
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'secret-reader' },
    });
    const authz = new RbacAuthorizer(policy);
    const secret = { resource: 'secrets', name: 's' };
    assert.equal(authz.authorize(attrs(alice, { ...secret, namespace: 'team-a' })).allowed, true);
    assert.equal(authz.authorize(attrs(alice, { ...secret, namespace: 'team-b' })).allowed, false);
    const auditor: UserInfo = { name: 'carol', uid: '3', groups: ['auditors', 'system:authenticated'] };
    assert.equal(authz.authorize(attrs(auditor, { ...secret, namespace: 'team-b' })).allowed, true);
    assert.equal(authz.authorize(attrs(auditor, { ...secret, namespace: '' })).allowed, true);
  });

  it('maps ServiceAccount subjects to their user and service account groups', async () => {
    const policy = new RbacPolicy();
    await policy.setRole('ci', 'deployer', [rule(['create', 'update'], ['apps'], ['deployments'])]);
    await policy.setBinding({
      kind: 'RoleBinding',
      namespace: 'ci',
      name: 'builder',
      // No namespace: the binding's own.
      subjects: [{ kind: 'ServiceAccount', apiGroup: '', name: 'builder', namespace: '' }],
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'deployer' },
    });
    await policy.setRole('ci', 'cm-reader', [rule(['get'], [''], ['configmaps'])]);
    await policy.setBinding({
      kind: 'RoleBinding',
      namespace: 'ci',
      name: 'all-sas',
      subjects: [group('system:serviceaccounts:ci')],
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'cm-reader' },
    });
    const authz = new RbacAuthorizer(policy);
    const sa: UserInfo = {
      name: 'system:serviceaccount:ci:builder',
      uid: 'u',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
    };
    const deploy = { verb: 'create', apiGroup: 'apps', resource: 'deployments', namespace: 'ci' };
    assert.equal(authz.authorize(attrs(sa, deploy)).allowed, true);
    assert.equal(
      authz.authorize(attrs(sa, { resource: 'configmaps', namespace: 'ci', name: 'c' })).allowed,
      true,
    );
    const other: UserInfo = { ...sa, name: 'system:serviceaccount:ci:other' };
    assert.equal(authz.authorize(attrs(other, deploy)).allowed, false);
  });

  it('follows changes: a role edited, a binding removed, a role deleted and recreated', async () => {
    const policy = await podReaderPolicy();
    const authz = new RbacAuthorizer(policy);
    const del = attrs(alice, { verb: 'delete', name: 'p' });
    assert.equal(authz.authorize(del).allowed, false);
    await policy.setRole('default', 'pod-reader', [rule(['get', 'list', 'watch', 'delete'], [''], ['pods'])]);
    assert.equal(authz.authorize(del).allowed, true, 'the cached denial was dropped when the role changed');
    await policy.deleteRole('default', 'pod-reader');
    assert.equal(authz.authorize(del).allowed, false, 'a binding to a missing role grants nothing');
    await policy.setRole('default', 'pod-reader', [rule(['delete'], [''], ['pods'])]);
    assert.equal(authz.authorize(del).allowed, true);
    await policy.deleteBinding('RoleBinding', 'default', 'read-pods');
    assert.equal(authz.authorize(del).allowed, false);
    assert.deepEqual(policy.stats().shards, 0, 'an empty namespace leaves no enforcer behind');
  });

  it('keeps one Casbin policy row per granted role and one grouping row per subject and role', async () => {
    const policy = new RbacPolicy();
    await policy.setRole('ns', 'r', [
      rule(['get'], [''], ['pods']),
      rule(['list'], [''], ['pods', 'configmaps']),
    ]);
    for (let i = 0; i < 3; i++) {
      await policy.setBinding({
        kind: 'RoleBinding',
        namespace: 'ns',
        name: `b${i}`,
        subjects: [user(`u${i}`), user('shared')],
        roleRef: { apiGroup: rbac, kind: 'Role', name: 'r' },
      });
    }
    assert.deepEqual(policy.stats(), { shards: 1, policies: 1, groupings: 4, roles: 1 });
    await policy.deleteBinding('RoleBinding', 'ns', 'b0');
    assert.deepEqual(policy.stats(), { shards: 1, policies: 1, groupings: 3, roles: 1 });
    const shared: UserInfo = { name: 'shared', uid: '', groups: [] };
    assert.equal(
      policy.decide(shared, { verb: 'get', apiGroup: '', resource: 'pods', subresource: '', name: 'p' }, 'ns')
        .allowed,
      true,
    );
  });

  it('lets system:masters do everything, and cluster-admin by binding', async () => {
    const policy = new RbacPolicy();
    const authz = new RbacAuthorizer(policy);
    const admin: UserInfo = { name: 'admin', uid: '', groups: ['system:masters', 'system:authenticated'] };
    assert.equal(
      authz.authorize(attrs(admin, { verb: 'delete', resource: 'nodes', namespace: '' })).allowed,
      true,
    );
    await policy.setClusterRole('cluster-admin', [...(bootstrapClusterRoles['cluster-admin'] ?? [])]);
    await policy.setBinding({
      kind: 'ClusterRoleBinding',
      namespace: '',
      name: 'root',
      subjects: [user('root')],
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'cluster-admin' },
    });
    const root: UserInfo = { name: 'root', uid: '', groups: [] };
    assert.equal(
      authz.authorize(
        attrs(root, { verb: 'create', apiGroup: rbac, resource: 'clusterrolebindings', namespace: '' }),
      ).allowed,
      true,
    );
    assert.equal(authz.authorizeNonResource(root, 'get', '/metrics').allowed, true);
    assert.equal(authz.authorizeNonResource(alice, 'get', '/metrics').allowed, false);
  });
});

describe('bootstrap policy', () => {
  async function bootstrapped(): Promise<RbacAuthorizer> {
    const policy = new RbacPolicy();
    for (const [name, rules] of Object.entries(bootstrapClusterRoles))
      await policy.setClusterRole(name, rules);
    for (const [name, { role, subjects }] of Object.entries(bootstrapClusterRoleBindings)) {
      await policy.setBinding({
        kind: 'ClusterRoleBinding',
        namespace: '',
        name,
        subjects,
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
      });
    }
    return new RbacAuthorizer(policy);
  }
  const scheduler: UserInfo = { name: 'system:kube-scheduler', uid: '', groups: ['system:authenticated'] };
  const kcm: UserInfo = { name: 'system:kube-controller-manager', uid: '', groups: ['system:authenticated'] };
  const hpaController: UserInfo = {
    name: 'system:serviceaccount:kube-system:horizontal-pod-autoscaler',
    uid: '',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
  const hpa = { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers' };
  const endpointController: UserInfo = {
    name: 'system:serviceaccount:kube-system:endpoint-controller',
    uid: '',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
  const mirroringController: UserInfo = {
    name: 'system:serviceaccount:kube-system:endpointslicemirroring-controller',
    uid: '',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
  };
  const endpointSlices = { apiGroup: 'discovery.k8s.io', resource: 'endpointslices' };
  const node: UserInfo = {
    name: 'system:node:n1',
    uid: '',
    groups: ['system:nodes', 'system:authenticated'],
  };

  const cases: [string, UserInfo, Partial<RequestAttributes>, boolean][] = [
    ['scheduler binds pods', scheduler, { verb: 'create', subresource: 'binding', name: 'p' }, true],
    ['scheduler watches pods everywhere', scheduler, { verb: 'watch', namespace: '' }, true],
    ['scheduler lists nodes', scheduler, { verb: 'list', resource: 'nodes', namespace: '' }, true],
    [
      'scheduler updates its own lease',
      scheduler,
      {
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-system',
        name: 'kube-scheduler',
      },
      true,
    ],
    [
      'scheduler may not update another lease',
      scheduler,
      {
        verb: 'update',
        apiGroup: 'coordination.k8s.io',
        resource: 'leases',
        namespace: 'kube-system',
        name: 'other',
      },
      false,
    ],
    ['scheduler may not create pods', scheduler, { verb: 'create' }, false],
    ['scheduler may not read secrets', scheduler, { resource: 'secrets', name: 's' }, false],
    [
      'scheduler may not update nodes',
      scheduler,
      { verb: 'update', resource: 'nodes', namespace: '', name: 'n' },
      false,
    ],
    [
      'controller manager creates replicasets',
      kcm,
      { verb: 'create', apiGroup: 'apps', resource: 'replicasets' },
      true,
    ],
    [
      'controller manager updates deployment status',
      kcm,
      { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status', name: 'd' },
      true,
    ],
    ['controller manager deletes pods', kcm, { verb: 'delete', name: 'p' }, true],
    [
      'controller manager may not create deployments',
      kcm,
      { verb: 'create', apiGroup: 'apps', resource: 'deployments' },
      false,
    ],
    [
      'controller manager may not bind cluster roles',
      kcm,
      { verb: 'create', apiGroup: rbac, resource: 'clusterrolebindings', namespace: '' },
      false,
    ],
    [
      'controller manager may not edit roles',
      kcm,
      { verb: 'update', apiGroup: rbac, resource: 'roles', name: 'r' },
      false,
    ],
    ['controller manager watches autoscalers', kcm, { verb: 'watch', ...hpa, namespace: '' }, true],
    [
      'controller manager updates autoscaler status',
      kcm,
      { verb: 'update', ...hpa, subresource: 'status', name: 'h' },
      true,
    ],
    [
      'controller manager sets a deployment scale',
      kcm,
      { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'd' },
      true,
    ],
    ['autoscaler controller lists autoscalers', hpaController, { verb: 'list', ...hpa, namespace: '' }, true],
    [
      'autoscaler controller updates autoscaler status',
      hpaController,
      { verb: 'update', ...hpa, subresource: 'status', name: 'h' },
      true,
    ],
    [
      'autoscaler controller may not update an autoscaler spec',
      hpaController,
      { verb: 'update', ...hpa, name: 'h' },
      false,
    ],
    [
      'autoscaler controller gets and sets any scale',
      hpaController,
      { verb: 'update', apiGroup: 'apps', resource: 'statefulsets', subresource: 'scale', name: 's' },
      true,
    ],
    [
      'autoscaler controller may not update a deployment itself',
      hpaController,
      { verb: 'update', apiGroup: 'apps', resource: 'deployments', name: 'd' },
      false,
    ],
    [
      'autoscaler controller lists pod metrics',
      hpaController,
      { verb: 'list', subresource: 'metrics' },
      true,
    ],
    ['autoscaler controller may not read secrets', hpaController, { resource: 'secrets', name: 's' }, false],
    ['controller manager creates endpoints', kcm, { verb: 'create', resource: 'endpoints' }, true],
    [
      'controller manager updates endpoints',
      kcm,
      { verb: 'update', resource: 'endpoints', name: 'web' },
      true,
    ],
    [
      'endpoint controller watches services',
      endpointController,
      { verb: 'watch', resource: 'services', namespace: '' },
      true,
    ],
    ['endpoint controller lists pods', endpointController, { verb: 'list', resource: 'pods' }, true],
    [
      'endpoint controller creates endpoints',
      endpointController,
      { verb: 'create', resource: 'endpoints' },
      true,
    ],
    [
      'endpoint controller deletes endpoints',
      endpointController,
      { verb: 'delete', resource: 'endpoints', name: 'web' },
      true,
    ],
    [
      'endpoint controller may not patch endpoints (it updates them)',
      endpointController,
      { verb: 'patch', resource: 'endpoints', name: 'web' },
      false,
    ],
    [
      'endpoint controller may not update services',
      endpointController,
      { verb: 'update', resource: 'services', name: 'web' },
      false,
    ],
    [
      'mirroring controller watches endpoints',
      mirroringController,
      { verb: 'watch', resource: 'endpoints', namespace: '' },
      true,
    ],
    [
      'mirroring controller creates endpointslices',
      mirroringController,
      { verb: 'create', ...endpointSlices },
      true,
    ],
    [
      'mirroring controller deletes endpointslices',
      mirroringController,
      { verb: 'delete', ...endpointSlices, name: 'web-abcde' },
      true,
    ],
    [
      'mirroring controller may not write endpoints',
      mirroringController,
      { verb: 'update', resource: 'endpoints', name: 'web' },
      false,
    ],
    [
      'mirroring controller may not read pods',
      mirroringController,
      { verb: 'list', resource: 'pods' },
      false,
    ],
    [
      'nodes get nothing from RBAC by default',
      node,
      { verb: 'get', resource: 'nodes', namespace: '', name: 'n1' },
      false,
    ],
    [
      'everyone may review their own access',
      alice,
      {
        verb: 'create',
        apiGroup: 'authorization.k8s.io',
        resource: 'selfsubjectaccessreviews',
        namespace: '',
      },
      true,
    ],
    [
      "but not others'",
      alice,
      { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews', namespace: '' },
      false,
    ],
  ];
  for (const [title, who, request, allowed] of cases) {
    it(title, async () => {
      const authz = await bootstrapped();
      assert.equal(authz.authorize(attrs(who, request)).allowed, allowed);
    });
  }

  it('makes view read-only and leaves secrets out of it; edit writes but cannot touch RBAC; admin can', async () => {
    const policy = new RbacPolicy();
    for (const [name, rules] of Object.entries(bootstrapClusterRoles))
      await policy.setClusterRole(name, rules);
    for (const [i, role] of ['view', 'edit', 'admin'].entries()) {
      await policy.setBinding({
        kind: 'RoleBinding',
        namespace: 'team',
        name: role,
        subjects: [user(`u${i}`)],
        roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: role },
      });
    }
    const authz = new RbacAuthorizer(policy);
    const u = (i: number): UserInfo => ({ name: `u${i}`, uid: '', groups: [] });
    const can = (i: number, p: Partial<RequestAttributes>) =>
      authz.authorize(attrs(u(i), { namespace: 'team', ...p })).allowed;
    assert.equal(can(0, { verb: 'list', apiGroup: 'apps', resource: 'deployments' }), true);
    const hpa = { apiGroup: 'autoscaling', resource: 'horizontalpodautoscalers' };
    assert.equal(can(0, { verb: 'get', ...hpa, subresource: 'status', name: 'h' }), true);
    assert.equal(can(0, { verb: 'create', ...hpa }), false);
    assert.equal(can(1, { verb: 'patch', ...hpa, name: 'h' }), true);
    assert.equal(can(1, { verb: 'update', ...hpa, subresource: 'status', name: 'h' }), false);
    assert.equal(can(2, { verb: 'delete', ...hpa, name: 'h' }), true);
    // Endpoints: read by view; written by no aggregated role since Kubernetes 1.22 (CVE-2021-25740).
    assert.equal(can(0, { verb: 'list', resource: 'endpoints' }), true);
    assert.equal(can(1, { verb: 'create', resource: 'endpoints' }), false);
    assert.equal(can(2, { verb: 'update', resource: 'endpoints', name: 'e' }), false);
    assert.equal(can(0, { verb: 'get', resource: 'secrets', name: 's' }), false);
    assert.equal(can(0, { verb: 'create' }), false);
    assert.equal(
      can(1, { verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale', name: 'd' }),
      true,
    );
    assert.equal(can(1, { verb: 'get', resource: 'secrets', name: 's' }), true);
    assert.equal(can(1, { verb: 'create', apiGroup: rbac, resource: 'rolebindings' }), false);
    assert.equal(can(2, { verb: 'create', apiGroup: rbac, resource: 'rolebindings' }), true);
    assert.equal(can(2, { verb: 'delete', resource: 'namespaces', namespace: '', name: 'team' }), false);
  });
});
