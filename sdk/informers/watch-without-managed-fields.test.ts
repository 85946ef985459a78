import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { createApiClient } from '../client/dynamic-client.js';
import { connectionFor } from '../client/index.js';
import type { ConfigMap } from '../gen/wheelhouse/core/v1/config_map.js';
import { ManagedFieldsEntry, type ObjectMeta, WatchEventType } from '../gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, typesOf } from '../kind-registry.js';
import { type KindInfo, kinds, pluralOf, resolveResource } from '../kinds.js';
import { type FakeApiserver, startFakeApiserver } from '../testing/fake-apiserver.js';
import { metadataTagOf } from '../wire/metadata-tag.js';
import { listWatchOf } from './list-watch.js';
import type { InformerWatchEvent } from './types.js';
import { managedFieldsPathOf, type WatchResponse, watchDecoderOf } from './watch-without-managed-fields.js';

// In their manifest form, which every version of the generated code reads.
const entries = (): ManagedFieldsEntry[] => [
  ManagedFieldsEntry.fromJSON({
    manager: 'whctl',
    operation: 'Apply',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:data': { 'f:a': {} } },
    time: '2026-01-02T03:04:05Z',
  }),
  ManagedFieldsEntry.fromJSON({
    manager: 'controller',
    operation: 'Update',
    apiVersion: 'v1',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:metadata': { 'f:annotations': { '.': {}, 'f:note': {} } } },
    subresource: 'status',
  }),
];

function objectOf(info: KindInfo, name: string, managedFields: ManagedFieldsEntry[]): KindObject {
  const meta: Partial<ObjectMeta> = {
    name,
    namespace: info.namespaced ? 'default' : '',
    uid: `uid-${name}`,
    resourceVersion: '42',
    // Long enough that the metadata's length takes more bytes with the entries than without.
    labels: { app: 'web', tier: 'x'.repeat(100) },
    annotations: { note: 'kept' },
    finalizers: ['example.com/last'],
    managedFields,
  };
  return typesOf(info).message.create({ apiVersion: 'v1', kind: info.kind, metadata: meta } as never);
}

const cleared = (o: KindObject): KindObject => ({
  ...o,
  metadata: { ...(o.metadata as ObjectMeta), managedFields: [] },
});

interface Method {
  responseSerialize(r: WatchResponse): Buffer;
  responseDeserialize(b: Buffer): WatchResponse;
}
const methodOf = (info: KindInfo) => typesOf(info).service[`watch${pluralOf(info)}`] as unknown as Method;

function frame(info: KindInfo, withEntries: boolean): WatchResponse {
  const mf = () => (withEntries ? entries() : []);
  return {
    events: [
      { type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object: objectOf(info, 'a', mf()) },
      { type: WatchEventType.WATCH_EVENT_TYPE_MODIFIED, object: objectOf(info, 'b', []) },
      { type: WatchEventType.WATCH_EVENT_TYPE_DELETED, object: objectOf(info, 'c', mf()) },
      {
        type: WatchEventType.WATCH_EVENT_TYPE_BOOKMARK,
        object: typesOf(info).message.create({ metadata: { resourceVersion: '43' } } as never),
      },
    ],
  };
}

describe('every kind of the kind table', () => {
  for (const info of kinds) {
    test(`${info.kind}: a watch message decodes as its objects without managed fields`, () => {
      const method = methodOf(info);
      const where = managedFieldsPathOf(typesOf(info), info);
      // The shape is the same for every kind: events (1) → object (2) → metadata → managed_fields (14).
      assert.deepEqual(where, { path: [10, 18, metadataTagOf(typesOf(info).message)], drop: 14 * 8 + 2 });
      const bytes = method.responseSerialize(frame(info, true));
      const decoded = watchDecoderOf(typesOf(info), info)(bytes);
      const expected = method.responseDeserialize(method.responseSerialize(frame(info, false)));
      assert.deepEqual(decoded, expected);
      assert.equal(decoded.events[0]?.object?.metadata?.labels.tier, 'x'.repeat(100));
      // Left out on the wire, not only cleared after decoding: the plain decode still has them.
      assert.equal(method.responseDeserialize(bytes).events[0]?.object?.metadata?.managedFields.length, 2);
    });
  }
});

test('bytes that do not follow the expected shape are decoded as they came, then cleared', () => {
  const info = resolveResource('pods') as KindInfo;
  const method = methodOf(info);
  const bytes = method.responseSerialize(frame(info, true));
  // An unknown group (wire type 3) after the events: decoders skip it, the rewrite cannot follow it.
  const group = new BinaryWriter()
    .uint32(9 * 8 + 3)
    .uint32(9 * 8 + 4)
    .finish();
  const odd = Buffer.concat([bytes, group]);
  const decoded = watchDecoderOf(typesOf(info), info)(odd);
  assert.deepEqual(decoded, method.responseDeserialize(method.responseSerialize(frame(info, false))));
  // Bytes that are no message at all fail as a plain decode does.
  const garbage = Buffer.from([0x0a, 0x05, 0x01]);
  assert.throws(() => method.responseDeserialize(garbage));
  assert.throws(() => watchDecoderOf(typesOf(info), info)(garbage));
});

describe('listWatchOf with managedFields: false', () => {
  const info = resolveResource('configmaps') as KindInfo;
  let fake: FakeApiserver;
  before(async () => {
    fake = await startFakeApiserver([info]);
  });
  after(async () => {
    await fake.stop();
  });

  const configMap = (name: string): ConfigMap => ({
    ...(objectOf(info, name, entries()) as ConfigMap),
    data: { a: '1' },
  });

  test('lists and watches objects without managed fields; the default keeps them', async () => {
    const api = createApiClient(
      connectionFor({ server: fake.address, insecure: true }, { component: 'test' }),
    );
    try {
      fake.put(info, configMap('listed'));
      const stripped = listWatchOf<ConfigMap>(api, info, { managedFields: false });
      const plain = listWatchOf<ConfigMap>(api, info);
      const page = await stripped.list({ limit: 10, continue: '' });
      assert.deepEqual(
        page.items.map((o) => [o.metadata?.name, o.metadata?.managedFields.length, o.data.a]),
        [['listed', 0, '1']],
      );
      const full = await plain.list({ limit: 10, continue: '' });
      assert.equal(full.items[0]?.metadata?.managedFields.length, 2);

      const ac = new AbortController();
      const seen = (lw: typeof plain) => {
        const out: InformerWatchEvent<ConfigMap>[] = [];
        const done = (async () => {
          for await (const events of lw.watch({ resourceVersion: page.resourceVersion }, ac.signal)) {
            out.push(...events);
            if (out.some((e) => e.object.metadata?.name === 'watched')) return;
          }
        })();
        return { out, done };
      };
      const a = seen(stripped);
      const b = seen(plain);
      // Both watches are open before the write (the fake sends only what comes after).
      const watches = () => fake.requests.filter((r) => r.method === 'watchConfigMaps').length;
      while (watches() < 2) await new Promise((r) => setTimeout(r, 10));
      fake.put(info, configMap('watched'));
      await Promise.all([a.done, b.done]);
      ac.abort();
      const watched = (out: InformerWatchEvent<ConfigMap>[]) =>
        out.find((e) => e.object.metadata?.name === 'watched')?.object;
      assert.equal(watched(a.out)?.metadata?.managedFields.length, 0);
      assert.equal(watched(a.out)?.metadata?.labels.app, 'web');
      assert.equal(watched(a.out)?.data.a, '1');
      assert.deepEqual(watched(a.out), cleared(watched(b.out) as KindObject));
    } finally {
      api.close();
    }
  });
});
