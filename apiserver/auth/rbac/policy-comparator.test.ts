import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PolicyRule } from '../../../sdk/gen/wheelhouse/rbac/v1/policy.js';
import {
  breakdownRule,
  describeRule,
  fullAuthority,
  ruleCovers,
  uncoveredRules,
} from './policy-comparator.js';
import { rule } from './policy-rule.js';

const r = rule;

function url(verbs: string[], nonResourceUrls: string[]): PolicyRule {
  return { verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceUrls };
}

const covers = (held: readonly PolicyRule[], wanted: readonly PolicyRule[]) =>
  uncoveredRules(held, wanted).length === 0;

describe('policy comparator', () => {
  test('a rule breaks down into one rule per group, resource, verb and name', () => {
    const atoms = breakdownRule(r(['get', 'list'], ['', 'apps'], ['pods'], ['a', 'b']));
    assert.equal(atoms.length, 8);
    assert.deepEqual(atoms[0], r(['get'], [''], ['pods'], ['a']));
    assert.equal(breakdownRule(url(['get', 'post'], ['/healthz', '/metrics'])).length, 4);
  });

  test('the same or fewer verbs are covered; more are not', () => {
    const held = [r(['get', 'list', 'watch'], [''], ['pods'])];
    assert.ok(covers(held, [r(['get', 'list'], [''], ['pods'])]));
    assert.ok(!covers(held, [r(['get', 'delete'], [''], ['pods'])]));
    assert.deepEqual(uncoveredRules(held, [r(['get', 'delete'], [''], ['pods'])]), [
      r(['delete'], [''], ['pods']),
    ]);
  });

  test('`*` covers every verb, group and resource, and is covered only by `*`', () => {
    const star = [r(['*'], ['*'], ['*'])];
    assert.ok(covers(star, [r(['escalate'], ['rbac.authorization.k8s.io'], ['roles/status'], ['x'])]));
    assert.ok(!covers([r(['get', 'list'], [''], ['pods'])], [r(['*'], [''], ['pods'])]));
    assert.ok(!covers([r(['get'], ['', 'apps'], ['pods'])], [r(['get'], ['*'], ['pods'])]));
    assert.ok(!covers([r(['get'], [''], ['pods', 'secrets'])], [r(['get'], [''], ['*'])]));
    assert.ok(
      covers(
        star,
        fullAuthority.filter((x) => x.resources.length > 0),
      ),
    );
    assert.ok(!covers(star, fullAuthority), 'resource rules do not cover URLs');
  });

  test('a resource does not cover its subresources; `*/sub` covers that subresource of any resource', () => {
    assert.ok(!covers([r(['get'], [''], ['pods'])], [r(['get'], [''], ['pods/log'])]));
    assert.ok(!covers([r(['get'], [''], ['pods/log'])], [r(['get'], [''], ['pods'])]));
    assert.ok(covers([r(['get'], [''], ['pods/log'])], [r(['get'], [''], ['pods/log'])]));
    assert.ok(
      covers([r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments/scale'])]),
    );
    assert.ok(!covers([r(['update'], ['apps'], ['*/scale'])], [r(['update'], ['apps'], ['deployments'])]));
  });

  test('resourceNames: a rule without names covers any; a named rule covers only its names', () => {
    assert.ok(covers([r(['get'], [''], ['secrets'])], [r(['get'], [''], ['secrets'], ['a'])]));
    assert.ok(covers([r(['get'], [''], ['secrets'], ['a', 'b'])], [r(['get'], [''], ['secrets'], ['a'])]));
    assert.ok(!covers([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'], ['a', 'c'])]));
    assert.ok(!covers([r(['get'], [''], ['secrets'], ['a'])], [r(['get'], [''], ['secrets'])]));
  });

  test('non-resource URLs: exact paths and prefixes ending in `*`', () => {
    assert.ok(covers([url(['get'], ['/metrics'])], [url(['get'], ['/metrics'])]));
    assert.ok(covers([url(['get'], ['/healthz/*'])], [url(['get'], ['/healthz/ready'])]));
    assert.ok(covers([url(['*'], ['*'])], [url(['post'], ['/anything'])]));
    assert.ok(!covers([url(['get'], ['/healthz'])], [url(['get'], ['/healthz/ready'])]));
    assert.ok(!covers([url(['get'], ['/metrics'])], [url(['post'], ['/metrics'])]));
    assert.ok(!covers([r(['*'], ['*'], ['*'])], [url(['get'], ['/metrics'])]));
  });

  test('several held rules together cover what none covers alone', () => {
    const held = [r(['get'], [''], ['pods']), r(['list'], [''], ['pods'])];
    assert.ok(covers(held, [r(['get', 'list'], [''], ['pods'])]));
    assert.ok(!ruleCovers(held[0]!, r(['list'], [''], ['pods'])));
  });

  test('rules print as Kubernetes prints them', () => {
    assert.equal(
      describeRule(r(['get'], [''], ['secrets'])),
      '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}',
    );
    assert.equal(
      describeRule(r(['get'], [''], ['secrets'], ['a'])),
      '{APIGroups:[""], Resources:["secrets"], ResourceNames:["a"], Verbs:["get"]}',
    );
    assert.equal(describeRule(url(['get'], ['/metrics'])), '{NonResourceURLs:["/metrics"], Verbs:["get"]}');
  });
});
