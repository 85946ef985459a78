/**
 * The node authorizer through real store and apiserver processes, with a kubelet's own
 * client certificate: a kubelet's requests about a pod bound to its node pass while
 * the pod exists, even before the authorizer's graph has seen the pod, and never for
 * a pod bound elsewhere.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { pod } from '../../../test/objects.js';
import { outcome } from '../../../test/outcome.js';

describe('node authorizer in a real cluster', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  const kubelet = () => ({
    ...cluster.admin,
    server: cluster.apiserver,
    clientCertificate: cluster.pki.kubelets['node-1']!.client.certFile,
    clientKey: cluster.pki.kubelets['node-1']!.client.keyFile,
  });

  const createBound = async (name: string, node: string): Promise<Pod> => {
    const p = pod(name);
    p.spec!.nodeName = node;
    return (await call<{ pod: Pod }>(cluster.client('pods'), 'createPod', { pod: p })).pod;
  };

  test("a kubelet's confirming delete passes the moment its pod exists, gracefully deleted or not", async () => {
    const asNode = cluster.client('pods', kubelet());
    const admin = cluster.client('pods');
    // Each pod is deleted as soon as its create is acknowledged: the authorizer's graph,
    // which follows the watch cache, has then seldom caught up with it.
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const created = await createBound(`confirm-${i}`, 'node-1');
        const uid = created.metadata!.uid;
        const ref = { namespace: 'default', name: created.metadata!.name };
        if (i % 2 === 0) {
          // As after a graceful delete: the pod carries a deletionTimestamp.
          await call(admin, 'deletePod', { ...ref, options: { gracePeriodSeconds: '30' } });
        }
        const status = await outcome(
          call(asNode, 'updatePodStatus', { pod: { ...created, status: { phase: 'Running' } } }),
        );
        const deleted = await outcome(
          call(asNode, 'deletePod', {
            ...ref,
            options: { gracePeriodSeconds: '0', preconditions: { uid, resourceVersion: '' } },
          }),
        );
        return { name: ref.name, status, deleted };
      }),
    );
    const refused = results.filter((r) => r.deleted.code !== 'OK');
    assert.deepEqual(refused, [], `${refused.length} of ${results.length} deletes refused`);
  });

  test("a kubelet's confirming delete of a pod force-deleted meanwhile answers NOT_FOUND", async () => {
    // As when the pod GC or an operator force-deletes a terminating pod while its kubelet
    // is stopping it: the kubelet takes NOT_FOUND as done, a refusal as a failure to retry.
    const asNode = cluster.client('pods', kubelet());
    const created = await createBound('forced', 'node-1');
    const ref = { namespace: 'default', name: 'forced' };
    await call(cluster.client('pods'), 'deletePod', { ...ref, options: { gracePeriodSeconds: '30' } });
    await call(cluster.client('pods'), 'deletePod', { ...ref, options: { gracePeriodSeconds: '0' } });
    // Long enough for the authorizer's graph to have forgotten the pod.
    await new Promise((r) => setTimeout(r, 300));
    const deleted = await outcome(
      call(asNode, 'deletePod', {
        ...ref,
        options: {
          gracePeriodSeconds: '0',
          preconditions: { uid: created.metadata!.uid, resourceVersion: '' },
        },
      }),
    );
    assert.equal(deleted.code, 'NOT_FOUND', deleted.message);
  });

  test("a kubelet may neither delete nor update the status of another node's pod", async () => {
    const asNode = cluster.client('pods', kubelet());
    const other = await createBound('elsewhere', 'node-2');
    const unbound = pod('unbound');
    await call(cluster.client('pods'), 'createPod', { pod: unbound });
    for (const [name, code] of [
      ['elsewhere', 'PERMISSION_DENIED'],
      ['unbound', 'PERMISSION_DENIED'],
      ['missing', 'NOT_FOUND'],
    ]) {
      const deleted = await outcome(
        call(asNode, 'deletePod', { namespace: 'default', name, options: { gracePeriodSeconds: '0' } }),
      );
      assert.equal(deleted.code, code, `delete ${name}: ${deleted.message}`);
    }
    const status = await outcome(
      call(asNode, 'updatePodStatus', { pod: { ...other, status: { phase: 'Running' } } }),
    );
    assert.equal(status.code, 'PERMISSION_DENIED', status.message);
    const { pod: still } = await call<{ pod: Pod }>(cluster.client('pods'), 'getPod', {
      namespace: 'default',
      name: 'elsewhere',
    });
    assert.equal(still.metadata?.uid, other.metadata?.uid);
  });
});
