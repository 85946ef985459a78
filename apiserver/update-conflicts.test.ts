import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ApiError, Code } from '../sdk/errors.js';
import type { ConfigMap } from '../sdk/gen/wheelhouse/core/v1/config_map.js';
import { type Cluster, call, startCluster } from '../test/cluster.js';
import { deployment } from '../test/objects.js';
import { until } from '../test/until.js';
import { watch } from '../test/watch.js';

type Reply = { configMap: ConfigMap };

describe('apiserver: updates under contention', () => {
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster.stop());

  test('8 writers updating one ConfigMap without a resourceVersion for 5 s: none ABORTED, every write lands', async (t) => {
    const cms = cluster.client('configmaps');
    const name = 'contended';
    const created = await call<Reply>(cms, 'createConfigMap', {
      configMap: { metadata: { name, namespace: 'default' }, data: { start: 'yes' } },
    });
    // Every write must show up as its own revision, with what its writer sent.
    const events = watch<ConfigMap>(cms, 'watchConfigMaps', {
      namespace: 'default',
      options: { resourceVersion: created.configMap.metadata?.resourceVersion ?? '' },
    });
    const writers = 8;
    const durationMs = 5_000;
    const aborted: string[] = [];
    const written: { writer: string; seq: string; resourceVersion: string }[] = [];
    const lastOf = new Map<string, string>();
    const end = Date.now() + durationMs;
    await Promise.all(
      Array.from({ length: writers }, async (_, i) => {
        const writer = `writer-${i}`;
        for (let seq = 1; Date.now() < end; seq++) {
          try {
            const { configMap } = await call<Reply>(cms, 'updateConfigMap', {
              configMap: { metadata: { name, namespace: 'default' }, data: { [writer]: String(seq) } },
            });
            assert.deepEqual(configMap.data, { [writer]: String(seq) }, 'the reply holds what was sent');
            written.push({
              writer,
              seq: String(seq),
              resourceVersion: configMap.metadata?.resourceVersion ?? '',
            });
            lastOf.set(writer, String(seq));
          } catch (err) {
            if (!(err instanceof ApiError) || err.code !== Code.ABORTED) throw err;
            aborted.push(err.message);
          }
        }
      }),
    );
    try {
      assert.deepEqual(
        aborted,
        [],
        `${aborted.length} of ${aborted.length + written.length} updates ABORTED`,
      );
      t.diagnostic(
        `${written.length} updates by ${writers} writers in ${durationMs} ms; each: ${[...lastOf.values()].join(', ')}`,
      );
      assert.equal(lastOf.size, writers, 'every writer got through');
      const revisions = new Set(written.map((w) => w.resourceVersion));
      assert.equal(revisions.size, written.length, 'each write is a revision of its own');

      // The watch sees each write once, as written, in the order of the revisions.
      const modified = await events.until((seen) => seen.length >= written.length, 20_000);
      assert.equal(modified.length, written.length);
      const byRevision = [...written].sort((a, b) => Number(a.resourceVersion) - Number(b.resourceVersion));
      modified.forEach((e, n) => {
        const w = byRevision[n]!;
        assert.equal(e.type, 'MODIFIED');
        assert.equal(e.object.metadata?.resourceVersion, w.resourceVersion);
        assert.deepEqual(e.object.data, { [w.writer]: w.seq });
      });
      // Each writer's last write is the last revision holding its key.
      for (const [writer, seq] of lastOf) {
        const last = modified.findLast((e) => e.object.data[writer] !== undefined);
        assert.equal(last?.object.data[writer], seq, writer);
      }

      // The object is the last write.
      const { configMap } = await call<Reply>(cms, 'getConfigMap', { namespace: 'default', name });
      const last = byRevision.at(-1)!;
      assert.equal(configMap.metadata?.resourceVersion, last.resourceVersion);
      assert.deepEqual(configMap.data, { [last.writer]: last.seq });
    } finally {
      events.cancel();
    }
  });

  test('scale updates without a resourceVersion and a delete without preconditions retry their conflicts too', async () => {
    const deploys = cluster.client('deployments');
    await call(deploys, 'createDeployment', { deployment: deployment('scaled', 1) });
    const aborted: string[] = [];
    let scaled = 0;
    let deleted = false;
    const scaler = async (replicas: number) => {
      while (!deleted) {
        try {
          await call(deploys, 'updateDeploymentScale', {
            scale: { metadata: { name: 'scaled', namespace: 'default' }, spec: { replicas } },
          });
          scaled++;
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          if (err.code === Code.NOT_FOUND) return;
          if (err.code !== Code.ABORTED) throw err;
          aborted.push(err.message);
        }
      }
    };
    const scalers = Array.from({ length: 8 }, (_, i) => scaler(i + 2));
    // Two seconds of contention, and at least the updates asserted below (slower on a loaded host).
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await until(() => scaled > 8, 'more than 8 scale updates', 30_000);
    const deletion = await call(deploys, 'deleteDeployment', { namespace: 'default', name: 'scaled' }).then(
      () => 'OK',
      (err: unknown) => (err instanceof ApiError ? Code[err.code] : String(err)),
    );
    deleted = true;
    await Promise.all(scalers);
    assert.equal(deletion, 'OK');
    assert.deepEqual(aborted, [], `${aborted.length} of ${aborted.length + scaled} scale updates ABORTED`);
    assert.ok(scaled > 8, `${scaled} scale updates`);
  });

  test('an update with a stale resourceVersion is ABORTED at once', async () => {
    const cms = cluster.client('configmaps');
    const { configMap: first } = await call<Reply>(cms, 'createConfigMap', {
      configMap: { metadata: { name: 'stale', namespace: 'default' }, data: { v: '1' } },
    });
    const { configMap: second } = await call<Reply>(cms, 'updateConfigMap', {
      configMap: { ...first, data: { v: '2' } },
    });
    const started = Date.now();
    await assert.rejects(
      call(cms, 'updateConfigMap', { configMap: { ...first, data: { v: '3' } } }),
      (err: unknown) =>
        err instanceof ApiError &&
        err.code === Code.ABORTED &&
        /the object has been modified/.test(err.message),
    );
    // At once: not retried for the 60 s an unconditional write may retry its conflicts
    // (10 s allows for a loaded machine).
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const { configMap: now } = await call<Reply>(cms, 'getConfigMap', {
      namespace: 'default',
      name: 'stale',
    });
    assert.equal(now.metadata?.resourceVersion, second.metadata?.resourceVersion);
    assert.deepEqual(now.data, { v: '2' });
  });
});
