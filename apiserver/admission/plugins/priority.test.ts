import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../../sdk/errors.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { type PriorityClassLister, priority } from './priority.js';
import { attrsFor } from './testing.js';

function pc(name: string, value: number, opts: Partial<PriorityClass> = {}): PriorityClass {
  return PriorityClass.fromPartial({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    preemptionPolicy: 'PreemptLowerPriority',
    ...opts,
  });
}

function lister(classes: PriorityClass[]): PriorityClassLister {
  return {
    get: async (name) => classes.find((c) => c.metadata?.name === name),
    list: async () => classes,
  };
}

function newPod(spec: Partial<NonNullable<Pod['spec']>> = {}): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', namespace: 'default' },
    spec: { containers: [{ name: 'web', image: 'nginx' }], ...spec },
  });
}

async function admitted(classes: PriorityClass[], p: Pod): Promise<Pod> {
  await priority(lister(classes)).admit!(attrsFor('CREATE', p));
  return p;
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  assert.fail('expected a refusal');
}

const high = pc('high', 1000);
const never = pc('batch', 50, { preemptionPolicy: 'Never' });

describe('Priority admission', () => {
  it('resolves the named class into priority and preemption policy', async () => {
    const p = await admitted([high, never], newPod({ priorityClassName: 'batch' }));
    assert.equal(p.spec?.priority, 50);
    assert.equal(p.spec?.preemptionPolicy, 'Never');
  });

  it('gives a Pod without a class priority 0 when no class is the default', async () => {
    const p = await admitted([high], newPod());
    assert.equal(p.spec?.priority, 0);
    assert.equal(p.spec?.priorityClassName, '');
    assert.equal(p.spec?.preemptionPolicy, 'PreemptLowerPriority');
  });

  it('gives a Pod without a class the global default, the lowest when two claim it', async () => {
    const defaults = [high, pc('d2', 300, { globalDefault: true }), pc('d1', 200, { globalDefault: true })];
    const p = await admitted(defaults, newPod());
    assert.equal(p.spec?.priorityClassName, 'd1');
    assert.equal(p.spec?.priority, 200);
  });

  it('refuses an unknown class, naming the field', async () => {
    const err = await refusal(admitted([high], newPod({ priorityClassName: 'nope' })));
    assert.equal(err.code, Code.PERMISSION_DENIED);
    assert.match(err.message, /^pods "web" is forbidden: no PriorityClass with name nope was found/);
    assert.equal(err.causes[0]?.field, 'spec.priorityClassName');
  });

  it('accepts a priority equal to the class value and refuses one that disagrees', async () => {
    const same = await admitted([high], newPod({ priorityClassName: 'high', priority: 1000 }));
    assert.equal(same.spec?.priority, 1000);
    const err = await refusal(admitted([high], newPod({ priorityClassName: 'high', priority: 7 })));
    assert.equal(err.code, Code.PERMISSION_DENIED);
    assert.equal(
      err.message,
      'pods "web" is forbidden: the integer value of priority (7) must not be provided in pod spec; priority admission controller computed 1000 from the given PriorityClass name',
    );
    const policy = await refusal(
      admitted([never], newPod({ priorityClassName: 'batch', preemptionPolicy: 'PreemptLowerPriority' })),
    );
    assert.match(policy.message, /PreemptionPolicy \(PreemptLowerPriority\) must not be provided/);
  });

  it('keeps priority and preemption policy through an update that leaves them out', async () => {
    const old = newPod({ priorityClassName: 'high', priority: 1000, preemptionPolicy: 'Never' });
    const updated = newPod({ priorityClassName: 'high' });
    await priority(lister([high])).admit!(attrsFor('UPDATE', updated, { oldObject: old }));
    assert.equal(updated.spec?.priority, 1000);
    assert.equal(updated.spec?.preemptionPolicy, 'Never');
  });

  it('allows one global default only, and keeps the system classes', async () => {
    const plugin = priority(lister([high, pc('d1', 200, { globalDefault: true })]));
    const second = pc('d2', 100, { globalDefault: true });
    const err = await refusal(Promise.resolve(plugin.validate!(attrsFor('CREATE', second))));
    assert.equal(
      err.message,
      'priorityclasses "d2" is forbidden: PriorityClass d1 is already marked as default. Only one default can exist',
    );
    // The default itself may be updated, and a class that is not the default is fine.
    await plugin.validate!(attrsFor('UPDATE', pc('d1', 200, { globalDefault: true }), { oldObject: second }));
    await plugin.validate!(attrsFor('CREATE', pc('low', 1)));
    const sys = pc('system-node-critical', 2_000_001_000);
    const del = await refusal(
      Promise.resolve(plugin.validate!(attrsFor('DELETE', undefined, { oldObject: sys }))),
    );
    assert.match(del.message, /this is a system priority class and cannot be deleted/);
  });
});
