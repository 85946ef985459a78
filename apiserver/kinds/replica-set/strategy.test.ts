import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { replicaSetStrategy } from './strategy.js';

const strategy = replicaSetStrategy();

function created(): ReplicaSet {
  const rs = fromYaml<ReplicaSet>(`
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d8f, namespace: default}
spec:
  selector:
    matchExpressions: [{key: app, operator: In, values: [web]}]
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx:1.25}]
`);
  strategy.applyDefaults(rs);
  strategy.prepareForCreate(rs, ctx);
  return rs;
}

describe('ReplicaSet', () => {
  it('defaults replicas to 1 and the template as a Pod', () => {
    const rs = created();
    assert.equal(rs.spec?.replicas, 1);
    assert.equal(rs.spec?.template?.spec?.dnsPolicy, 'ClusterFirst');
  });

  it('accepts a realistic ReplicaSet', () => {
    assert.deepEqual(messages(strategy.validate(created(), ctx)), []);
  });

  it('reports every failure together with its path', () => {
    const rs = created();
    rs.spec!.replicas = -2;
    rs.spec!.template!.metadata!.labels = { app: 'api' };
    rs.spec!.template!.spec!.restartPolicy = 'OnFailure';
    assert.deepEqual(messages(strategy.validate(rs, ctx)), [
      'spec.replicas: Invalid value: -2: must be greater than or equal to 0',
      'spec.template.metadata.labels: Invalid value: {"app":"api"}: `selector` does not match template `labels`',
      'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"',
    ]);
  });

  it('refuses an invalid selector without also reporting a mismatch', () => {
    const rs = created();
    rs.spec!.selector!.matchExpressions[0]!.operator = 'Like';
    assert.deepEqual(messages(strategy.validate(rs, ctx)), [
      'spec.selector.matchExpressions[0].operator: Invalid value: "Like": not a valid selector operator',
    ]);
  });

  it('refuses a selector change', () => {
    const old = created();
    const rs = created();
    rs.spec!.selector!.matchExpressions[0]!.values = ['web', 'api'];
    assert.equal(strategy.validateUpdate(rs, old, ctx)[0]?.path, 'spec.selector');
  });

  it('validates status counts', () => {
    const old = created();
    const rs = created();
    rs.status = {
      replicas: 2,
      fullyLabeledReplicas: 3,
      readyReplicas: 2,
      availableReplicas: 1,
      observedGeneration: '1',
      conditions: [],
    };
    strategy.status!.prepareForUpdate(rs, old, ctx);
    assert.deepEqual(messages(strategy.status!.validateUpdate(rs, old, ctx)), [
      'status.fullyLabeledReplicas: Invalid value: 3: cannot be greater than status.replicas',
    ]);
    assert.equal(strategy.fieldSelectors?.['status.replicas']?.(rs), '2');
  });
});
