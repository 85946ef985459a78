import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LimitRange } from '../../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { limitRangeStrategy } from './strategy.js';

describe('LimitRange', () => {
  const strategy = limitRangeStrategy();
  const lr = () =>
    fromYaml<LimitRange>(`
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: default}
spec:
  limits:
  - type: Container
    max: {cpu: "2", memory: 1Gi}
    min: {cpu: 50m}
    default: {cpu: 500m}
`);

  it('defaults limits to max and requests to the default', () => {
    const l = lr();
    strategy.applyDefaults(l);
    const item = l.spec!.limits[0]!;
    assert.deepEqual(item.default, { cpu: '500m', memory: '1Gi' });
    assert.deepEqual(item.defaultRequest, { cpu: '500m', memory: '1Gi' });
    assert.deepEqual(messages(strategy.validate(l, ctx)), []);
  });

  it('needs min ≤ defaultRequest ≤ default ≤ max and a known type', () => {
    const l = lr();
    const item = l.spec!.limits[0]!;
    item.default.cpu = '3';
    item.defaultRequest.cpu = '10m';
    l.spec!.limits.push({
      type: 'Cluster',
      max: {},
      min: {},
      default: {},
      defaultRequest: {},
      maxLimitRequestRatio: {},
    });
    assert.deepEqual(messages(strategy.validate(l, ctx)), [
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "10m": min value 50m is greater than default request value 10m',
      'spec.limits[0].default[cpu]: Invalid value: "3": default value 3 is greater than max value 2',
      'spec.limits[1].type: Unsupported value: "Cluster": supported values: "Container", "Pod", "PersistentVolumeClaim"',
    ]);
  });
});
