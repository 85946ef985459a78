import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { namespaceStrategy } from './strategy.js';

const strategy = namespaceStrategy();

function created(): Namespace {
  const ns = fromYaml<Namespace>('{apiVersion: v1, kind: Namespace, metadata: {name: team-a}}');
  strategy.applyDefaults(ns);
  strategy.prepareForCreate(ns, ctx);
  return ns;
}

describe('Namespace', () => {
  it('is created Active with the kubernetes finalizer, and names are DNS labels', () => {
    const ns = created();
    assert.equal(ns.status?.phase, 'Active');
    assert.deepEqual(ns.spec?.finalizers, ['kubernetes']);
    assert.equal(strategy.nameRule, 'label');
    assert.deepEqual(messages(strategy.validate(ns, ctx)), []);
  });

  it('refuses finalizers that are neither standard nor qualified', () => {
    const ns = created();
    ns.spec!.finalizers.push('cleanup', 'example.com/cleanup');
    assert.deepEqual(messages(strategy.validate(ns, ctx)), [
      'spec.finalizers[1]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('keeps the phase on the main endpoint; the status phase follows deletion', () => {
    const old = created();
    const ns = created();
    ns.status!.phase = 'Terminating';
    strategy.prepareForUpdate(ns, old, ctx);
    assert.equal(ns.status?.phase, 'Active');

    const s = created();
    s.status!.phase = 'Terminating';
    strategy.status!.prepareForUpdate(s, old, ctx);
    assert.deepEqual(messages(strategy.status!.validateUpdate(s, old, ctx)), [
      'status.phase: Invalid value: "Terminating": a namespace may only be in active status if it does not have a deletion timestamp',
    ]);
    s.status!.phase = 'Gone';
    assert.deepEqual(messages(strategy.status!.validateUpdate(s, old, ctx)), [
      'status.phase: Unsupported value: "Gone": supported values: "Active", "Terminating"',
    ]);
  });

  it('changes spec.finalizers through finalize only, which keeps metadata and status', () => {
    const old = created();
    const viaMain = created();
    viaMain.spec!.finalizers = [];
    viaMain.metadata!.labels = { team: 'a' };
    strategy.prepareForUpdate(viaMain, old, ctx);
    assert.deepEqual(viaMain.spec?.finalizers, ['kubernetes']);
    assert.deepEqual(viaMain.metadata?.labels, { team: 'a' });

    const viaFinalize = created();
    viaFinalize.spec!.finalizers = ['example.com/cleanup'];
    viaFinalize.status!.phase = 'Terminating';
    viaFinalize.metadata!.labels = { 'not a label': 'x' };
    strategy.finalize!.prepareForUpdate(viaFinalize, old, ctx);
    assert.deepEqual(viaFinalize.spec?.finalizers, ['example.com/cleanup']);
    assert.equal(viaFinalize.status?.phase, 'Active');
    assert.deepEqual(viaFinalize.metadata?.labels, old.metadata?.labels, 'metadata stays as stored');
    assert.deepEqual(messages(strategy.finalize!.validateUpdate(viaFinalize, old, ctx)), []);
    viaFinalize.spec!.finalizers = ['cleanup'];
    assert.deepEqual(messages(strategy.finalize!.validateUpdate(viaFinalize, old, ctx)), [
      'spec.finalizers[0]: Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified',
    ]);
  });

  it('turns Terminating when deleted and is held while spec.finalizers remain', () => {
    const ns = created();
    strategy.deletion!.prepareForDelete!(ns);
    assert.equal(ns.status?.phase, 'Terminating');
    assert.equal(strategy.deletion!.holdsDeletion!(ns), true);
    ns.spec!.finalizers = [];
    assert.equal(strategy.deletion!.holdsDeletion!(ns), false);
    assert.equal(strategy.fieldSelectors?.['status.phase']?.(ns), 'Terminating');
  });
});
