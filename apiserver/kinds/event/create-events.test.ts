/**
 * EventService.CreateEvents through a real store and apiserver: many Events over one
 * stream, each answered by its id and visible through GetEvent; each create authorized
 * in its Event's namespace and validated as CreateEvent's, failures answered without
 * ending the stream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Metadata } from '@grpc/grpc-js';
import { Code } from '../../../sdk/errors.js';
import { Event } from '../../../sdk/gen/wheelhouse/core/v1/event.js';
import type { EventServiceClient } from '../../../sdk/gen/wheelhouse/core/v1/event_service.js';
import type { CertFiles } from '../../../sdk/pki/cert.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { configAs, itemStream } from '../testing.js';

/** One open CreateEvents stream: send Events, await each answer by id. */
const openStream = (client: EventServiceClient) =>
  itemStream(client.createEvents(new Metadata()), 'event', (id, event: Event) => ({ id, event }));

/** A Scheduled Event about pod `pod` in `namespace`, named `name`. */
function scheduledEvent(name: string, namespace: string, pod = 'p'): Event {
  return Event.fromPartial({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace },
    involvedObject: { apiVersion: 'v1', kind: 'Pod', namespace, name: pod },
    reason: 'Scheduled',
    message: `Successfully assigned ${namespace}/${pod} to node-1`,
    type: 'Normal',
    count: 1,
    source: { component: 'default-scheduler' },
  });
}

describe('EventService.CreateEvents', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());
  const as = (certs: CertFiles) => configAs(cluster, certs);

  test('creates many Events over one stream, as the scheduler, each answered by its id', async () => {
    const n = 300;
    const s = openStream(cluster.client<EventServiceClient>('events', as(cluster.pki.scheduler)));
    // More than the server takes in flight at once (256): the rest wait for room.
    for (let i = 0; i < n; i++) s.send(i + 1, scheduledEvent(`many.${i}`, 'default', `pod-${i}`));
    const answers = await Promise.all(Array.from({ length: n }, (_, i) => s.answer(i + 1)));
    for (const res of answers) {
      assert.equal(res.status, undefined, `event ${res.id}: ${res.status?.message}`);
      assert.match(res.resourceVersion, /^\d+$/);
    }
    const admin = cluster.client('events');
    for (const i of [0, 150, n - 1]) {
      const got = await call<{ event: Event }>(admin, 'getEvent', {
        namespace: 'default',
        name: `many.${i}`,
      });
      assert.equal(got.event.involvedObject?.name, `pod-${i}`);
      assert.equal(got.event.reason, 'Scheduled');
      assert.equal(got.event.metadata?.resourceVersion, answers[i]?.resourceVersion);
    }
    // Half-closed by the client, the server ends the stream once every answer is sent.
    await s.end();
  });

  test('an invalid Event answers INVALID_ARGUMENT with its field paths, and the stream goes on', async () => {
    const s = openStream(cluster.client<EventServiceClient>('events', as(cluster.pki.scheduler)));
    const bad = scheduledEvent('bad.1', 'default');
    bad.type = 'Loud';
    if (bad.involvedObject) bad.involvedObject.name = '';
    s.send(1, bad);
    const invalid = await s.answer(1);
    assert.equal(invalid.status?.code, Code.INVALID_ARGUMENT);
    assert.equal(invalid.resourceVersion, '');
    assert.deepEqual(invalid.status?.details?.causes.map((c) => c.field).sort(), [
      'involvedObject.name',
      'type',
    ]);

    s.send(2, scheduledEvent('dup.1', 'default'));
    assert.equal((await s.answer(2)).status, undefined);
    s.send(3, scheduledEvent('dup.1', 'default'));
    assert.equal((await s.answer(3)).status?.code, Code.ALREADY_EXISTS);

    // A namespace that cannot exist is refused by name, as CreateEvent refuses it.
    s.send(4, scheduledEvent('bad-ns.1', 'Not_A_Namespace'));
    assert.equal((await s.answer(4)).status?.code, Code.INVALID_ARGUMENT);

    // After all that, the same stream still creates.
    s.send(5, scheduledEvent('after-bad.1', 'default'));
    const ok = await s.answer(5);
    assert.equal(ok.status, undefined, ok.status?.message);
    const got = await call<{ event: Event }>(cluster.client('events'), 'getEvent', {
      namespace: 'default',
      name: 'after-bad.1',
    });
    assert.equal(got.event.metadata?.resourceVersion, ok.resourceVersion);
    s.stream.cancel();
  });

  test('each Event is authorized in its namespace: a refusal answers PERMISSION_DENIED and ends nothing', async () => {
    const admin = (resource: string) => cluster.client(resource);
    await call(admin('namespaces'), 'createNamespace', {
      namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'allowed' } },
    });
    // A user RBAC lets create Events in `allowed` and nowhere else.
    const user = 'wheelhouse-apiserver-kubelet-client';
    await call(admin('roles'), 'createRole', {
      role: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: { name: 'event-writer', namespace: 'allowed' },
        rules: [{ apiGroups: [''], resources: ['events'], verbs: ['create'] }],
      },
    });
    await call(admin('rolebindings'), 'createRoleBinding', {
      roleBinding: {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: 'event-writer', namespace: 'allowed' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'event-writer' },
        subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }],
      },
    });
    const s = openStream(
      cluster.client<EventServiceClient>('events', as(cluster.pki.apiserverKubeletClient)),
    );
    // The authorizer learns of the binding through its watch: wait for it, with a deadline.
    let id = 0;
    const deadline = Date.now() + 15_000;
    for (;;) {
      id++;
      s.send(id, scheduledEvent(`allowed.${id}`, 'allowed'));
      const res = await s.answer(id);
      if (res.status === undefined) break;
      assert.equal(res.status.code, Code.PERMISSION_DENIED, res.status.message);
      assert.ok(Date.now() < deadline, 'the RoleBinding never took effect');
      await new Promise((r) => setTimeout(r, 100));
    }
    id++;
    s.send(id, scheduledEvent('refused.1', 'default'));
    const refused = await s.answer(id);
    assert.equal(refused.status?.code, Code.PERMISSION_DENIED);
    assert.match(refused.status?.message ?? '', new RegExp(`User "${user}" cannot create resource "events"`));
    assert.match(refused.status?.message ?? '', /in the namespace "default"/);
    // The refusal ends nothing: the next Event, in the namespace it may write, is created.
    id++;
    s.send(id, scheduledEvent('allowed.after', 'allowed'));
    assert.equal((await s.answer(id)).status, undefined);
    const got = await call<{ event: Event }>(admin('events'), 'getEvent', {
      namespace: 'allowed',
      name: 'allowed.after',
    });
    assert.equal(got.event.reason, 'Scheduled');
    await assert.rejects(
      call(admin('events'), 'getEvent', { namespace: 'default', name: 'refused.1' }),
      (err: { code?: number }) => err.code === Code.NOT_FOUND,
    );
    s.stream.cancel();
  });

  test('two Events with one id in flight: the second is refused, the first is created', async () => {
    const s = openStream(cluster.client<EventServiceClient>('events', as(cluster.pki.scheduler)));
    const two = s.arrivals(2);
    s.send(7, scheduledEvent('same-id.a', 'default'));
    s.send(7, scheduledEvent('same-id.b', 'default'));
    const got = await two;
    const codes = got.map((r) => r.status?.code ?? Code.OK).sort();
    assert.deepEqual(codes, [Code.OK, Code.INVALID_ARGUMENT]);
    s.stream.cancel();
  });
});
