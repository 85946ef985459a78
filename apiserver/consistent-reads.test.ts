import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../sdk/errors.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import type { ListMeta } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { pod } from '../test/objects.js';

type PodList = { metadata: ListMeta; items: Pod[] };

/**
 * Consistent reads (resourceVersion "") are served by the watch cache once it has
 * caught up with a revision the store reported after the request arrived.
 */
describe('apiserver: consistent reads from the watch cache', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test('a get right after a write sees the write, and a get after a delete finds nothing', async () => {
    const pods = cluster.client('pods');
    let { pod: current } = await call<{ pod: Pod }>(pods, 'createPod', { pod: pod('ryw') });
    for (let i = 0; i < 20; i++) {
      current.metadata!.labels = { ...current.metadata!.labels, n: String(i) };
      ({ pod: current } = await call<{ pod: Pod }>(pods, 'updatePod', { pod: current }));
      const { pod: read } = await call<{ pod: Pod }>(pods, 'getPod', { namespace: 'default', name: 'ryw' });
      assert.equal(read.metadata?.resourceVersion, current.metadata?.resourceVersion, `after update ${i}`);
      assert.equal(read.metadata?.labels?.n, String(i));
    }
    await call(pods, 'deletePod', { namespace: 'default', name: 'ryw' });
    await assert.rejects(
      call(pods, 'getPod', { namespace: 'default', name: 'ryw' }),
      (err) => err instanceof ApiError && err.code === Code.NOT_FOUND,
    );
  });

  test('reads do not wait for the idle progress interval while other resources are written', async () => {
    const pods = cluster.client('pods');
    const namespaces = cluster.client('namespaces');
    await call(pods, 'createPod', { pod: pod('steady') });
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      // A write elsewhere moves the store's revision past everything the pods cache has seen.
      await call(namespaces, 'createNamespace', { namespace: { metadata: { name: `elsewhere-${i}` } } });
      const started = performance.now();
      if (i % 2 === 0) await call(pods, 'getPod', { namespace: 'default', name: 'steady' });
      else await call<PodList>(pods, 'listPods', { namespace: 'default' });
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[latencies.length / 2]!;
    // Waiting for the next idle notification (every 250 ms) would put the median near 125 ms.
    assert.ok(median < 60, `median consistent read took ${median.toFixed(1)} ms`);
  });
});
