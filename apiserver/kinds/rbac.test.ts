import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterRole } from '../../sdk/gen/wheelhouse/rbac/v1/cluster_role.js';
import type { ClusterRoleBinding } from '../../sdk/gen/wheelhouse/rbac/v1/cluster_role_binding.js';
import type { Role } from '../../sdk/gen/wheelhouse/rbac/v1/role.js';
import type { RoleBinding } from '../../sdk/gen/wheelhouse/rbac/v1/role_binding.js';
import { clusterRoleStrategy } from './cluster-role/strategy.js';
import { clusterRoleBindingStrategy } from './cluster-role-binding/strategy.js';
import { roleStrategy } from './role/strategy.js';
import { roleBindingStrategy } from './role-binding/strategy.js';
import { ctx, fromYaml, messages } from './testing.js';

describe('Role and ClusterRole rules', () => {
  const role = () =>
    fromYaml<Role>(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- apiGroups: [""]
  resources: [pods, pods/log]
  verbs: [get, list, watch]
`);

  it('accepts a realistic Role', () => {
    assert.deepEqual(messages(roleStrategy().validate(role(), ctx)), []);
  });

  it('needs verbs, API groups and resources', () => {
    const r = role();
    r.rules.push({ verbs: [], apiGroups: [], resources: [], resourceNames: [], nonResourceUrls: [] });
    assert.deepEqual(messages(roleStrategy().validate(r, ctx)), [
      'rules[1].verbs: Required value: verbs must contain at least one value',
      'rules[1].apiGroups: Required value: resource rules must supply at least one api group',
      'rules[1].resources: Required value: resource rules must supply at least one resource',
    ]);
  });

  it('refuses non-resource URLs in a Role but not in a ClusterRole', () => {
    const r = role();
    r.rules = [
      { verbs: ['get'], apiGroups: [], resources: [], resourceNames: [], nonResourceUrls: ['/healthz'] },
    ];
    assert.deepEqual(messages(roleStrategy().validate(r, ctx)), [
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs',
    ]);
    const cr: ClusterRole = { ...r, kind: 'ClusterRole' };
    assert.deepEqual(messages(clusterRoleStrategy().validate(cr, ctx)), []);
    cr.rules[0]!.resources = ['pods'];
    assert.deepEqual(messages(clusterRoleStrategy().validate(cr, ctx)), [
      'rules[0].nonResourceURLs: Invalid value: ["/healthz"]: rules cannot apply to both regular resources and non-resource URLs',
    ]);
  });

  it('needs a selector in an aggregation rule', () => {
    const cr: ClusterRole = { ...role(), kind: 'ClusterRole', aggregationRule: { clusterRoleSelectors: [] } };
    assert.deepEqual(messages(clusterRoleStrategy().validate(cr, ctx)), [
      'aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
    ]);
  });
});

describe('RoleBinding and ClusterRoleBinding', () => {
  const binding = () =>
    fromYaml<RoleBinding>(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: read-pods, namespace: team-a}
subjects:
- {kind: User, name: jane}
- {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
- {kind: ServiceAccount, name: builder}
roleRef: {kind: Role, name: pod-reader}
`);
  const strategy = roleBindingStrategy();

  it('defaults API groups and the service account namespace', () => {
    const b = binding();
    strategy.applyDefaults(b);
    assert.equal(b.roleRef?.apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(b.subjects[0]?.apiGroup, 'rbac.authorization.k8s.io');
    assert.equal(b.subjects[2]?.apiGroup, '');
    assert.equal(b.subjects[2]?.namespace, 'team-a');
    assert.deepEqual(messages(strategy.validate(b, ctx)), []);
  });

  it('refuses a bad roleRef and bad subjects, all together', () => {
    const b = binding();
    strategy.applyDefaults(b);
    b.roleRef = { apiGroup: 'example.com', kind: 'Team', name: '' };
    b.subjects[0]!.kind = 'Robot';
    b.subjects[2]!.apiGroup = 'rbac.authorization.k8s.io';
    assert.deepEqual(messages(strategy.validate(b, ctx)), [
      'roleRef.apiGroup: Unsupported value: "example.com": supported values: "rbac.authorization.k8s.io"',
      'roleRef.kind: Unsupported value: "Team": supported values: "Role", "ClusterRole"',
      'roleRef.name: Required value',
      'subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      'subjects[2].apiGroup: Unsupported value: "rbac.authorization.k8s.io": supported values: ""',
    ]);
  });

  it('refuses a roleRef change', () => {
    const old = binding();
    strategy.applyDefaults(old);
    const b = binding();
    b.roleRef!.kind = 'ClusterRole';
    strategy.applyDefaults(b);
    assert.deepEqual(messages(strategy.validateUpdate(b, old, ctx)), [
      'roleRef: Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"pod-reader"}: cannot change roleRef',
    ]);
  });

  it('binds only ClusterRoles cluster-wide, and needs service account namespaces there', () => {
    const crb: ClusterRoleBinding = { ...binding(), kind: 'ClusterRoleBinding' };
    crb.metadata!.namespace = '';
    const s = clusterRoleBindingStrategy();
    s.applyDefaults(crb);
    assert.deepEqual(messages(s.validate(crb, ctx)), [
      'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
      'subjects[2].namespace: Required value',
    ]);
  });
});
