import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldSet, keyElement, pathString, valueElement } from './field-set.js';

const podFields = {
  'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
  'f:spec': {
    'f:containers': {
      'k:{"name":"nginx"}': { '.': {}, 'f:image': {}, 'f:name': {} },
    },
  },
};

describe('FieldSet', () => {
  it('reads and writes fieldsV1 as Kubernetes prints it', () => {
    const set = FieldSet.fromFieldsV1(podFields);
    assert.deepEqual(set.toFieldsV1(), podFields);
    assert.ok(set.has(['f:metadata', 'f:labels']));
    assert.ok(!set.has(['f:metadata']), 'a parent that only leads to members is not one');
    assert.ok(set.has(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image']));
  });

  it('writes its text as JSON.stringify writes its tree, without building the tree', () => {
    const sets = [
      FieldSet.empty,
      FieldSet.leaf,
      FieldSet.fromFieldsV1(podFields),
      FieldSet.of(['i:1'], ['v:"a\\b"'], ['k:{"name":"x"}', 'f:z'], ['f:z'], ['f:a'], ['i:0']).with([]),
      FieldSet.of(['f:metadata', 'f:annotations', 'f:ünïcode/ключ']),
    ];
    for (const set of sets) assert.equal(set.toFieldsV1Text(), JSON.stringify(set.toFieldsV1()));
  });

  it('tells whether it includes all of another set, and whether two sets meet', () => {
    const set = FieldSet.fromFieldsV1(podFields);
    assert.ok(set.includesAll(FieldSet.of(['f:metadata', 'f:labels', 'f:app'])));
    assert.ok(set.includesAll(FieldSet.of(['f:metadata', 'f:labels'])), 'labels itself is a member');
    assert.ok(
      !set.includesAll(FieldSet.of(['f:metadata'])),
      'a parent that only leads to members is not one',
    );
    assert.ok(!set.includesAll(FieldSet.of(['f:metadata', 'f:labels', 'f:tier'])));
    assert.ok(set.includesAll(FieldSet.empty));
    assert.ok(set.intersects(FieldSet.of(['f:spec', 'f:containers', 'k:{"name":"nginx"}', 'f:image'])));
    assert.ok(!set.intersects(FieldSet.of(['f:spec', 'f:containers', 'k:{"name":"other"}', 'f:image'])));
    assert.ok(!set.intersects(FieldSet.of(['f:spec'])), 'spec leads to members but is not one');
    assert.ok(!set.intersects(FieldSet.empty));
  });

  it('orders path elements fields first, then keys, values and indexes, with "." ahead', () => {
    const set = FieldSet.of(['i:1'], ['v:"a"'], ['k:{"name":"x"}'], ['f:z'], ['f:a'], ['i:0']).with([]);
    assert.deepEqual(Object.keys(set.toFieldsV1()), [
      '.',
      'f:a',
      'f:z',
      'k:{"name":"x"}',
      'v:"a"',
      'i:0',
      'i:1',
    ]);
  });

  it('refuses what is not a fieldsV1 tree, saying where', () => {
    assert.throws(
      () => FieldSet.fromFieldsV1({ 'f:spec': { replicas: {} } }),
      /fieldsV1\.f:spec: "replicas" is not a path element/,
    );
    assert.throws(() => FieldSet.fromFieldsV1({ 'f:spec': 3 }), /fieldsV1\.f:spec: expected an object/);
  });

  it('unions, intersects and subtracts members, keeping parents that still lead somewhere', () => {
    const a = FieldSet.of(['f:spec', 'f:replicas'], ['f:spec', 'f:paused']);
    const b = FieldSet.of(['f:spec', 'f:replicas'], ['f:metadata', 'f:labels', 'f:app']);
    assert.deepEqual(a.intersection(b).paths(), [['f:spec', 'f:replicas']]);
    assert.deepEqual(a.difference(b).paths(), [['f:spec', 'f:paused']]);
    assert.deepEqual(b.difference(a).toFieldsV1(), { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
    assert.equal(a.union(b).paths().length, 3);
    assert.ok(a.difference(a).isEmpty());
    assert.ok(a.union(b).equals(b.union(a)));
  });

  it('a member node and its children are distinct members', () => {
    const item = ['f:spec', 'f:containers', 'k:{"name":"a"}'];
    const set = FieldSet.of(item, [...item, 'f:image']);
    const rest = set.difference(FieldSet.of([...item, 'f:image']));
    assert.deepEqual(rest.paths(), [item]);
    assert.deepEqual(rest.toFieldsV1(), { 'f:spec': { 'f:containers': { 'k:{"name":"a"}': {} } } });
  });

  it('cuts and keeps subtrees', () => {
    const set = FieldSet.of(['f:status', 'f:phase'], ['f:spec', 'f:replicas']);
    assert.deepEqual(set.withoutSubtree(['f:status']).paths(), [['f:spec', 'f:replicas']]);
    assert.deepEqual(set.onlySubtree(['f:status']).paths(), [['f:status', 'f:phase']]);
    assert.ok(set.onlySubtree(['f:metadata']).isEmpty());
  });

  it('prints paths the way conflicts name them', () => {
    assert.equal(pathString(['f:spec', 'f:replicas']), '.spec.replicas');
    assert.equal(
      pathString(['f:spec', 'f:containers', keyElement({ name: 'nginx' }), 'f:image']),
      '.spec.containers[name="nginx"].image',
    );
    assert.equal(
      pathString(['f:ports', keyElement({ protocol: 'TCP', containerPort: 80 })]),
      '.ports[containerPort=80,protocol="TCP"]',
    );
    assert.equal(pathString(['f:metadata', 'f:finalizers', valueElement('x')]), '.metadata.finalizers[="x"]');
    assert.equal(pathString(['f:args', 'i:0']), '.args[0]');
  });
});
