import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ManagedFieldsEntry } from '../gen/wheelhouse/meta/v1/meta.js';
import type { JsonObject } from '../manifest/index.js';
import { FieldSet } from './field-set.js';
import { fieldsV1Of, treeOfFieldsV1 } from './fields-v1.js';
import { applyNodeOfKind } from './list-types.js';
import {
  ApplyConflictError,
  applyConfiguration,
  decodeManagedFields,
  encodeManagedFields,
  fieldManagerOf,
  isClearingManagedFields,
  LAST_APPLIED_ANNOTATION,
  type ManagedFields,
  trackUpdate,
  trackUpdateOfEntries,
} from './managed-fields.js';
import { compare, FieldPathError, fieldSetOf, mergeApplied } from './typed-value.js';

const podNode = applyNodeOfKind('Pod');
const deployNode = applyNodeOfKind('Deployment');
if (!podNode || !deployNode) throw new Error('Pod and Deployment are in the kind table');
const now = new Date('2026-01-02T03:04:05Z');
const later = new Date('2026-01-02T04:00:00Z');
const podScope = { subresource: '', hasStatus: true };

const deployment = (spec: JsonObject, metadata: JsonObject = {}): JsonObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', ...metadata },
  spec,
});

function apply(
  live: JsonObject | undefined,
  config: JsonObject,
  managers: readonly ManagedFields[],
  manager: string,
  force = false,
) {
  return applyConfiguration({
    node: deployNode as NonNullable<typeof deployNode>,
    live,
    config,
    managers,
    manager,
    apiVersion: 'apps/v1',
    scope: podScope,
    force,
    now: later,
  });
}

function update(
  before: JsonObject | undefined,
  after: JsonObject,
  managers: readonly ManagedFields[],
  manager: string,
) {
  return trackUpdate({
    node: deployNode as NonNullable<typeof deployNode>,
    before,
    after,
    managers,
    manager,
    apiVersion: 'apps/v1',
    scope: podScope,
    now,
  });
}

const fieldsOf = (managers: readonly ManagedFields[], manager: string, operation = 'Apply') =>
  managers.find((m) => m.manager === manager && m.operation === operation)?.fields.toFieldsV1();

describe('field sets of objects', () => {
  it("a pod's containers are keyed by name, ports by containerPort and protocol, finalizers a set, args atomic", () => {
    const set = fieldSetOf(podNode, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['a/b'] },
      spec: {
        containers: [{ name: 'nginx', image: 'nginx', args: ['-g', 'x'], ports: [{ containerPort: 80 }] }],
      },
    });
    assert.deepEqual(set.toFieldsV1(), {
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:finalizers': { 'v:"a/b"': {} }, 'f:labels': { 'f:app': {} }, 'f:name': {} },
      'f:spec': {
        'f:containers': {
          'k:{"name":"nginx"}': {
            '.': {},
            'f:args': {},
            'f:image': {},
            'f:name': {},
            'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
          },
        },
      },
    });
  });

  it('a map list item without its key, or two with the same key, cannot be applied', () => {
    assert.throws(
      () => fieldSetOf(podNode, { spec: { containers: [{ image: 'nginx' }] } }),
      (err: unknown) =>
        err instanceof FieldPathError && err.path === '.spec.containers[0]' && /no "name"/.test(err.message),
    );
    assert.throws(
      () => fieldSetOf(podNode, { spec: { containers: [{ name: 'a' }, { name: 'a' }] } }),
      /\.spec\.containers\[name="a"\]: duplicate entry/,
    );
  });

  it('compare records new maps and items as members, and changed leaves as modified', () => {
    const cmp = compare(
      podNode,
      { metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: '1' }] } },
      {
        metadata: { name: 'p', labels: { x: 'y' } },
        spec: {
          containers: [
            { name: 'a', image: '2' },
            { name: 'b', image: '1' },
          ],
        },
      },
    );
    assert.deepEqual(cmp.added.toFieldsV1(), {
      'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } },
      'f:spec': { 'f:containers': { 'k:{"name":"b"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
    });
    assert.deepEqual(cmp.modified.paths(), [['f:spec', 'f:containers', 'k:{"name":"a"}', 'f:image']]);
    assert.ok(cmp.removed.isEmpty());
  });

  it('merges map lists in the order structured-merge-diff does, and replaces atomic lists', () => {
    const live: JsonObject = {
      spec: {
        containers: [
          { name: 'a', image: '1', args: ['x', 'y'] },
          { name: 'injected', image: 'proxy' },
          { name: 'b', image: '1' },
        ],
      },
    };
    const merged = mergeApplied(podNode, live, {
      spec: {
        containers: [
          { name: 'b', image: '2' },
          { name: 'a', args: ['z'] },
          { name: 'c', image: '3' },
        ],
      },
    });
    assert.deepEqual(merged, {
      spec: {
        containers: [
          { name: 'injected', image: 'proxy' },
          { name: 'b', image: '2' },
          { name: 'a', image: '1', args: ['z'] },
          { name: 'c', image: '3' },
        ],
      },
    });
  });
});

describe('server-side apply', () => {
  const base = deployment({
    replicas: 2,
    template: { spec: { containers: [{ name: 'web', image: 'nginx:1' }] } },
  });

  it('creates: the configuration is the object and its fields the applier’s', () => {
    const { object, managers } = apply(undefined, base, [], 'whctl');
    assert.deepEqual(object, base);
    assert.equal(managers.length, 1);
    assert.deepEqual(fieldsOf(managers, 'whctl'), {
      'f:spec': {
        'f:replicas': {},
        'f:template': {
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    assert.equal(managers[0]?.time, later);
  });

  it('two managers on replicas: a different value conflicts, the same value is shared, force takes it', () => {
    const first = apply(undefined, base, [], 'alice');
    const bob = deployment({ replicas: 5 });
    assert.throws(
      () => apply(first.object, bob, first.managers, 'bob'),
      (err: unknown) =>
        err instanceof ApplyConflictError &&
        err.message === 'Apply failed with 1 conflict: conflict with "alice": .spec.replicas' &&
        err.conflicts[0]?.path === '.spec.replicas',
    );
    const shared = apply(first.object, deployment({ replicas: 2 }), first.managers, 'bob');
    assert.deepEqual(fieldsOf(shared.managers, 'bob'), { 'f:spec': { 'f:replicas': {} } });
    assert.ok(FieldSet.fromFieldsV1(fieldsOf(shared.managers, 'alice')).has(['f:spec', 'f:replicas']));

    const forced = apply(first.object, bob, first.managers, 'bob', true);
    assert.equal((forced.object.spec as JsonObject).replicas, 5);
    assert.ok(!FieldSet.fromFieldsV1(fieldsOf(forced.managers, 'alice')).has(['f:spec', 'f:replicas']));
    assert.ok(FieldSet.fromFieldsV1(fieldsOf(forced.managers, 'bob')).has(['f:spec', 'f:replicas']));
  });

  it('an Update owner conflicts under its apiVersion; several conflicts are listed by manager', () => {
    const first = apply(undefined, base, [], 'alice');
    const scaled = {
      ...first.object,
      spec: { ...(first.object.spec as JsonObject), replicas: 7, paused: true },
    };
    const managers = update(first.object, scaled, first.managers, 'kube-controller-manager');
    assert.throws(
      () => apply(scaled, deployment({ replicas: 3, paused: false }), managers, 'alice'),
      (err: unknown) =>
        err instanceof ApplyConflictError &&
        err.message ===
          'Apply failed with 2 conflicts: conflicts with "kube-controller-manager" using apps/v1:\n- .spec.paused\n- .spec.replicas',
    );
  });

  it('fields the applier drops are removed unless another manager owns them', () => {
    const labelled = deployment({ replicas: 2 }, { labels: { app: 'web', tier: 'front' } });
    const first = apply(undefined, labelled, [], 'alice');
    const dropped = apply(
      first.object,
      deployment({ replicas: 2 }, { labels: { app: 'web' } }),
      first.managers,
      'alice',
    );
    assert.deepEqual((dropped.object.metadata as JsonObject).labels, { app: 'web' });

    // bob shares the label: it stays when alice drops it, and is bob's alone.
    const shared = apply(first.object, deployment({}, { labels: { tier: 'front' } }), first.managers, 'bob');
    const kept = apply(
      shared.object,
      deployment({ replicas: 2 }, { labels: { app: 'web' } }),
      shared.managers,
      'alice',
    );
    assert.deepEqual((kept.object.metadata as JsonObject).labels, { app: 'web', tier: 'front' });
    assert.ok(
      !FieldSet.fromFieldsV1(fieldsOf(kept.managers, 'alice')).has(['f:metadata', 'f:labels', 'f:tier']),
    );
  });

  it('a dropped container goes whole; one another manager added stays', () => {
    const two = deployment({
      template: {
        spec: {
          containers: [
            { name: 'web', image: 'nginx' },
            { name: 'log', image: 'busybox' },
          ],
        },
      },
    });
    const first = apply(undefined, two, [], 'alice');
    const live = structuredClone(first.object);
    const containers = ((live.spec as JsonObject).template as JsonObject).spec as JsonObject;
    (containers.containers as JsonObject[]).push({ name: 'proxy', image: 'envoy' });
    const managers = update(first.object, live, first.managers, 'injector');
    const next = apply(
      live,
      deployment({ template: { spec: { containers: [{ name: 'web', image: 'nginx' }] } } }),
      managers,
      'alice',
    );
    const names = (((next.object.spec as JsonObject).template as JsonObject).spec as JsonObject)
      .containers as JsonObject[];
    assert.deepEqual(
      names.map((c) => c.name),
      ['web', 'proxy'],
    );
  });

  it('an unchanged re-apply keeps the entry’s time', () => {
    const first = apply(undefined, base, [], 'alice');
    const again = applyConfiguration({
      node: deployNode,
      live: first.object,
      config: base,
      managers: first.managers,
      manager: 'alice',
      apiVersion: 'apps/v1',
      scope: podScope,
      force: false,
      now: new Date('2030-01-01T00:00:00Z'),
    });
    assert.equal(again.managers[0]?.time, later);
  });

  it('upgrades from client-side apply: fields still as last applied pass to kubectl without conflict', () => {
    const lastApplied = deployment({ replicas: 2 });
    const live = deployment(
      { replicas: 2 },
      { annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(lastApplied) } },
    );
    const managers = update(undefined, live, [], 'kubectl-client-side-apply');
    const upgraded = apply(live, deployment({ replicas: 4 }), managers, 'kubectl');
    assert.equal((upgraded.object.spec as JsonObject).replicas, 4);
    assert.ok(
      !FieldSet.fromFieldsV1(fieldsOf(upgraded.managers, 'kubectl-client-side-apply', 'Update')).has([
        'f:spec',
        'f:replicas',
      ]),
    );
    // The annotation now records what was applied last.
    const annotations = (upgraded.object.metadata as JsonObject).annotations as JsonObject;
    assert.deepEqual(JSON.parse(annotations[LAST_APPLIED_ANNOTATION] as string), deployment({ replicas: 4 }));

    // A field changed since the last client-side apply is still a conflict; so is any for another manager.
    const drifted = { ...live, spec: { replicas: 3 } };
    assert.throws(
      () => apply(drifted, deployment({ replicas: 4 }), update(live, drifted, managers, 'hpa'), 'kubectl'),
      ApplyConflictError,
    );
    assert.throws(() => apply(live, deployment({ replicas: 4 }), managers, 'someone'), ApplyConflictError);
  });
});

describe('update tracking', () => {
  it('a create owns what it set; labels as a map with its own member', () => {
    const managers = update(undefined, deployment({ replicas: 1 }, { labels: { app: 'x' } }), [], 'whctl');
    assert.deepEqual(fieldsOf(managers, 'whctl', 'Update'), {
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': { 'f:replicas': {} },
    });
  });

  it('a change takes the field from its owner; a write that changes nothing changes no entry', () => {
    const before = deployment({ replicas: 1 });
    const created = update(undefined, before, [], 'alice');
    const after = deployment({ replicas: 2 });
    const managers = update(before, after, created, 'bob');
    assert.equal(fieldsOf(managers, 'alice', 'Update'), undefined, 'alice owned nothing else and is gone');
    assert.deepEqual(fieldsOf(managers, 'bob', 'Update'), { 'f:spec': { 'f:replicas': {} } });
    assert.equal(update(after, after, managers, 'carol'), managers);
  });

  it('status is not owned through the object, and only status through the subresource', () => {
    const before = deployment({ replicas: 1 });
    const after = { ...before, status: { replicas: 1 } };
    assert.equal(update(before, after, [], 'x').length, 0);
    const managers = trackUpdate({
      node: deployNode,
      before,
      after: { ...after, spec: { replicas: 9 } },
      managers: [],
      manager: 'kcm',
      apiVersion: 'apps/v1',
      scope: { subresource: 'status', hasStatus: true },
      now,
    });
    assert.deepEqual(encodeManagedFields(managers), [
      {
        manager: 'kcm',
        operation: 'Update',
        apiVersion: 'apps/v1',
        time: now,
        fieldsType: 'FieldsV1',
        fieldsV1: fieldsV1Of({ 'f:status': { 'f:replicas': {} } }),
        subresource: 'status',
      },
    ]);
  });
});

describe('managedFields entries', () => {
  it('round-trip, appliers first', () => {
    const managers = [
      ...update(undefined, deployment({ replicas: 1 }), [], 'b'),
      ...apply(undefined, deployment({ paused: true }), [], 'a').managers,
    ];
    const entries = encodeManagedFields(managers);
    assert.deepEqual(
      entries.map((e) => e.operation),
      ['Apply', 'Update'],
    );
    assert.deepEqual(encodeManagedFields(decodeManagedFields(entries)), entries);
    assert.throws(
      () => decodeManagedFields([{ ...entries[0], operation: 'Patch' } as never]),
      /operation: Unsupported value: "Patch"/,
    );
  });

  it('stored entries whose text names no field of the change are passed through unread', () => {
    const entry = (manager: string, tree: JsonObject) => ({
      manager,
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: new Date('2026-01-01T00:00:00Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1Of(tree),
      subresource: '',
    });
    const owner = entry('scaler', { 'f:spec': { 'f:paused': {}, 'f:replicas': {} } });
    const bystander = entry('labeller', { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    const track = (entries: ManagedFieldsEntry[], stored: boolean) =>
      trackUpdateOfEntries({
        entries,
        changed: FieldSet.of(['f:spec', 'f:replicas']),
        removed: FieldSet.empty,
        manager: 'writer',
        apiVersion: 'apps/v1',
        scope: { subresource: '', hasStatus: true },
        now: new Date('2026-01-02T00:00:00Z'),
        stored,
      });
    const read = track([owner, bystander], false);
    assert.deepEqual(track([owner, bystander], true), read, 'the same entries either way');
    assert.deepEqual(
      read.map((e) => [e.manager, treeOfFieldsV1(e.fieldsV1)]),
      [
        ['labeller', { 'f:metadata': { 'f:labels': { 'f:app': {} } } }],
        ['scaler', { 'f:spec': { 'f:paused': {} } }],
        ['writer', { 'f:spec': { 'f:replicas': {} } }],
      ],
    );
    // Text that is not JSON shows which entries were read: only those the change names.
    const unreadable = { ...bystander, fieldsV1: { raw: Buffer.from('{"f:metadata": not json') } };
    assert.throws(() => track([owner, unreadable], false), /managedFields\[1\]\.fieldsV1: Invalid value/);
    const passed = track([owner, unreadable], true).find((e) => e.manager === 'labeller');
    assert.equal(passed?.fieldsV1, unreadable.fieldsV1, 'passed through as it was');
    const named = { ...owner, fieldsV1: { raw: Buffer.from('{"f:spec":{"f:replicas": not json') } };
    assert.throws(() => track([named, bystander], true), /managedFields\[0\]\.fieldsV1: Invalid value/);
  });

  it("a write of fields the writer already owns keeps its entry's bytes and moves its time", () => {
    const renewer = {
      manager: 'kubelet',
      operation: 'Update',
      apiVersion: 'coordination.k8s.io/v1',
      time: new Date('2026-01-01T00:00:00Z'),
      fieldsType: 'FieldsV1',
      fieldsV1: fieldsV1Of({ 'f:spec': { 'f:holderIdentity': {}, 'f:renewTime': {} } }),
      subresource: '',
    };
    const track = (changed: FieldSet, removed = FieldSet.empty) =>
      trackUpdateOfEntries({
        entries: [renewer],
        changed,
        removed,
        manager: 'kubelet',
        apiVersion: 'coordination.k8s.io/v1',
        scope: { subresource: '', hasStatus: false },
        now: new Date('2026-01-01T00:00:10Z'),
        stored: true,
      });
    const renewed = track(FieldSet.of(['f:spec', 'f:renewTime']));
    assert.equal(renewed.length, 1);
    assert.equal(renewed[0]?.fieldsV1, renewer.fieldsV1, 'the same bytes');
    assert.deepEqual(renewed[0]?.time, new Date('2026-01-01T00:00:10Z'));
    // A new field, or one removed, makes new text.
    const grown = track(FieldSet.of(['f:spec', 'f:leaseDurationSeconds']));
    assert.deepEqual(treeOfFieldsV1(grown[0]?.fieldsV1), {
      'f:spec': { 'f:holderIdentity': {}, 'f:leaseDurationSeconds': {}, 'f:renewTime': {} },
    });
    const shrunk = track(FieldSet.empty, FieldSet.of(['f:spec', 'f:holderIdentity']));
    assert.deepEqual(treeOfFieldsV1(shrunk[0]?.fieldsV1), { 'f:spec': { 'f:renewTime': {} } });
  });

  it('[{}] clears them', () => {
    assert.ok(
      isClearingManagedFields([
        {
          manager: '',
          operation: '',
          apiVersion: '',
          fieldsType: '',
          subresource: '',
          fieldsV1: fieldsV1Of({}),
        },
      ]),
    );
    assert.ok(
      isClearingManagedFields([
        { manager: '', operation: '', apiVersion: '', fieldsType: '', subresource: '', fieldsV1: undefined },
      ]),
    );
    assert.ok(
      !isClearingManagedFields([
        {
          manager: '',
          operation: '',
          apiVersion: '',
          fieldsType: '',
          subresource: '',
          fieldsV1: fieldsV1Of({ 'f:spec': {} }),
        },
      ]),
    );
    assert.ok(!isClearingManagedFields([]));
  });

  it('names the manager from the request, else from the user agent', () => {
    assert.equal(fieldManagerOf('my-tool', 'kubectl/v1.32.0'), 'my-tool');
    assert.equal(fieldManagerOf('', 'kubectl/v1.32.0 (linux/amd64) kubernetes/abc'), 'kubectl');
    assert.equal(
      fieldManagerOf(undefined, 'wheelhouse-scheduler/0.1.0 grpc-node-js/1.12'),
      'wheelhouse-scheduler',
    );
    assert.equal(fieldManagerOf(undefined, undefined), 'unknown');
    assert.throws(() => fieldManagerOf('x'.repeat(129), ''), /Too long/);
  });
});
