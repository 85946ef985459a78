import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { ResourceQuota } from '../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import { configMapStrategy } from './config-map/strategy.js';
import { leaseStrategy } from './lease/strategy.js';
import { resourceQuotaStrategy } from './resource-quota/strategy.js';
import { secretStrategy } from './secret/strategy.js';
import { ctx, fromYaml, messages } from './testing.js';

describe('ConfigMap and Secret', () => {
  const cm = () =>
    fromYaml<ConfigMap>(`
apiVersion: v1
kind: ConfigMap
metadata: {name: web-config, namespace: default}
data: {nginx.conf: "worker_processes 1;", MODE: production}
`);

  it('refuses bad keys, keys in both maps and more than 1 MiB', () => {
    const c = cm();
    c.data['bad/key'] = 'x';
    c.binaryData.MODE = Buffer.from('x');
    c.data.big = 'x'.repeat(1024 * 1024);
    assert.deepEqual(
      configMapStrategy()
        .validate(c, ctx)
        .map((e) => `${e.path}: ${e.type}`),
      ['data[bad/key]: Invalid', 'data[MODE]: Invalid', ': TooLong'],
    );
  });

  it('keeps an immutable ConfigMap as it is', () => {
    const old = cm();
    old.immutable = true;
    const c = cm();
    c.immutable = true;
    assert.deepEqual(messages(configMapStrategy().validateUpdate(c, old, ctx)), []);
    c.data.MODE = 'debug';
    c.immutable = false;
    assert.deepEqual(messages(configMapStrategy().validateUpdate(c, old, ctx)), [
      'immutable: Forbidden: field is immutable when `immutable` is set',
      'data: Forbidden: field is immutable when `immutable` is set',
    ]);
  });

  const secret = () =>
    fromYaml<Secret>(`
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: default}
data: {password: czNjcjN0}
stringData: {username: admin}
`);

  it('defaults the type to Opaque and folds stringData into data', () => {
    const s = secret();
    secretStrategy().applyDefaults(s);
    assert.equal(s.type, 'Opaque');
    assert.equal(s.data.username?.toString(), 'admin');
    assert.equal(s.data.password?.toString(), 's3cr3t');
    assert.deepEqual(s.stringData, {});
    assert.deepEqual(messages(secretStrategy().validate(s, ctx)), []);
    assert.equal(secretStrategy().fieldSelectors?.type?.(s), 'Opaque');
  });

  it('requires the keys of typed Secrets and keeps the type', () => {
    const s = secret();
    s.type = 'kubernetes.io/tls';
    secretStrategy().applyDefaults(s);
    assert.deepEqual(messages(secretStrategy().validate(s, ctx)), [
      'data[tls.crt]: Required value',
      'data[tls.key]: Required value',
    ]);
    const old = secret();
    secretStrategy().applyDefaults(old);
    const changed = secretStrategy().validateUpdate(s, old, ctx);
    assert.equal(changed.at(-1)?.path, 'type');
  });
});

describe('ResourceQuota and Lease', () => {
  it('parses hard quantities and keeps status apart', () => {
    const s = resourceQuotaStrategy();
    const q = fromYaml<ResourceQuota>(`
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota, namespace: default}
spec:
  hard: {pods: "10", requests.cpu: "4", limits.memory: 8Gi, count/deployments.apps: "5"}
status:
  used: {pods: "3"}
`);
    s.prepareForCreate(q, ctx);
    assert.equal(q.status, undefined);
    assert.deepEqual(messages(s.validate(q, ctx)), []);
    q.spec!.hard['requests.cpu'] = 'four';
    assert.equal(s.validate(q, ctx)[0]?.path, 'spec.hard[requests.cpu]');
    assert.equal(s.allowUnconditionalUpdate, false);
  });

  it('needs a positive lease duration', () => {
    const s = leaseStrategy();
    const l = fromYaml<Lease>(`
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: node-1, namespace: kube-node-lease}
spec: {holderIdentity: node-1, leaseDurationSeconds: 40}
`);
    assert.deepEqual(messages(s.validate(l, ctx)), []);
    l.spec!.leaseDurationSeconds = 0;
    assert.deepEqual(messages(s.validate(l, ctx)), [
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
    ]);
  });
});
