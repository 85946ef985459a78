import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import { OwnershipGraph } from './graph.js';

const info = (kind: string) => kinds.find((k) => k.kind === kind) ?? assert.fail(kind);
const obj = (kind: string, name: string, uid: string, extra: Record<string, unknown> = {}): KindObject =>
  ({
    apiVersion: kind === 'ReplicaSet' ? 'apps/v1' : 'v1',
    kind,
    metadata: {
      name,
      namespace: 'default',
      uid,
      ownerReferences: [],
      finalizers: [],
      labels: {},
      annotations: {},
      ...extra,
    },
  }) as unknown as KindObject;
const ownedBy = (uid: string, block = false) => [
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid, blockOwnerDeletion: block },
];

describe('ownership graph', () => {
  it('an owner not yet seen is virtual and verified; once seen it is real', () => {
    const g = new OwnershipGraph();
    const work = g.observe(info('Pod'), obj('Pod', 'p', 'p1', { ownerReferences: ownedBy('rs1') }));
    assert.deepEqual(work.attemptToDelete, ['rs1']);
    assert.equal(g.get('rs1')?.virtual, true);
    g.observe(info('ReplicaSet'), obj('ReplicaSet', 'rs', 'rs1'));
    assert.equal(g.get('rs1')?.virtual, false);
    assert.equal(g.get('rs1')?.dependents.size, 1);
  });
  it('foreground deletion enqueues the owner and its dependents; a deleted dependent enqueues the owner', () => {
    const g = new OwnershipGraph();
    g.observe(info('ReplicaSet'), obj('ReplicaSet', 'rs', 'rs1'));
    g.observe(info('Pod'), obj('Pod', 'p', 'p1', { ownerReferences: ownedBy('rs1', true) }));
    const work = g.observe(
      info('ReplicaSet'),
      obj('ReplicaSet', 'rs', 'rs1', { deletionTimestamp: new Date(), finalizers: ['foregroundDeletion'] }),
    );
    assert.deepEqual(work.attemptToDelete.sort(), ['p1', 'rs1']);
    assert.deepEqual(
      g.remove(obj('Pod', 'p', 'p1', { ownerReferences: ownedBy('rs1', true) })).attemptToDelete,
      ['rs1'],
    );
  });
  it('orphan deletion enqueues attempt-to-orphan; a deleted owner with dependents enqueues them', () => {
    const g = new OwnershipGraph();
    g.observe(info('ReplicaSet'), obj('ReplicaSet', 'rs', 'rs1'));
    g.observe(info('Pod'), obj('Pod', 'p', 'p1', { ownerReferences: ownedBy('rs1') }));
    const work = g.observe(
      info('ReplicaSet'),
      obj('ReplicaSet', 'rs', 'rs1', { deletionTimestamp: new Date(), finalizers: ['orphan'] }),
    );
    assert.deepEqual(work.attemptToOrphan, ['rs1']);
    const removed = g.remove(obj('ReplicaSet', 'rs', 'rs1'));
    assert.deepEqual(removed.attemptToDelete.sort(), ['p1', 'rs1']);
    assert.deepEqual(
      g.removeVirtual('rs1').map((n) => n.identity.uid),
      ['p1'],
    );
    assert.equal(g.get('rs1'), undefined);
  });
});
