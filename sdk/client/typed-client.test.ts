import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { until } from '../../test/until.js';
import type { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { Pod as PodFns } from '../gen/wheelhouse/core/v1/pod.js';
import { WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { resolveResource } from '../kinds.js';
import { type FakeApiserver, startFakeApiserver } from '../testing/fake-apiserver.js';
import { type Clientset, createClientset } from './typed-client.js';

let api: FakeApiserver;
let clients: Clientset;
before(async () => {
  api = await startFakeApiserver([resolveResource('pods')!]);
  clients = createClientset({ server: api.address, insecure: true }, { component: 'test' });
});
after(async () => {
  clients.close();
  await api.stop();
});

test('a typed client of a kind: create, get, list, update, watch, delete', async () => {
  const pods = clients.kind<Pod>('Pod');
  const ac = new AbortController();
  const seen: string[] = [];
  const watching = (async () => {
    for await (const e of pods.watch('default', {}, ac.signal)) {
      seen.push(`${WatchEventType[e.type]} ${e.object?.metadata?.name}`);
      if (seen.length === 3) ac.abort();
    }
  })();
  // The double registers a watch as it records its request: the create must come after.
  await until(() => api.requests.some((r) => r.method === 'watchPods'), 'the watch to reach the server');
  const created = await pods.create(
    PodFns.fromPartial({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'default' } }),
  );
  assert.equal(created.metadata?.name, 'web');
  const got = await pods.get('default', 'web');
  got.metadata!.labels = { app: 'web' };
  const updated = await pods.update(got);
  assert.equal(updated.metadata?.labels?.app, 'web');
  const list = await pods.list('default');
  assert.deepEqual(
    list.items.map((p) => p.metadata?.name),
    ['web'],
  );
  assert.notEqual(list.resourceVersion, '');
  await pods.delete('default', 'web');
  await watching;
  assert.deepEqual(seen, [
    'WATCH_EVENT_TYPE_ADDED web',
    'WATCH_EVENT_TYPE_MODIFIED web',
    'WATCH_EVENT_TYPE_DELETED web',
  ]);
});
