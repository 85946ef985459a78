import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { kinds } from '../../sdk/kinds.js';
import { createLogger } from '../../sdk/logger.js';
import { openBackend } from '../../store/registry.js';
import '../../store/drivers/index.js';
import { followCompaction } from './compaction-follower.js';
import { createDecoder } from './decoder.js';
import { WatchCache } from './watch-cache.js';

const info = kinds.find((k) => k.kind === 'ConfigMap')!;
const logger = createLogger('compaction-follower-test', { level: 'silent' });

const value = (name: string) =>
  Buffer.from(
    ConfigMap.encode(
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: 'default' },
      }),
    ).finish(),
  );

async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('followCompaction', () => {
  it('drops the history the store compacted; watches from after it still resume', async () => {
    const store = await openBackend('memory://');
    const stop = new AbortController();
    try {
      const cache = new WatchCache<ConfigMap>({
        info,
        backend: store,
        decode: createDecoder<ConfigMap>(info),
        logger,
        progressIntervalMs: 20,
        startHistoryRevisions: 0,
      });
      await cache.start(stop.signal);
      for (let i = 0; i < 20; i++)
        await store.create(`/registry/configmaps/default/cm-${i}`, value(`cm-${i}`));
      const middle = store.currentRevision() - 10;
      await waitFor(() => cache.history.events === 20);
      followCompaction(store, [cache], { intervalMs: 10, signal: stop.signal, logger });
      await store.compact(middle);
      await waitFor(() => cache.history.events === 10);
      assert.ok(cache.history.bytes > 0);

      // A watch from the compacted revision on gets exactly what followed it.
      const watch = cache.watch({
        prefix: '/registry/configmaps/',
        fromRevision: middle,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: stop.signal,
      });
      const names: string[] = [];
      for (let i = 0; i < 10; i++) {
        const r = await watch.next();
        names.push(r.value?.object.metadata?.name ?? '');
      }
      assert.deepEqual(
        names,
        Array.from({ length: 10 }, (_, i) => `cm-${i + 10}`),
      );
      watch.close();

      // Nothing older is kept: resuming before it is refused, as the store would refuse it.
      assert.throws(
        () =>
          cache.watch({
            prefix: '/registry/configmaps/',
            fromRevision: middle - 5,
            sendInitialEvents: false,
            allowBookmarks: false,
            signal: stop.signal,
          }),
        /too old resource version/,
      );
    } finally {
      stop.abort();
      await store.close();
    }
  });
});
