import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WatchResponse } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import { type Event, type KeyValue, tombstone, type WatchBatch } from '../types.js';
import { watchBatchToProto } from './convert.js';
import { watchResponseSerialize } from './watch.js';
import { encodeWatchBatch } from './watch-encoding.js';

const kv = (over: Partial<KeyValue> = {}): KeyValue => ({
  key: '/registry/pods/default/web-0',
  value: Buffer.alloc(1300, 'p'),
  createRevision: 7,
  modRevision: 9,
  version: 2,
  expiresAtMs: 0,
  ...over,
});

const generated = (batch: WatchBatch) => Buffer.from(WatchResponse.encode(watchBatchToProto(batch)).finish());

describe('encodeWatchBatch', () => {
  const batches: [string, WatchBatch][] = [
    ['a progress notification', { events: [], revision: 42 }],
    ['revision 0 with nothing', { events: [], revision: 0 }],
    ['a create', { events: [{ type: 'put', kv: kv({ version: 1, createRevision: 9 }) }], revision: 9 }],
    [
      'an update with its previous value',
      { events: [{ type: 'put', kv: kv(), prevKv: kv({ modRevision: 8 }) }], revision: 12 },
    ],
    [
      'a delete',
      { events: [{ type: 'delete', kv: tombstone('/registry/events/e', 13), prevKv: kv() }], revision: 13 },
    ],
    [
      'big numbers, an expiry, an empty value and a multi-byte key',
      {
        events: [
          {
            type: 'put',
            kv: kv({
              key: '/k/é',
              value: Buffer.alloc(0),
              createRevision: 2 ** 40 + 3,
              modRevision: 2 ** 53 - 1,
              expiresAtMs: 1_765_000_000_123,
            }),
          },
        ],
        revision: 2 ** 53 - 1,
      },
    ],
    [
      'many events with values of every length class',
      {
        events: [1, 127, 128, 16_383, 16_384, 200_000].map(
          (n, i): Event => ({
            type: 'put',
            kv: kv({ value: Buffer.alloc(n, i), modRevision: 100 + i }),
            prevKv: kv(),
          }),
        ),
        revision: 200,
      },
    ],
  ];
  for (const [name, batch] of batches) {
    it(`writes the generated encoder's bytes: ${name}`, () => {
      assert.deepEqual(encodeWatchBatch(batch), generated(batch));
      assert.deepEqual(watchBatchToProto(batch), WatchResponse.decode(encodeWatchBatch(batch)!));
    });
  }

  it('declines numbers it does not write, which the generated encoder then takes', () => {
    assert.equal(
      encodeWatchBatch({ events: [{ type: 'put', kv: kv({ version: -1 }) }], revision: 3 }),
      undefined,
    );
    assert.equal(encodeWatchBatch({ events: [], revision: 0.5 }), undefined);
  });
});

describe('watchResponseSerialize', () => {
  it('passes encoded bytes through and encodes a message', () => {
    const bytes = Buffer.from([16, 5]);
    assert.equal(watchResponseSerialize(bytes), bytes);
    assert.deepEqual(watchResponseSerialize({ events: [], revision: '5' }), bytes);
  });
});
