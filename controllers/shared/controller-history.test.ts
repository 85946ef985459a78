import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ControllerRevision } from '../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { StatefulSet } from '../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { fromSet } from '../../sdk/labels/index.js';
import {
  CONTROLLER_REVISION_HASH_LABEL,
  type ControllerHistory,
  collisionCountOf,
  controllerRevisionName,
  createControllerHistory,
  equalRevision,
  findEqualRevisions,
  hashControllerRevision,
  newControllerRevision,
  nextRevision,
  revisionsToTruncate,
  sortControllerRevisions,
} from './controller-history.js';
import { useCluster, waitFor } from './testing.js';

const parent = StatefulSet.fromPartial({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'uid-web' },
});
const data = (image: string) => ({ spec: { template: { spec: { containers: [{ name: 'c', image }] } } } });

function revisionOf(name: string, revision: number, created = 0): ControllerRevision {
  return ControllerRevision.fromPartial({
    metadata: { name, creationTimestamp: new Date(created) },
    data: {},
    revision: String(revision),
  });
}

describe('controller history: pure functions', () => {
  test('the hash depends on the data, not on key order, and on collisionCount', () => {
    const a = { x: 1, y: { b: 'two', a: [1, 2] } };
    const b = { y: { a: [1, 2], b: 'two' }, x: 1 };
    assert.equal(hashControllerRevision(a), hashControllerRevision(b));
    assert.notEqual(hashControllerRevision(a), hashControllerRevision({ ...a, x: 2 }));
    assert.notEqual(hashControllerRevision(a), hashControllerRevision(a, 0));
    assert.notEqual(hashControllerRevision(a, 0), hashControllerRevision(a, 1));
    assert.match(hashControllerRevision(a), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  test('a new revision is named and labelled by its hash and controlled by its parent', () => {
    const r = newControllerRevision(parent, { app: 'web' }, data('nginx:1'), 3, 0);
    const hash = hashControllerRevision(data('nginx:1'), 0);
    assert.equal(r.metadata?.name, `web-${hash}`);
    assert.equal(r.metadata?.namespace, 'default');
    assert.deepEqual(r.metadata?.labels, { app: 'web', [CONTROLLER_REVISION_HASH_LABEL]: hash });
    assert.equal(r.revision, '3');
    const ref = r.metadata?.ownerReferences[0];
    assert.deepEqual(
      { kind: ref?.kind, name: ref?.name, uid: ref?.uid, controller: ref?.controller },
      { kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true },
    );
  });

  test('the collisionCount a revision was named under is read back from its hash', () => {
    const named = (count: number) => newControllerRevision(parent, {}, data('nginx:1'), 1, count);
    assert.equal(collisionCountOf(named(0), data('nginx:1'), undefined), 0);
    assert.equal(collisionCountOf(named(2), data('nginx:1'), undefined), 2);
    assert.equal(collisionCountOf(named(2), data('nginx:1'), 1), 2);
    // A count the status already moved past, other data, or no hash label: the status's count stands.
    assert.equal(collisionCountOf(named(0), data('nginx:1'), 3), 3);
    assert.equal(collisionCountOf(named(2), data('nginx:2'), undefined), undefined);
    assert.equal(collisionCountOf(revisionOf('web-old', 1), {}, 4), 4);
  });

  test('long parent names are cut so that the revision name stays valid', () => {
    const name = controllerRevisionName('a'.repeat(300), 'hash');
    assert.equal(name, `${'a'.repeat(223)}-hash`);
  });

  test('equal revisions share hash and data; numbers do not matter', () => {
    const a = newControllerRevision(parent, {}, data('nginx:1'), 1);
    const b = newControllerRevision(parent, { other: 'label' }, data('nginx:1'), 7);
    const c = newControllerRevision(parent, {}, data('nginx:2'), 1);
    assert.equal(equalRevision(a, b), true);
    assert.equal(equalRevision(a, c), false);
    assert.equal(equalRevision(a, undefined), false);
    const unlabelled = ControllerRevision.fromPartial({ metadata: { name: 'x' }, data: data('nginx:1') });
    assert.equal(equalRevision(unlabelled, unlabelled), false, 'no hash label, never equal');
    assert.deepEqual(findEqualRevisions([c, b, a], a), [b, a]);
  });

  test('revisions sort by number, then creation, then name; the next number follows the highest', () => {
    const sorted = sortControllerRevisions([
      revisionOf('c', 2, 5),
      revisionOf('b', 1, 9),
      revisionOf('a', 2, 5),
      revisionOf('d', 2, 1),
    ]);
    assert.deepEqual(
      sorted.map((r) => r.metadata?.name),
      ['b', 'd', 'a', 'c'],
    );
    assert.equal(nextRevision(sorted), 3);
    assert.equal(nextRevision([]), 1);
  });

  test('truncation keeps live revisions and the newest `limit` others', () => {
    const revs = [1, 2, 3, 4, 5, 6].map((n) => revisionOf(`r${n}`, n));
    const live = new Set(['r1', 'r6', 'r3']);
    assert.deepEqual(
      revisionsToTruncate(revs, live, 1).map((r) => r.metadata?.name),
      ['r2', 'r4'],
    );
    assert.deepEqual(revisionsToTruncate(revs, live, 3), []);
    assert.deepEqual(
      revisionsToTruncate(revs, new Set(), 0).map((r) => r.metadata?.name),
      ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'],
    );
  });
});

describe('controller history through the apiserver', { timeout: 60_000 }, () => {
  let history: ControllerHistory;
  let owner: StatefulSet;
  const suite = useCluster({
    prepare: async ({ admin, signal }) => {
      const created = await admin.kind<StatefulSet>('StatefulSet').create(
        StatefulSet.fromPartial({
          apiVersion: 'apps/v1',
          kind: 'StatefulSet',
          metadata: { name: 'web', namespace: 'default' },
          spec: {
            replicas: 0,
            serviceName: 'web',
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
            },
          },
        }),
      );
      owner = { ...created, apiVersion: 'apps/v1', kind: 'StatefulSet' };
      const factory = new InformerFactory(admin.api);
      const informer = factory.informerFor<ControllerRevision>('ControllerRevision', {
        namespace: 'default',
      });
      factory.start(signal);
      await informer.waitForSync(signal);
      history = createControllerHistory({
        client: admin.kind<ControllerRevision>('ControllerRevision'),
        informer,
      });
    },
  });
  const crClient = () => suite.admin.kind<ControllerRevision>('ControllerRevision');
  const recheck = () => suite.admin.kind<StatefulSet>('StatefulSet').get('default', 'web');

  test('create names the revision by its hash; creating it again returns the same one', async () => {
    const rev = newControllerRevision(owner, { app: 'web' }, data('nginx:1'), 1, 0);
    const first = await history.create(owner, rev, 0);
    assert.equal(first.collisionCount, 0);
    assert.equal(first.revision.metadata?.name, `web-${hashControllerRevision(data('nginx:1'), 0)}`);
    assert.deepEqual(first.revision.data, data('nginx:1'));
    const again = await history.create(owner, rev, 0);
    assert.equal(again.collisionCount, 0);
    assert.equal(again.revision.metadata?.uid, first.revision.metadata?.uid);
  });

  test('a name taken by other data bumps collisionCount and renames', async () => {
    const wanted = data('nginx:2');
    const squatter = ControllerRevision.fromPartial({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: `web-${hashControllerRevision(wanted, 0)}`, namespace: 'default' },
      data: data('something-else'),
      revision: '1',
    });
    await crClient().create(squatter);
    const rev = newControllerRevision(owner, { app: 'web' }, wanted, 2, 0);
    const { revision, collisionCount } = await history.create(owner, rev, 0);
    assert.equal(collisionCount, 1);
    const hash = hashControllerRevision(wanted, 1);
    assert.equal(revision.metadata?.name, `web-${hash}`);
    assert.equal(revision.metadata?.labels[CONTROLLER_REVISION_HASH_LABEL], hash);
    assert.deepEqual(revision.data, wanted);
  });

  test('the same data under another owner is a collision too', async () => {
    const wanted = data('nginx:3');
    const stranger = newControllerRevision(
      { ...owner, metadata: { ...owner.metadata, uid: 'someone-else' } } as StatefulSet,
      {},
      wanted,
      1,
      0,
    );
    await crClient().create(stranger);
    const { collisionCount } = await history.create(owner, newControllerRevision(owner, {}, wanted, 3, 0), 0);
    assert.equal(collisionCount, 1);
  });

  test('claim adopts matching orphans, releases what stopped matching, ignores others', async () => {
    const orphan = ControllerRevision.fromPartial({
      apiVersion: 'apps/v1',
      kind: 'ControllerRevision',
      metadata: { name: 'web-orphan', namespace: 'default', labels: { app: 'web' } },
      data: data('orphan'),
      revision: '9',
    });
    await crClient().create(orphan);
    const unrelated = ControllerRevision.fromPartial({
      ...orphan,
      metadata: { name: 'db-orphan', namespace: 'default', labels: { app: 'db' } },
    });
    await crClient().create(unrelated);
    const mine = await history.create(
      owner,
      newControllerRevision(owner, { app: 'web' }, data('mine'), 4),
      0,
    );
    await waitFor('the informer to see the revisions', async () => {
      const names = (await history.claim(owner, fromSet({ app: 'web' }), recheck)).map(
        (r) => r.metadata?.name,
      );
      return names.includes('web-orphan') && names.includes(mine.revision.metadata?.name) ? names : undefined;
    });
    const adopted = await crClient().get('default', 'web-orphan');
    assert.equal(adopted.metadata?.ownerReferences[0]?.uid, owner.metadata?.uid);
    assert.equal((await crClient().get('default', 'db-orphan')).metadata?.ownerReferences.length, 0);

    // Relabel one of ours: the next claim lets it go.
    const fresh = await crClient().get('default', mine.revision.metadata?.name ?? '');
    await crClient().update({
      ...fresh,
      metadata: { ...fresh.metadata, labels: { app: 'other' } },
    } as ControllerRevision);
    await waitFor('the relabelled revision to be released', async () => {
      await history.claim(owner, fromSet({ app: 'web' }), recheck);
      const r = await crClient().get('default', mine.revision.metadata?.name ?? '');
      return r.metadata?.ownerReferences.length === 0 ? r : undefined;
    });
  });

  test('revision numbers are updated and revisions deleted, twice without error', async () => {
    const { revision } = await history.create(owner, newControllerRevision(owner, {}, data('nginx:9'), 1), 0);
    const updated = await history.updateRevisionNumber(revision, 12);
    assert.equal(updated.revision, '12');
    assert.deepEqual(updated.data, data('nginx:9'));
    await history.delete(updated);
    await history.delete(updated);
    await assert.rejects(crClient().get('default', revision.metadata?.name ?? ''), /not found/i);
  });
});
