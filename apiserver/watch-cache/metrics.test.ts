import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import { createLogger } from '../../sdk/logger.js';
import { openBackend } from '../../store/registry.js';
import '../../store/drivers/index.js';
import { createDecoder } from './decoder.js';
import { eventBytes } from './memory.js';
import { registerWatchCacheMetrics } from './metrics.js';
import { WatchCache } from './watch-cache.js';

const info = kinds.find((k) => k.kind === 'ConfigMap')!;

function value(name: string): Buffer {
  return Buffer.from(
    ConfigMap.encode(
      ConfigMap.fromPartial({ metadata: { name, namespace: 'ns' }, data: { blob: 'x'.repeat(10_000) } }),
    ).finish(),
  );
}

/** The value of one series in the registry's exposition text. */
async function sample(registry: Registry, series: string): Promise<number | undefined> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('watch cache metrics', () => {
  it("export each cache's history, its watchers' unread bytes, and the watchers ended by limit", async () => {
    const store = await openBackend('memory://');
    const stop = new AbortController();
    const cost = eventBytes(value('o0').length);
    const cache = new WatchCache<ConfigMap>({
      info,
      backend: store,
      decode: createDecoder<ConfigMap>(info),
      logger: createLogger('test', { level: 'silent' }),
      maxBytes: 3 * cost,
      watcherBufferBytes: 2 * cost,
      coalesceMs: 0,
    });
    try {
      await cache.start(stop.signal);
      const registry = new Registry();
      registerWatchCacheMetrics(registry, [cache as unknown as WatchCache<KindObject>]);
      const series = (name: string, labels = '') => `${name}{resource="configmaps"${labels}}`;
      assert.equal(await sample(registry, series('apiserver_watch_cache_events')), 0);
      assert.equal(
        await sample(registry, series('apiserver_terminated_watchers_total', ',reason="bytes"')),
        0,
      );

      const slow = cache.watch({
        prefix: '/registry/configmaps/',
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: stop.signal,
      });
      await store.create('/registry/configmaps/ns/o0', value('o0'));
      await store.create('/registry/configmaps/ns/o1', value('o1'));
      await cache.waitForRevision(2);
      assert.equal(await sample(registry, series('apiserver_watch_cache_events')), 2);
      assert.equal(await sample(registry, series('apiserver_watch_cache_bytes')), 2 * cost);
      assert.equal(await sample(registry, series('apiserver_watch_cache_pending_bytes')), 2 * cost);
      for (const name of ['o2', 'o3', 'o4'])
        await store.create(`/registry/configmaps/ns/${name}`, value(name));
      await cache.waitForRevision(5);
      assert.equal(await sample(registry, series('apiserver_watch_cache_events')), 3, 'bounded by bytes');
      assert.equal(await sample(registry, series('apiserver_watch_cache_bytes')), 3 * cost);
      assert.equal(await sample(registry, series('apiserver_watch_cache_pending_bytes')), 0);
      assert.equal(
        await sample(registry, series('apiserver_terminated_watchers_total', ',reason="bytes"')),
        1,
      );
      assert.equal(
        await sample(registry, series('apiserver_terminated_watchers_total', ',reason="events"')),
        0,
      );
      assert.equal(
        await sample(registry, series('apiserver_terminated_watchers_total', ',reason="bytes"')),
        1,
        'collecting again adds nothing',
      );
      await assert.rejects(slow.next(), /over 0\.\d+ MiB of events unread/);
    } finally {
      stop.abort();
      await store.close();
    }
  });
});
