/**
 * The recorder over the apiserver's CreateEvents stream: Events written on the stream
 * through a real apiserver, aggregated repeats updating them, unary CreateEvent against
 * an apiserver without the stream, and creates lost with a broken stream retried.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { createClientset } from '../client/typed-client.js';
import { ApiError, Code } from '../errors.js';
import { Event } from '../gen/wheelhouse/core/v1/event.js';
import { Pod } from '../gen/wheelhouse/core/v1/pod.js';
import { kinds } from '../kinds.js';
import { startFakeApiserver } from '../testing/fake-apiserver.js';
import { createEventsStream } from './create-events-stream.js';
import { createEventRecorder } from './event-recorder.js';
import { apiEventSink, type EventSink } from './event-sink.js';

const pod = (name: string, namespace = 'default') =>
  Pod.fromPartial({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, uid: `uid-${name}` } });

describe('events over CreateEvents', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test('the recorder writes Events over the stream, and aggregates a repeat into the streamed Event', async () => {
    const config = {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: cluster.pki.scheduler.certFile,
      clientKey: cluster.pki.scheduler.keyFile,
    };
    const clients = createClientset(config, { component: 'default-scheduler' });
    try {
      const sink = apiEventSink(clients.api);
      const events = createEventRecorder(sink, { component: 'default-scheduler', instance: 'test' });
      const n = 200;
      for (let i = 0; i < n; i++)
        events.event(pod(`p-${i}`), 'Normal', 'Scheduled', `Successfully assigned default/p-${i} to node-1`);
      await events.flush();
      assert.equal(sink.pipelined, true, 'the apiserver has CreateEvents: creates stay on the stream');
      const admin = createClientset(cluster.admin, { component: 'test' });
      try {
        const list = await admin.kind<Event>('Event').list('default', {
          fieldSelector: 'reason=Scheduled,involvedObject.kind=Pod',
        });
        const names = new Set(list.items.map((e) => e.involvedObject?.name));
        for (let i = 0; i < n; i++) assert.ok(names.has(`p-${i}`), `no Event about p-${i}`);

        // A repeat is an update of the Event the stream created: count 2, one object.
        events.event(pod('p-7'), 'Normal', 'Scheduled', 'Successfully assigned default/p-7 to node-1');
        await events.flush();
        const about7 = await admin.kind<Event>('Event').list('default', {
          fieldSelector: 'involvedObject.name=p-7',
        });
        assert.equal(about7.items.length, 1);
        assert.equal(about7.items[0]?.count, 2);
        assert.equal(events.dropped, 0);
      } finally {
        admin.close();
      }
    } finally {
      clients.close();
    }
  });

  test('an Event the apiserver refuses on the stream is answered with its error, and the stream goes on', async () => {
    const clients = createClientset(cluster.admin, { component: 'test' });
    try {
      const stream = createEventsStream(clients.api);
      const bad = Event.fromPartial({
        metadata: { name: 'bad.1', namespace: 'default' },
        involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' },
        type: 'Loud',
      });
      await assert.rejects(stream.create(bad), (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        assert.deepEqual(
          err.causes.map((c) => c.field),
          ['type'],
        );
        return true;
      });
      const rv = await stream.create({
        ...bad,
        metadata: { ...(bad.metadata as NonNullable<Event['metadata']>), name: 'good.1' },
        type: 'Normal',
      });
      assert.match(rv, /^\d+$/);
      assert.equal(stream.streaming, true);
      stream.close();
    } finally {
      clients.close();
    }
  });

  test('a broken stream fails the creates pending on it with UNAVAILABLE, and the next create opens another', async () => {
    const clients = createClientset(cluster.admin, { component: 'test' });
    try {
      const stream = createEventsStream(clients.api);
      const ev = (name: string) =>
        Event.fromPartial({
          metadata: { name, namespace: 'default' },
          involvedObject: { kind: 'Pod', name: 'x', namespace: 'default' },
          type: 'Normal',
          reason: 'Test',
        });
      assert.match(await stream.create(ev('before-restart.1')), /^\d+$/);
      const pending = Array.from({ length: 50 }, (_, i) => stream.create(ev(`during-restart.${i}`)));
      const settled = Promise.allSettled(pending);
      await cluster.restartApiserver({ signal: 'SIGKILL' });
      for (const r of await settled) {
        // Each either made before the kill, or failed back as lost: none hangs.
        if (r.status === 'rejected') {
          assert.ok(r.reason instanceof ApiError);
          assert.equal(r.reason.code, Code.UNAVAILABLE, r.reason.message);
        }
      }
      const deadline = Date.now() + 20_000;
      for (;;) {
        try {
          assert.match(await stream.create(ev(`after-restart.${Date.now()}`)), /^\d+$/);
          break;
        } catch (err) {
          if (!(err instanceof ApiError) || err.code !== Code.UNAVAILABLE || Date.now() > deadline) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      stream.close();
    } finally {
      clients.close();
    }
  });
});

describe('events against an apiserver without CreateEvents', () => {
  test('the sink falls back to unary CreateEvent, and the recorder writes every Event', async () => {
    const info = kinds.find((k) => k.kind === 'Event');
    assert.ok(info);
    const fake = await startFakeApiserver([info]);
    const clients = createClientset({ server: fake.address, insecure: true }, { component: 'test' });
    try {
      const sink = apiEventSink(clients.api);
      const events = createEventRecorder(sink, { component: 'test', instance: 'test' });
      for (let i = 0; i < 20; i++) events.event(pod(`q-${i}`), 'Normal', 'Scheduled', `assigned q-${i}`);
      await events.flush();
      assert.equal(sink.pipelined, false);
      const created = fake.requests.filter((r) => r.method === 'createEvent');
      assert.equal(created.length, 20);
      const stored = [...fake.objects.keys()].filter((k) => k.startsWith('Event/default/q-'));
      assert.equal(stored.length, 20);
    } finally {
      clients.close();
      await fake.stop();
    }
  });
});

describe('the recorder and a lost connection', () => {
  test('a create lost with its connection is tried again; ALREADY_EXISTS then counts as made', async () => {
    const calls: string[] = [];
    let failNext = 2;
    const sink: EventSink = {
      async create(event) {
        const name = event.involvedObject?.name ?? '';
        calls.push(name);
        if (name === 'lost' && failNext-- > 0) {
          throw new ApiError(Code.UNAVAILABLE, 'the stream ended before the answer');
        }
        if (name === 'made' && calls.filter((c) => c === 'made').length === 1) {
          throw new ApiError(Code.UNAVAILABLE, 'the stream ended before the answer');
        }
        if (name === 'made') throw new ApiError(Code.ALREADY_EXISTS, 'events "made.1" already exists');
        return event;
      },
      update: async (event) => event,
    };
    const warnings: string[] = [];
    const logger = {
      warn: (_o: unknown, msg: string) => warnings.push(msg),
      debug: () => undefined,
    } as unknown as Parameters<typeof createEventRecorder>[1]['logger'];
    const events = createEventRecorder(sink, {
      component: 'test',
      instance: 'test',
      retry: { initialMs: 5, maxMs: 20, forMs: 10_000 },
      ...(logger ? { logger } : {}),
    });
    events.event(pod('lost'), 'Normal', 'R', 'm');
    events.event(pod('made'), 'Normal', 'R', 'm');
    await events.flush();
    // `lost` failed twice, then made; `made` was made by its first try, whose answer was lost.
    assert.deepEqual(
      calls.filter((c) => c === 'lost'),
      ['lost', 'lost', 'lost'],
    );
    assert.deepEqual(
      calls.filter((c) => c === 'made'),
      ['made', 'made'],
    );
    assert.equal(events.dropped, 0);
    assert.deepEqual(warnings, []);
  });
});
