import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { RuleWithOperations } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { type KindInfo, kinds } from '../../../sdk/kinds.js';
import type { AdmissionAttributes, Operation } from '../types.js';
import { namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from './matching.js';

const info = (kind: string): KindInfo => kinds.find((k) => k.kind === kind)!;

function attrs(
  kind: string,
  opts: {
    operation?: Operation;
    subresource?: string;
    namespace?: string;
    labels?: Record<string, string>;
    oldLabels?: Record<string, string>;
  } = {},
): AdmissionAttributes {
  const obj = (labels: Record<string, string>) =>
    ({ apiVersion: 'v1', kind, metadata: { labels } }) as unknown as KindObject;
  return {
    operation: opts.operation ?? 'CREATE',
    info: info(kind),
    subresource: opts.subresource ?? '',
    namespace: opts.namespace ?? (info(kind).namespaced ? 'default' : ''),
    name: 'x',
    ...(opts.labels ? { object: obj(opts.labels) } : {}),
    ...(opts.oldLabels ? { oldObject: obj(opts.oldLabels) } : {}),
    ctx: { user: 'u', groups: [], dryRun: false, now: new Date() },
  };
}

function rule(resources: string[], extra: Partial<RuleWithOperations> = {}): RuleWithOperations {
  return { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources, ...extra };
}

describe('webhook rules', () => {
  test('resources and subresources', () => {
    const table: [string[], string, string, boolean][] = [
      [['pods'], 'Pod', '', true],
      [['pods'], 'Pod', 'status', false],
      [['pods/status'], 'Pod', 'status', true],
      [['pods/status'], 'Pod', '', false],
      [['pods/*'], 'Pod', '', true],
      [['pods/*'], 'Pod', 'binding', true],
      [['*'], 'Deployment', '', true],
      [['*'], 'Deployment', 'scale', false],
      [['*/scale'], 'Deployment', 'scale', true],
      [['*/scale'], 'Pod', 'status', false],
      [['*/*'], 'ReplicaSet', 'status', true],
      [['deployments', 'pods'], 'Pod', '', true],
      [['deployments'], 'Pod', '', false],
    ];
    for (const [resources, kind, sub, want] of table) {
      assert.equal(
        ruleMatches(rule(resources), attrs(kind, { subresource: sub })),
        want,
        `${resources} ~ ${kind}/${sub}`,
      );
    }
  });

  test('operations, groups, versions', () => {
    assert.ok(ruleMatches(rule(['pods'], { operations: ['CREATE'] }), attrs('Pod')));
    assert.ok(!ruleMatches(rule(['pods'], { operations: ['UPDATE', 'DELETE'] }), attrs('Pod')));
    assert.ok(ruleMatches(rule(['pods'], { operations: ['UPDATE'] }), attrs('Pod', { operation: 'UPDATE' })));
    assert.ok(ruleMatches(rule(['pods'], { apiGroups: [''] }), attrs('Pod')));
    assert.ok(!ruleMatches(rule(['pods'], { apiGroups: ['apps'] }), attrs('Pod')));
    assert.ok(ruleMatches(rule(['deployments'], { apiGroups: ['apps'] }), attrs('Deployment')));
    assert.ok(ruleMatches(rule(['pods'], { apiVersions: ['v1'] }), attrs('Pod')));
    assert.ok(!ruleMatches(rule(['pods'], { apiVersions: ['v1beta1'] }), attrs('Pod')));
  });

  test('scope', () => {
    assert.ok(ruleMatches(rule(['*'], { scope: 'Namespaced' }), attrs('Pod')));
    assert.ok(!ruleMatches(rule(['*'], { scope: 'Namespaced' }), attrs('Node')));
    assert.ok(ruleMatches(rule(['*'], { scope: 'Cluster' }), attrs('Node')));
    assert.ok(!ruleMatches(rule(['*'], { scope: 'Cluster' }), attrs('Pod')));
    assert.ok(ruleMatches(rule(['*'], { scope: '*' }), attrs('Pod')));
    assert.ok(ruleMatches(rule(['*']), attrs('Node')));
  });
});

describe('webhook selectors', () => {
  const sel = (matchLabels: Record<string, string>) => ({ matchLabels, matchExpressions: [] });

  test('objectSelector: unset matches everything; the new or the old object may match', () => {
    assert.ok(objectSelectorMatches(undefined, attrs('Pod', { labels: {} })));
    assert.ok(objectSelectorMatches(sel({}), attrs('Pod', { labels: {} })));
    assert.ok(objectSelectorMatches(sel({ a: '1' }), attrs('Pod', { labels: { a: '1' } })));
    assert.ok(!objectSelectorMatches(sel({ a: '1' }), attrs('Pod', { labels: { a: '2' } })));
    assert.ok(objectSelectorMatches(sel({ a: '1' }), attrs('Pod', { labels: {}, oldLabels: { a: '1' } })));
    const notIn = { matchLabels: {}, matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] };
    assert.ok(objectSelectorMatches(notIn, attrs('Pod', { labels: {} })));
  });

  test('namespaceSelector: the namespace of namespaced objects, a Namespace itself, never other cluster objects', async () => {
    const lookups: string[] = [];
    const labelsOf = async (ns: string) => {
      lookups.push(ns);
      return ns === 'prod' ? { env: 'prod' } : ns === 'dev' ? { env: 'dev' } : undefined;
    };
    const prod = sel({ env: 'prod' });
    assert.ok(await namespaceSelectorMatches(prod, attrs('Pod', { namespace: 'prod' }), labelsOf));
    assert.ok(!(await namespaceSelectorMatches(prod, attrs('Pod', { namespace: 'dev' }), labelsOf)));
    assert.ok(!(await namespaceSelectorMatches(prod, attrs('Pod', { namespace: 'missing' }), labelsOf)));
    assert.ok(
      await namespaceSelectorMatches(prod, attrs('Node'), labelsOf),
      'cluster-scoped objects always match',
    );
    assert.ok(
      await namespaceSelectorMatches(prod, attrs('Namespace', { labels: { env: 'prod' } }), labelsOf),
    );
    assert.ok(!(await namespaceSelectorMatches(prod, attrs('Namespace', { labels: {} }), labelsOf)));
    assert.deepEqual(lookups, ['prod', 'dev', 'missing']);
    assert.ok(await namespaceSelectorMatches(undefined, attrs('Pod', { namespace: 'dev' }), labelsOf));
  });
});
