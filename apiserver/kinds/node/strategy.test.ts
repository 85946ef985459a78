import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { nodeStrategy } from './strategy.js';

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
