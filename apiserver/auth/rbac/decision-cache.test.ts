import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import type { RequestAttributes, UserInfo } from '../types.js';
import { RbacAuthorizer } from './rbac-authorizer.js';
import { RbacPolicy } from './rbac-policy.js';

const rbac = 'rbac.authorization.k8s.io';
const bob: UserInfo = { name: 'bob', uid: '2', groups: ['system:authenticated'] };

function rule(verbs: string[], resources: string[], resourceNames: string[] = []): PolicyRule {
  return { verbs, apiGroups: [''], resources, resourceNames, nonResourceUrls: [] };
}

function get(resource: string, name: string): RequestAttributes {
  return { user: bob, verb: 'get', apiGroup: '', resource, subresource: '', namespace: 'default', name };
}

async function policyOf(rules: PolicyRule[]): Promise<RbacPolicy> {
  const policy = new RbacPolicy();
  await policy.setRole('default', 'reader', rules);
  await policy.setBinding({
    kind: 'RoleBinding',
    namespace: 'default',
    name: 'bob-reads',
    subjects: [{ kind: 'User', apiGroup: rbac, name: 'bob', namespace: '' }],
    roleRef: { apiGroup: rbac, kind: 'Role', name: 'reader' },
  });
  return policy;
}

describe('RBAC decision cache', () => {
  it('keeps one decision for every name when no rule looks at names', async () => {
    const authz = new RbacAuthorizer(await policyOf([rule(['get'], ['pods'])]));
    for (let i = 0; i < 1000; i++) assert.equal(authz.authorize(get('pods', `pod-${i}`)).allowed, true);
    for (let i = 0; i < 100; i++) assert.equal(authz.authorize(get('secrets', `s-${i}`)).allowed, false);
    assert.equal(authz.cache.size, 2);
  });

  it('keys by name where a rule with resourceNames matches, and answers by name', async () => {
    const authz = new RbacAuthorizer(
      await policyOf([rule(['get'], ['configmaps'], ['app-config']), rule(['get'], ['pods'])]),
    );
    for (let round = 0; round < 2; round++) {
      assert.equal(authz.authorize(get('configmaps', 'app-config')).allowed, true, `named, round ${round}`);
      assert.equal(authz.authorize(get('configmaps', 'other')).allowed, false, `other, round ${round}`);
      assert.equal(authz.authorize(get('pods', `p-${round}`)).allowed, true, `pods, round ${round}`);
    }
    // Two names of configmaps, one entry for every pod.
    assert.equal(authz.cache.size, 3);
  });

  it('looks at names again once a role starts naming objects', async () => {
    const policy = await policyOf([rule(['get'], ['pods'])]);
    const authz = new RbacAuthorizer(policy);
    assert.equal(authz.authorize(get('pods', 'a')).allowed, true);
    assert.equal(authz.authorize(get('pods', 'b')).allowed, true);
    await policy.setRole('default', 'reader', [rule(['get'], ['pods'], ['a'])]);
    assert.equal(authz.authorize(get('pods', 'a')).allowed, true);
    assert.equal(authz.authorize(get('pods', 'b')).allowed, false);
  });
});
