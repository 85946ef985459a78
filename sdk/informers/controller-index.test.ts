import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KindObject } from '../kind-registry.js';
import {
  CONTROLLER_INDEX,
  controlledOrOrphaned,
  ensureControllerIndex,
  orphanValue,
} from './controller-index.js';
import { Indexer } from './indexer.js';

const obj = (ns: string, name: string, controller?: string, other?: string): KindObject =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: ns,
      name,
      uid: `uid-${name}`,
      ownerReferences: [
        ...(other ? [{ apiVersion: 'v1', kind: 'X', name: other, uid: other, controller: false }] : []),
        ...(controller
          ? [
              {
                apiVersion: 'apps/v1',
                kind: 'ReplicaSet',
                name: controller,
                uid: controller,
                controller: true,
              },
            ]
          : []),
      ],
    },
  }) as unknown as KindObject;
const owner = (ns: string, uid: string) =>
  ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { namespace: ns, name: uid, uid },
  }) as unknown as KindObject;
const names = (objs: KindObject[]) => objs.map((o) => o.metadata?.name).sort();

test('files objects under their controller, orphans under their namespace', () => {
  const indexer = new Indexer<KindObject>();
  indexer.set(obj('a', 'p1', 'rs1'));
  indexer.set(obj('a', 'p2', 'rs2'));
  indexer.set(obj('a', 'p3', undefined, 'not-a-controller'));
  indexer.set(obj('b', 'p4'));
  ensureControllerIndex(indexer);
  ensureControllerIndex(indexer); // a second call is a no-op
  assert.deepEqual(names(indexer.byIndex(CONTROLLER_INDEX, 'rs1')), ['p1']);
  assert.deepEqual(names(indexer.byIndex(CONTROLLER_INDEX, orphanValue('a'))), ['p3']);
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs1'))), ['p1', 'p3']);
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('b', 'rs9'))), ['p4']);
});

test('follows adoption and release', () => {
  const indexer = new Indexer<KindObject>();
  ensureControllerIndex(indexer);
  indexer.set(obj('a', 'p1'));
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs2'))), ['p1']);
  indexer.set(obj('a', 'p1', 'rs1')); // adopted by rs1: no longer rs2's to claim
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs2'))), []);
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs1'))), ['p1']);
  indexer.set(obj('a', 'p1')); // released
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs1'))), ['p1']);
  indexer.delete('a/p1');
  assert.deepEqual(names(controlledOrOrphaned(indexer, owner('a', 'rs1'))), []);
});
