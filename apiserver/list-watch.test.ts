import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { ApiError, Code } from '../sdk/errors.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ListMeta } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { StoreClient } from '../store/client.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';
import { watch } from '../test/watch.js';

type PodList = { metadata: ListMeta; items: Pod[] };
const names = (l: { items: Pod[] }) => l.items.map((p) => p.metadata?.name).sort();

describe('apiserver: list and watch', () => {
  let cluster: Cluster;
  let store: StoreClient;
  before(async () => {
    cluster = await startCluster();
    store = new StoreClient({
      address: `127.0.0.1:${cluster.storePort}`,
      credentials: credentials.createSsl(
        readFileSync(cluster.pki.store.caFile),
        readFileSync(cluster.pki.store.clientKeyFile),
        readFileSync(cluster.pki.store.clientCertFile),
      ),
    });
    const pods = cluster.client('pods');
    await call(cluster.client('namespaces'), 'createNamespace', {
      namespace: { metadata: { name: 'team-b' } },
    });
    const specs: Array<[string, string, Record<string, string>]> = [
      ['a-1', 'default', { app: 'a', tier: 'front' }],
      ['a-2', 'default', { app: 'a', tier: 'back' }],
      ['b-1', 'default', { app: 'b' }],
      ['c-1', 'default', { app: 'c', canary: 'yes' }],
      ['b-9', 'team-b', { app: 'b' }],
    ];
    for (const [name, namespace, labels] of specs)
      await call(pods, 'createPod', { pod: pod(name, { namespace, labels }) });
  });
  after(async () => {
    store.close();
    await cluster.stop();
  });

  test('one namespace or all', async () => {
    const pods = cluster.client('pods');
    assert.deepEqual(names(await call<PodList>(pods, 'listPods', { namespace: 'default' })), [
      'a-1',
      'a-2',
      'b-1',
      'c-1',
    ]);
    assert.deepEqual(names(await call<PodList>(pods, 'listPods', { namespace: '' })), [
      'a-1',
      'a-2',
      'b-1',
      'b-9',
      'c-1',
    ]);
  });

  test('label selectors: =, ==, !=, in, notin, exists, !key', async () => {
    const pods = cluster.client('pods');
    const sel = async (labelSelector: string) =>
      names(await call<PodList>(pods, 'listPods', { namespace: 'default', options: { labelSelector } }));
    assert.deepEqual(await sel('app=a'), ['a-1', 'a-2']);
    assert.deepEqual(await sel('app==b'), ['b-1']);
    assert.deepEqual(await sel('app!=a'), ['b-1', 'c-1']);
    assert.deepEqual(await sel('app in (a, c)'), ['a-1', 'a-2', 'c-1']);
    assert.deepEqual(await sel('app notin (a)'), ['b-1', 'c-1']);
    assert.deepEqual(await sel('app notin (a,c)'), ['b-1']);
    assert.deepEqual(await sel('app notin (c, b)'), ['a-1', 'a-2']);
    assert.deepEqual(await sel('app in (c, b)'), ['b-1', 'c-1']);
    assert.deepEqual(await sel('tier'), ['a-1', 'a-2']);
    assert.deepEqual(await sel('!canary,app!=a'), ['b-1']);
    await assert.rejects(
      sel('app in (a'),
      (e: unknown) => e instanceof ApiError && e.code === Code.INVALID_ARGUMENT,
    );
  });

  test('field selectors: metadata.name, metadata.namespace, spec.nodeName, status.phase; unknown fields refused', async () => {
    const pods = cluster.client('pods');
    const sel = async (fieldSelector: string, namespace = '') =>
      names(await call<PodList>(pods, 'listPods', { namespace, options: { fieldSelector } }));
    assert.deepEqual(await sel('metadata.name=b-9'), ['b-9']);
    assert.deepEqual(await sel('metadata.namespace=team-b'), ['b-9']);
    await call(pods, 'bindPod', {
      binding: { metadata: { name: 'a-1', namespace: 'default' }, target: { kind: 'Node', name: 'node-1' } },
    });
    assert.deepEqual(await sel('spec.nodeName=node-1'), ['a-1']);
    assert.deepEqual(await sel('spec.nodeName=', 'default'), ['a-2', 'b-1', 'c-1']);
    assert.deepEqual(await sel('status.phase=Pending', 'team-b'), ['b-9']);
    await assert.rejects(
      sel('spec.bogus=1'),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === Code.INVALID_ARGUMENT &&
        /field label not supported/.test(e.message),
    );
    const nodes = cluster.client('nodes');
    await call(nodes, 'createNode', {
      node: { metadata: { name: 'n-cordoned' }, spec: { unschedulable: true } },
    });
    await call(nodes, 'createNode', { node: { metadata: { name: 'n-open' } } });
    const unsched = await call<{ items: Pod[] }>(nodes, 'listNodes', {
      options: { fieldSelector: 'spec.unschedulable=true' },
    });
    assert.deepEqual(names(unsched), ['n-cordoned']);
  });

  test('limit and continue page through one consistent snapshot; an expired token is OUT_OF_RANGE', async () => {
    const pods = cluster.client('pods');
    const first = await call<PodList>(pods, 'listPods', { namespace: '', options: { limit: 2 } });
    assert.equal(first.items.length, 2);
    assert.notEqual(first.metadata.continue, '');
    // A write between pages must not show up in the snapshot.
    await call(pods, 'createPod', { pod: pod('a-0-late', { namespace: 'default' }) });
    const seen = [...first.items];
    let token = first.metadata.continue;
    while (token !== '') {
      const page = await call<PodList>(pods, 'listPods', {
        namespace: '',
        options: { limit: 2, continue: token },
      });
      assert.equal(
        page.metadata.resourceVersion,
        first.metadata.resourceVersion,
        'every page at the same revision',
      );
      seen.push(...page.items);
      token = page.metadata.continue;
    }
    assert.deepEqual(
      seen.map((p) => p.metadata?.name),
      ['a-1', 'a-2', 'b-1', 'c-1', 'b-9'],
    );

    const again = await call<PodList>(pods, 'listPods', { namespace: '', options: { limit: 1 } });
    const { revision } = await store.get('/registry/pods/');
    await call(pods, 'createPod', { pod: pod('compaction-trigger', { namespace: 'default' }) });
    await store.compact(revision + 1);
    await assert.rejects(
      call(pods, 'listPods', { namespace: '', options: { limit: 1, continue: again.metadata.continue } }),
      (e: unknown) => e instanceof ApiError && e.code === Code.OUT_OF_RANGE && /continue/.test(e.message),
    );
  });

  test('watch from a resourceVersion delivers the changes after it, with selectors', async () => {
    const pods = cluster.client('pods');
    const start = await call<PodList>(pods, 'listPods', { namespace: 'default' });
    await call(pods, 'createPod', { pod: pod('w-1', { labels: { app: 'w' } }) });
    await call(pods, 'createPod', { pod: pod('w-other', { labels: { app: 'x' } }) });
    const w = watch<Pod>(pods, 'watchPods', {
      namespace: 'default',
      options: { resourceVersion: start.metadata.resourceVersion, labelSelector: 'app=w' },
    });
    await call(pods, 'deletePod', { namespace: 'default', name: 'w-1', options: { gracePeriodSeconds: 0 } });
    const events = await w.until((e) => e.some((x) => x.type === 'DELETED'));
    assert.deepEqual(
      events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'w-1'],
        ['DELETED', 'w-1'],
      ],
    );
    w.cancel();
  });

  test('watch from now, with the current objects first when asked, and bookmarks', async () => {
    const pods = cluster.client('pods');
    const w = watch<Pod>(pods, 'watchPods', {
      namespace: 'team-b',
      options: { sendInitialEvents: true, allowWatchBookmarks: true },
    });
    const initial = await w.until((e) => e.some((x) => x.type === 'BOOKMARK'));
    assert.deepEqual(initial[0]?.type, 'ADDED');
    assert.equal(initial[0]?.object.metadata?.name, 'b-9');
    const mark = initial.find((e) => e.type === 'BOOKMARK');
    assert.equal(mark?.object.metadata?.annotations['k8s.io/initial-events-end'], 'true');
    await call(pods, 'createPod', { pod: pod('b-10', { namespace: 'team-b' }) });
    await w.until((e) => e.some((x) => x.type === 'ADDED' && x.object.metadata?.name === 'b-10'));
    w.cancel();

    const plain = watch<Pod>(pods, 'watchPods', { namespace: 'team-b', options: {} });
    // From now: a pod created before the watch started would never be seen.
    await plain.started();
    await call(pods, 'createPod', { pod: pod('b-11', { namespace: 'team-b' }) });
    const evs = await plain.until((e) => e.length >= 1);
    assert.equal(evs[0]?.object.metadata?.name, 'b-11', 'no initial events unless asked');
    plain.cancel();
  });

  test('a burst of changes reaches every watcher complete and in order, in fewer messages than events', async () => {
    const pods = cluster.client('pods');
    const options = { labelSelector: 'burst=yes' };
    const watchers = [1, 2].map(() => watch<Pod>(pods, 'watchPods', { namespace: 'default', options }));
    for (const w of watchers) await w.started();
    await call(pods, 'createPod', { pod: pod('burst-sync', { labels: { burst: 'yes' } }) });
    for (const w of watchers) await w.until((e) => e.length === 1);
    const names = Array.from({ length: 40 }, (_, i) => `burst-${i}`);
    await Promise.all(
      names.map((name) => call(pods, 'createPod', { pod: pod(name, { labels: { burst: 'yes' } }) })),
    );
    for (const w of watchers) {
      const events = await w.until((e) => e.length === 41);
      const revisions = events.map((e) => Number(e.object.metadata?.resourceVersion));
      assert.deepEqual(
        revisions,
        [...revisions].sort((a, b) => a - b),
        'in revision order',
      );
      assert.deepEqual(
        events
          .slice(1)
          .map((e) => e.object.metadata?.name)
          .sort(),
        [...names].sort(),
      );
      assert.ok(w.messages < 41, `41 events came in ${w.messages} messages`);
      w.cancel();
    }
  });

  test('a compacted resourceVersion is OUT_OF_RANGE', async () => {
    const pods = cluster.client('pods');
    await call(pods, 'createPod', { pod: pod('compact-2', { namespace: 'default' }) });
    await store.compact((await store.get('/registry/pods/')).revision);
    const w = watch<Pod>(pods, 'watchPods', { namespace: 'default', options: { resourceVersion: '1' } });
    const err = await w.end();
    assert.equal(err?.code, Code.OUT_OF_RANGE);
    assert.match(err?.message ?? '', /too old resource version/);
  });
});
