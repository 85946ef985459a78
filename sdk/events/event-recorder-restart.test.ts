/**
 * The recorder against a real apiserver that restarts: an Event recorded while the
 * apiserver is down (a component's first second, before the apiserver answers) is
 * written once it is back, exactly once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { createClientset } from '../client/typed-client.js';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { Node } from '../gen/wheelhouse/core/v1/node.js';
import { createEventRecorder } from './event-recorder.js';
import { apiEventSink, type EventSink } from './event-sink.js';

describe('the event recorder across an apiserver restart', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test('an Event recorded while the apiserver is down is written once it is back', async () => {
    const kubelet = cluster.pki.kubelets['node-1'];
    assert.ok(kubelet);
    const clients = createClientset(
      {
        server: cluster.apiserver,
        certificateAuthority: cluster.pki.caFile,
        clientCertificate: kubelet.client.certFile,
        clientKey: kubelet.client.keyFile,
      },
      { component: 'kubelet' },
    );
    const admin = createClientset(cluster.admin, { component: 'test' });
    try {
      const api = apiEventSink(clients.api);
      // The default sink, over the CreateEvents stream (over unary calls the client itself
      // rides out a restart this short: it tries again a write that never left). Counts the
      // writes that found the apiserver unreachable: the test proves nothing unless the
      // Event's first write failed.
      let unreachable = 0;
      const sink: EventSink = {
        get pipelined() {
          return api.pipelined;
        },
        create: (e) =>
          api.create(e).catch((err: unknown) => {
            if (
              err instanceof ApiError &&
              (err.code === Code.UNAVAILABLE || err.code === Code.DEADLINE_EXCEEDED)
            )
              unreachable++;
            throw err;
          }),
        update: (e) => api.update(e),
      };
      const events = createEventRecorder(sink, {
        component: 'kubelet',
        instance: 'node-1',
        retry: { initialMs: 100, maxMs: 500, forMs: 60_000 },
      });
      const node = Node.fromPartial({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name: 'node-1', uid: 'uid-node-1' },
      });
      // Warm the connection up, so that the restart breaks one that was in use.
      events.event(node, 'Normal', 'Starting', 'Starting kubelet.');
      await events.flush();

      const pid = cluster.apiserverPid;
      const restarted = cluster.restartApiserver({ signal: 'SIGKILL' });
      // Once the new process has been spawned the old one is gone, and the new one does
      // not listen for a while yet.
      while (cluster.apiserverPid === pid) await new Promise((r) => setTimeout(r, 5));
      events.event(node, 'Normal', 'NodeReady', 'Node node-1 status is now: NodeReady');
      await restarted;
      await events.flush(60_000);

      assert.ok(unreachable > 0, 'the Event was first written while the apiserver was down');
      const about = await admin.kind<Event>('Event').list('default', {
        fieldSelector: 'involvedObject.uid=uid-node-1,reason=NodeReady',
      });
      assert.equal(about.items.length, 1, JSON.stringify(about.items.map((e) => e.metadata?.name)));
      assert.equal(about.items[0]?.count, 1);
      assert.equal(events.droppedByReason.write_failed, 0);
      await events.close();
    } finally {
      admin.close();
      clients.close();
    }
  });
});
