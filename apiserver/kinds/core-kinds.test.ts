import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import type { LimitRange } from '../../sdk/gen/wheelhouse/core/v1/limit_range.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { ResourceQuota } from '../../sdk/gen/wheelhouse/core/v1/resource_quota.js';
import type { Secret } from '../../sdk/gen/wheelhouse/core/v1/secret.js';
import { configMapStrategy } from './config-map/strategy.js';
import { eventStrategy } from './event/strategy.js';
import { leaseStrategy } from './lease/strategy.js';
import { limitRangeStrategy } from './limit-range/strategy.js';
import { nodeStrategy } from './node/strategy.js';
import { resourceQuotaStrategy } from './resource-quota/strategy.js';
import { secretStrategy } from './secret/strategy.js';
import { ctx, fromYaml, messages } from './testing.js';

describe('Node', () => {
  const strategy = nodeStrategy();
  const node = () =>
    fromYaml<Node>(`
apiVersion: v1
kind: Node
metadata: {name: node-1}
spec:
  podCIDR: 10.244.1.0/24
  podCIDRs: [10.244.1.0/24]
  taints: [{key: dedicated, value: gpu, effect: NoSchedule}]
status:
  capacity: {cpu: "4", memory: 16Gi, pods: "110"}
  addresses: [{type: InternalIP, address: 192.168.1.10}]
  conditions: [{type: Ready, status: "True"}]
`);

  it('keeps the status a kubelet registers with, defaulting allocatable to capacity', () => {
    const n = node();
    strategy.applyDefaults(n);
    strategy.prepareForCreate(n, ctx);
    assert.deepEqual(n.status?.allocatable, { cpu: '4', memory: '16Gi', pods: '110' });
    assert.deepEqual(messages(strategy.validate(n, ctx)), []);
  });

  it('refuses unknown taint effects and duplicate key/effect pairs', () => {
    const n = node();
    n.spec!.taints.push(
      { key: 'dedicated', value: 'cpu', effect: 'NoSchedule' },
      { key: 'x', value: '', effect: 'Never' },
    );
    assert.deepEqual(messages(strategy.validate(n, ctx)), [
      'spec.taints[1]: Duplicate value: "dedicated:NoSchedule"',
      'spec.taints[2].effect: Unsupported value: "Never": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ]);
  });

  it('refuses a podCIDR change and selects on spec.unschedulable', () => {
    const old = node();
    const n = node();
    n.spec!.podCidr = '10.244.2.0/24';
    n.spec!.podCidrs = ['10.244.2.0/24'];
    n.spec!.unschedulable = true;
    assert.deepEqual(messages(strategy.validateUpdate(n, old, ctx)), [
      'spec.podCIDR: Forbidden: node updates may not change podCIDR except from "" to valid',
    ]);
    assert.equal(strategy.fieldSelectors?.['spec.unschedulable']?.(n), 'true');
  });

  it('validates status quantities on the status endpoint', () => {
    const old = node();
    const n = node();
    n.status!.capacity.memory = 'sixteen';
    strategy.status!.prepareForUpdate(n, old, ctx);
    assert.equal(strategy.status!.validateUpdate(n, old, ctx)[0]?.path, 'status.capacity[memory]');
  });
});

describe('Event', () => {
  const strategy = eventStrategy(3600);
  const event = () =>
    fromYaml<Event>(`
apiVersion: v1
kind: Event
metadata: {name: web.17a2, namespace: default}
involvedObject: {kind: Pod, name: web, namespace: default, uid: u-1}
reason: Scheduled
message: Successfully assigned default/web to node-1
type: Normal
source: {component: default-scheduler}
count: 1
`);

  it('accepts a realistic Event and selects on its fields', () => {
    const e = event();
    assert.deepEqual(messages(strategy.validate(e, ctx)), []);
    const f = strategy.fieldSelectors!;
    assert.deepEqual(
      [
        'involvedObject.kind',
        'involvedObject.name',
        'involvedObject.namespace',
        'involvedObject.uid',
        'reason',
        'type',
        'source',
      ].map((k) => f[k]?.(e)),
      ['Pod', 'web', 'default', 'u-1', 'Scheduled', 'Normal', 'default-scheduler'],
    );
    assert.equal(strategy.ttlSeconds?.(e), 3600);
  });

  it('needs an involved object in its namespace and a known type', () => {
    const e = event();
    e.type = 'Info';
    e.involvedObject!.namespace = 'other';
    assert.deepEqual(messages(strategy.validate(e, ctx)), [
      'involvedObject.namespace: Invalid value: "other": does not match event.namespace',
      'type: Unsupported value: "Info": supported values: "Normal", "Warning"',
    ]);
    e.involvedObject = undefined;
    e.type = 'Warning';
    assert.deepEqual(messages(strategy.validate(e, ctx)), ['involvedObject: Required value']);
  });
});

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
