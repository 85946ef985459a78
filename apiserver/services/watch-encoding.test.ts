import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import {
  WatchConfigMapsEvent,
  WatchConfigMapsResponse,
} from '../../sdk/gen/wheelhouse/core/v1/config_map_service.js';
import { WatchEventType } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import { createLogger } from '../../sdk/logger.js';
import { openBackend } from '../../store/registry.js';
import '../../store/drivers/index.js';
import { fieldsV1Of } from '../../sdk/patch/fields-v1.js';
import { type CacheEvent, createDecoder, WatchCache } from '../watch-cache/index.js';
import { WatchEncoder } from './watch-encoding.js';

const info = kinds.find((k) => k.kind === 'ConfigMap')!;
const logger = createLogger('watch-encoding-test', { level: 'silent' });

function value(name: string, data: Record<string, string>): Buffer {
  const obj = ConfigMap.fromPartial({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: 'web' },
      managedFields: [
        {
          manager: 'test',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: fieldsV1Of({
            'f:data': Object.fromEntries(Object.keys(data).map((k) => [`f:${k}`, {}])),
          }),
          time: new Date('2026-01-02T03:04:05Z'),
        },
      ],
    },
    data,
  });
  return Buffer.from(ConfigMap.encode(obj).finish());
}

/** The message a watcher would get for `events`, the events' objects encoded anew. */
function encodedAnew(events: readonly CacheEvent<ConfigMap>[]): Buffer {
  const types = { ADDED: 1, MODIFIED: 2, DELETED: 3, BOOKMARK: 4 } as const;
  const response = WatchConfigMapsResponse.encode({
    events: events.map((e) =>
      WatchConfigMapsEvent.fromPartial({
        type: types[e.type] as WatchEventType,
        // A plain copy: the cache's object keeps its managed fields as bytes.
        object: ConfigMap.decode(ConfigMap.encode(e.object).finish()),
      }),
    ),
  }).finish();
  const framed = Buffer.alloc(response.length + 5);
  framed.writeUInt32BE(response.length, 1);
  framed.set(response, 5);
  return framed;
}

describe('WatchEncoder over the watch cache', () => {
  it('sends the events of writes as encoding their objects would', async () => {
    const store = await openBackend('memory://');
    const stop = new AbortController();
    const cache = new WatchCache<ConfigMap>({
      info,
      backend: store,
      decode: createDecoder<ConfigMap>(info),
      logger,
      progressIntervalMs: 20,
      coalesceMs: 0,
    });
    try {
      await cache.start(stop.signal);
      const watcher = cache.watch({
        prefix: '/registry/configmaps/',
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: stop.signal,
      });
      const encoder = new WatchEncoder(info);
      const received: { events: CacheEvent<ConfigMap>[]; messages: readonly Buffer[] }[] = [];
      watcher.consume(
        {
          deliver: (events) => {
            received.push({
              events: [...events],
              messages: encoder.messages(events as readonly CacheEvent<KindObject>[]),
            });
            return true;
          },
          end: () => {},
        },
        100,
      );
      const key = '/registry/configmaps/default/a';
      const created = await store.create(key, value('a', { k: 'v' }));
      const updated = await store.update(
        key,
        value('a', { k: 'w', l: 'x'.repeat(200) }),
        created.modRevision,
      );
      await store.delete(key, updated.modRevision);
      const deadline = Date.now() + 20_000;
      while (received.flatMap((r) => r.events).length < 3) {
        assert.ok(Date.now() < deadline, 'the events did not come');
        await new Promise((r) => setTimeout(r, 5));
      }
      const types = received.flatMap((r) => r.events.map((e) => e.type));
      assert.deepEqual(types, ['ADDED', 'MODIFIED', 'DELETED']);
      for (const { events, messages } of received) {
        assert.equal(messages.length, 1);
        assert.deepEqual(messages[0], encodedAnew(events));
      }
      const last = WatchConfigMapsResponse.decode(received.at(-1)!.messages[0]!.subarray(5)).events.at(-1)!;
      assert.equal(last.type, WatchEventType.WATCH_EVENT_TYPE_DELETED);
      assert.equal(last.object?.metadata?.resourceVersion, String(updated.modRevision + 1));
      assert.equal(last.object?.data.l, 'x'.repeat(200));
      watcher.close();
    } finally {
      stop.abort();
      await store.close();
    }
  });
});
