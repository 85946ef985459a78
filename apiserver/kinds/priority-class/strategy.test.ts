import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { priorityClassStrategy } from './strategy.js';

const strategy = priorityClassStrategy();

function created(yaml = ''): PriorityClass {
  const pc = fromYaml<PriorityClass>(
    yaml ||
      `
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata:
  name: high-priority
value: 1000000
globalDefault: false
description: "This priority class should be used for XYZ service pods only."
`,
  );
  strategy.applyDefaults(pc);
  strategy.prepareForCreate(pc, ctx);
  return pc;
}

describe('PriorityClass', () => {
  it('decodes a Kubernetes manifest and defaults the preemption policy', () => {
    const pc = created();
    assert.equal(pc.value, 1_000_000);
    assert.equal(pc.globalDefault, false);
    assert.equal(pc.description, 'This priority class should be used for XYZ service pods only.');
    assert.equal(pc.preemptionPolicy, 'PreemptLowerPriority');
    assert.deepEqual(messages(strategy.validate(pc, ctx)), []);
  });

  it('keeps preemptionPolicy: Never', () => {
    const pc = created(`
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high-priority-nonpreempting}
value: 1000000
preemptionPolicy: Never
globalDefault: false
`);
    assert.equal(pc.preemptionPolicy, 'Never');
    assert.deepEqual(messages(strategy.validate(pc, ctx)), []);
  });

  const cases: [string, (pc: PriorityClass) => void, string[]][] = [
    [
      'a user class above one billion',
      (pc) => (pc.value = 1_000_000_001),
      ['value: Forbidden: maximum allowed value of a user defined priority is 1000000000'],
    ],
    [
      'an unknown system- name',
      (pc) => (pc.metadata!.name = 'system-mine'),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class",
      ],
    ],
    [
      'a system class with another value',
      (pc) => (pc.metadata!.name = 'system-node-critical'),
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: value of system-node-critical PriorityClass must be 2000001000",
      ],
    ],
    [
      'a system class as the global default',
      (pc) => {
        pc.metadata!.name = 'system-cluster-critical';
        pc.value = 2_000_000_000;
        pc.globalDefault = true;
      },
      [
        "metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: globalDefault of system-cluster-critical PriorityClass must be false",
      ],
    ],
    [
      'an unknown preemption policy',
      (pc) => (pc.preemptionPolicy = 'Sometimes'),
      ['preemptionPolicy: Unsupported value: "Sometimes": supported values: "Never", "PreemptLowerPriority"'],
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const pc = created();
      mutate(pc);
      assert.deepEqual(messages(strategy.validate(pc, ctx)), expected);
    });
  }

  it('accepts the built-in system classes exactly', () => {
    const pc = created();
    pc.metadata!.name = 'system-node-critical';
    pc.value = 2_000_001_000;
    assert.deepEqual(messages(strategy.validate(pc, ctx)), []);
  });

  it('keeps value and preemption policy on update; the description may change', () => {
    const old = created();
    const pc = created();
    pc.description = 'now for batch';
    pc.globalDefault = true;
    assert.deepEqual(messages(strategy.validateUpdate(pc, old, ctx)), []);
    pc.value = 5;
    pc.preemptionPolicy = 'Never';
    assert.deepEqual(messages(strategy.validateUpdate(pc, old, ctx)), [
      'value: Forbidden: may not be changed in an update.',
      'preemptionPolicy: Invalid value: "Never": field is immutable',
    ]);
  });
});
