import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { credentials } from '@grpc/grpc-js';
import { Code } from '../../sdk/errors.js';
import type { Event } from '../../sdk/gen/wheelhouse/core/v1/event.js';
import type { ListMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { StoreClient } from '../../store/client.js';
import { type Cluster, call, startCluster } from '../../test/cluster.js';
import { outcome } from '../../test/outcome.js';
import { httpRequest } from '../../test/rest-clients/https.js';
import { watch } from '../../test/watch.js';

type EventList = { metadata: ListMeta; items: Event[] };

/** An Event about pod `about` in `default`. */
function event(name: string, about: string, labels: Record<string, string> = {}, count = 1) {
  return {
    metadata: { name, namespace: 'default', labels },
    involvedObject: { kind: 'Pod', name: about, namespace: 'default', uid: `uid-${about}` },
    reason: 'Tested',
    message: `about ${about}`,
    type: 'Normal',
    count,
  };
}

// Events are served without a watch cache by default, as in Kubernetes: every read goes
// to the store, every watch is a store watch of its own.
describe('apiserver: Events without a watch cache', () => {
  let cluster: Cluster;
  let store: StoreClient;
  before(async () => {
    cluster = await startCluster({ rest: true });
    store = new StoreClient({
      address: `127.0.0.1:${cluster.storePort}`,
      credentials: credentials.createSsl(
        readFileSync(cluster.pki.store.caFile),
        readFileSync(cluster.pki.store.clientKeyFile),
        readFileSync(cluster.pki.store.clientCertFile),
      ),
    });
  });
  after(async () => {
    store.close();
    await cluster.stop();
  });

  test('gets and lists read what was just written, with field selectors', async () => {
    const events = cluster.client('events');
    await call(events, 'createEvent', { event: event('read-a', 'pod-a') });
    await call(events, 'createEvent', { event: event('read-b', 'pod-b') });
    const got = await call<{ event: Event }>(events, 'getEvent', { namespace: 'default', name: 'read-a' });
    assert.equal(got.event.involvedObject?.name, 'pod-a');
    const list = await call<EventList>(events, 'listEvents', {
      namespace: 'default',
      options: { fieldSelector: 'involvedObject.name=pod-b' },
    });
    assert.deepEqual(
      list.items.map((e) => e.metadata?.name),
      ['read-b'],
    );
    assert.ok(Number(list.metadata.resourceVersion) >= Number(got.event.metadata?.resourceVersion));
    const missing = await outcome(call(events, 'getEvent', { namespace: 'default', name: 'nothing' }));
    assert.equal(missing.code, 'NOT_FOUND');
  });

  test('a watch with a field selector sees only its object, and modifications of it', async () => {
    const events = cluster.client('events');
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: { fieldSelector: 'involvedObject.name=web-1' },
    });
    // From now: an event created before the watch started would never be seen.
    await w.started();
    await call(events, 'createEvent', { event: event('web-1.a', 'web-1') });
    await w.until((e) => e.length >= 1);
    await call(events, 'createEvent', { event: event('web-2.a', 'web-2') });
    const current = await call<{ event: Event }>(events, 'getEvent', {
      namespace: 'default',
      name: 'web-1.a',
    });
    await call(events, 'updateEvent', { event: { ...current.event, count: 2 } });
    await call(events, 'deleteEvent', { namespace: 'default', name: 'web-1.a' });
    const seen = await w.until((e) => e.some((x) => x.type === 'DELETED'));
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata?.name, e.object.count]),
      [
        ['ADDED', 'web-1.a', 1],
        ['MODIFIED', 'web-1.a', 2],
        ['DELETED', 'web-1.a', 2],
      ],
    );
    const revisions = seen.map((e) => Number(e.object.metadata?.resourceVersion));
    assert.deepEqual(
      revisions,
      [...revisions].sort((a, b) => a - b),
    );
    w.cancel();
  });

  test('a label selector turns modifications into ADDED and DELETED', async () => {
    const events = cluster.client('events');
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: { labelSelector: 'seen=yes' },
    });
    await w.started();
    await call(events, 'createEvent', { event: event('label-sync', 'x', { seen: 'yes' }) });
    await w.until((e) => e.length >= 1);
    const created = await call<{ event: Event }>(events, 'createEvent', { event: event('label-1', 'x') });
    const matching = await call<{ event: Event }>(events, 'updateEvent', {
      event: { ...created.event, metadata: { ...created.event.metadata, labels: { seen: 'yes' } } },
    });
    await call(events, 'updateEvent', {
      event: { ...matching.event, metadata: { ...matching.event.metadata, labels: { seen: 'no' } } },
    });
    const seen = await w.until((e) => e.length >= 3);
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.metadata?.name, e.object.metadata?.labels.seen]),
      [
        ['ADDED', 'label-sync', 'yes'],
        ['ADDED', 'label-1', 'yes'],
        // The last state that matched, at the revision it stopped matching.
        ['DELETED', 'label-1', 'yes'],
      ],
    );
    w.cancel();
  });

  test('a watch resumes after a resourceVersion with exactly the changes after it', async () => {
    const events = cluster.client('events');
    const start = await call<EventList>(events, 'listEvents', { namespace: 'default' });
    await call(events, 'createEvent', { event: event('resume-1', 'resume') });
    await call(events, 'createEvent', { event: event('resume-other', 'other') });
    await call(events, 'createEvent', { event: event('resume-2', 'resume') });
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: {
        resourceVersion: start.metadata.resourceVersion,
        fieldSelector: 'involvedObject.name=resume',
      },
    });
    const seen = await w.until((e) => e.length >= 2);
    await call(events, 'createEvent', { event: event('resume-3', 'resume') });
    await w.until((e) => e.length >= 3);
    assert.deepEqual(
      w.events.map((e) => [e.type, e.object.metadata?.name]),
      [
        ['ADDED', 'resume-1'],
        ['ADDED', 'resume-2'],
        ['ADDED', 'resume-3'],
      ],
    );
    assert.ok(
      seen.every((e) => Number(e.object.metadata?.resourceVersion) > Number(start.metadata.resourceVersion)),
    );
    w.cancel();
  });

  test('initial events from a store list, then the initial-events-end bookmark, then live events', async () => {
    const events = cluster.client('events');
    await call(events, 'createEvent', { event: event('initial-1', 'initial') });
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: {
        sendInitialEvents: true,
        allowWatchBookmarks: true,
        fieldSelector: 'involvedObject.name=initial',
      },
    });
    const first = await w.until((e) => e.some((x) => x.type === 'BOOKMARK'));
    assert.deepEqual(
      first.map((e) => e.type),
      ['ADDED', 'BOOKMARK'],
    );
    assert.equal(first[0]?.object.metadata?.name, 'initial-1');
    assert.equal(first[1]?.object.metadata?.annotations['k8s.io/initial-events-end'], 'true');
    await call(events, 'createEvent', { event: event('initial-2', 'initial') });
    await w.until((e) => e.some((x) => x.type === 'ADDED' && x.object.metadata?.name === 'initial-2'));
    w.cancel();

    // resourceVersion "0": the current objects too, as from the cache.
    const zero = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: { resourceVersion: '0', fieldSelector: 'involvedObject.name=initial' },
    });
    const current = await zero.until((e) => e.length >= 2);
    assert.deepEqual(current.map((e) => e.object.metadata?.name).sort(), ['initial-1', 'initial-2']);
    zero.cancel();
  });

  test('an idle watch that allows bookmarks gets them as the store moves on', async () => {
    const events = cluster.client('events');
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: { allowWatchBookmarks: true, fieldSelector: 'involvedObject.name=never' },
    });
    await w.started();
    // Writes elsewhere move the store's revision past what this watch was sent.
    const pods = cluster.client('configmaps');
    await call(pods, 'createConfigMap', {
      configMap: { metadata: { name: 'bookmark-mover', namespace: 'default' } },
    });
    const seen = await w.until((e) => e.some((x) => x.type === 'BOOKMARK'), 15_000);
    assert.ok(seen.every((e) => e.type === 'BOOKMARK'));
    assert.ok(Number(seen[0]?.object.metadata?.resourceVersion) > 0);
    w.cancel();
  });

  test('a compacted resourceVersion is OUT_OF_RANGE', async () => {
    const events = cluster.client('events');
    const created = await call<{ event: Event }>(events, 'createEvent', { event: event('compact-1', 'c') });
    await call(events, 'createEvent', { event: event('compact-2', 'c') });
    await store.compact((await store.get('/registry/events/')).revision);
    const w = watch<Event>(events, 'watchEvents', {
      namespace: 'default',
      options: { resourceVersion: created.event.metadata?.resourceVersion ?? '1' },
    });
    const err = await w.end();
    assert.equal(err?.code, Code.OUT_OF_RANGE);
    assert.match(err?.message ?? '', /too old resource version/);
  });

  test('REST: a watch of Events as JSON lines, resumed with a field selector', async () => {
    const events = cluster.client('events');
    const start = await call<EventList>(events, 'listEvents', { namespace: 'default' });
    await call(events, 'createEvent', { event: event('rest-1', 'rest-x') });
    await call(events, 'createEvent', { event: event('rest-2', 'rest-y') });
    const answer = await httpRequest(
      cluster.rest,
      cluster.pki.caFile,
      `/api/v1/namespaces/default/events?watch=1&resourceVersion=${start.metadata.resourceVersion}&fieldSelector=involvedObject.name%3Drest-x&timeoutSeconds=3`,
      { admin: cluster.pki.admin },
    );
    assert.equal(answer.status, 200);
    // The watch ends at its timeout, which leaves a loaded machine time to replay the event.
    const seen = answer.text
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as { type: string; object: { kind: string; metadata: { name: string } } });
    assert.deepEqual(
      seen.map((e) => [e.type, e.object.kind, e.object.metadata.name]),
      [['ADDED', 'Event', 'rest-1']],
    );
  });
});
