import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import { CompiledRules, type ResourceRequest } from './compiled-rules.js';

function rule(p: Partial<PolicyRule>): PolicyRule {
  return { verbs: [], apiGroups: [''], resources: [], resourceNames: [], nonResourceUrls: [], ...p };
}

function req(p: Partial<ResourceRequest>): ResourceRequest {
  return { verb: 'get', apiGroup: '', resource: 'pods', subresource: '', name: '', ...p };
}

describe('CompiledRules', () => {
  const podReader = new CompiledRules([rule({ verbs: ['get', 'list', 'watch'], resources: ['pods'] })]);

  it('matches verbs, groups and resources exactly', () => {
    assert.equal(podReader.allows(req({ verb: 'get' })), true);
    assert.equal(podReader.allows(req({ verb: 'list' })), true);
    assert.equal(podReader.allows(req({ verb: 'delete' })), false);
    assert.equal(podReader.allows(req({ resource: 'secrets' })), false);
    assert.equal(podReader.allows(req({ apiGroup: 'apps', resource: 'pods' })), false);
  });

  it('does not extend a resource to its subresources', () => {
    assert.equal(podReader.allows(req({ subresource: 'log' })), false);
    assert.equal(podReader.allows(req({ subresource: 'status' })), false);
    const logs = new CompiledRules([rule({ verbs: ['get'], resources: ['pods/log'] })]);
    assert.equal(logs.allows(req({ subresource: 'log' })), true);
    assert.equal(logs.allows(req({})), false);
    assert.equal(logs.allows(req({ subresource: 'status' })), false);
  });

  it('grants a subresource of every resource with */sub', () => {
    const scale = new CompiledRules([
      rule({ verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }),
    ]);
    assert.equal(
      scale.allows(req({ verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'scale' })),
      true,
    );
    assert.equal(
      scale.allows(req({ verb: 'update', apiGroup: 'apps', resource: 'replicasets', subresource: 'scale' })),
      true,
    );
    assert.equal(scale.allows(req({ verb: 'update', apiGroup: 'apps', resource: 'deployments' })), false);
    assert.equal(
      scale.allows(req({ verb: 'update', apiGroup: 'apps', resource: 'deployments', subresource: 'status' })),
      false,
    );
  });

  it('lets * match every verb, group, resource and subresource', () => {
    const all = new CompiledRules([rule({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] })]);
    assert.equal(
      all.allows(req({ verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments' })),
      true,
    );
    assert.equal(all.allows(req({ verb: 'create', resource: 'pods', subresource: 'binding' })), true);
    assert.equal(all.allows(req({ verb: '*', resource: '*' })), true);
    // A request for every verb is only granted by a rule for every verb.
    assert.equal(podReader.allows(req({ verb: '*' })), false);
  });

  it('limits rules with resourceNames to requests naming one of them', () => {
    const lease = new CompiledRules([
      rule({
        verbs: ['get', 'update'],
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        resourceNames: ['kube-scheduler'],
      }),
    ]);
    const base = { apiGroup: 'coordination.k8s.io', resource: 'leases' };
    assert.equal(lease.allows(req({ ...base, name: 'kube-scheduler' })), true);
    assert.equal(lease.allows(req({ ...base, name: 'other' })), false);
    // A list names no object, so a rule limited to names cannot grant it.
    assert.equal(lease.allows(req({ ...base, verb: 'get', name: '' })), false);
  });

  it('matches non-resource URLs exactly or by a trailing * prefix', () => {
    const urls = new CompiledRules([
      rule({ verbs: ['get'], apiGroups: [], nonResourceUrls: ['/healthz', '/metrics/*'] }),
    ]);
    assert.equal(urls.allowsNonResource('get', '/healthz'), true);
    assert.equal(urls.allowsNonResource('get', '/metrics/cadvisor'), true);
    assert.equal(urls.allowsNonResource('get', '/version'), false);
    assert.equal(urls.allowsNonResource('post', '/healthz'), false);
    assert.equal(urls.allows(req({})), false);
  });
});
