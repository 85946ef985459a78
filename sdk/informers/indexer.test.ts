import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KindObject } from '../kind-registry.js';
import { Indexer, NAMESPACE_INDEX } from './indexer.js';

type Obj = KindObject & { spec?: { nodeName?: string } };
const obj = (name: string, node: string, rv: string): Obj =>
  ({ metadata: { namespace: 'default', name, resourceVersion: rv }, spec: { nodeName: node } }) as Obj;
const byNode = (o: Obj) => (o.spec?.nodeName ? [o.spec.nodeName] : []);
const names = (objs: Obj[]) => objs.map((o) => `${o.metadata?.name}@${o.metadata?.resourceVersion}`);

test('an update that keeps its index values keeps its place and shows the new object', () => {
  const idx = new Indexer<Obj>({ node: byNode });
  idx.set(obj('a', 'n1', '1'));
  idx.set(obj('b', 'n1', '2'));
  idx.set(obj('a', 'n1', '3'));
  assert.deepEqual(names(idx.byIndex('node', 'n1')), ['a@3', 'b@2']);
  assert.deepEqual(names(idx.byIndex(NAMESPACE_INDEX, 'default')), ['a@3', 'b@2']);
});

test('an update that changes an index value moves the key between values', () => {
  const idx = new Indexer<Obj>({ node: byNode });
  idx.set(obj('a', 'n1', '1'));
  idx.set(obj('a', 'n2', '2'));
  assert.deepEqual(idx.byIndex('node', 'n1'), []);
  assert.deepEqual(names(idx.byIndex('node', 'n2')), ['a@2']);
  idx.set(obj('a', '', '3'));
  assert.deepEqual(idx.byIndex('node', 'n2'), []);
  idx.delete('default/a');
  assert.deepEqual(idx.byIndex(NAMESPACE_INDEX, 'default'), []);
});
