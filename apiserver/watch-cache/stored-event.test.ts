import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { kinds } from '../../sdk/kinds.js';
import { fieldsV1Of } from '../../sdk/patch/fields-v1.js';
import type { KeyValue } from '../../store/types.js';
import { createDecoder } from './decoder.js';
import { managedFieldsBytes } from './lazy-managed-fields.js';
import { decodedBytes, eventBytes, PACKED_EVENT_BYTES, stringBytes } from './memory.js';
import { ReplayCache } from './replay-cache.js';
import { StoredEvent, withResourceVersion } from './stored-event.js';

const info = kinds.find((k) => k.kind === 'ConfigMap')!;
const decode = createDecoder<ConfigMap>(info);
const KEY = '/registry/configmaps/ns/c';

/** The stored value of ConfigMap `c` with label app=`app`, and managed fields (kept as bytes when decoded). */
function value(app: string, v: string): Buffer {
  return Buffer.from(
    ConfigMap.encode(
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name: 'c',
          namespace: 'ns',
          labels: { app },
          managedFields: [
            {
              manager: 'm',
              operation: 'Update',
              apiVersion: 'v1',
              fieldsType: 'FieldsV1',
              fieldsV1: fieldsV1Of({ 'f:data': { 'f:v': {} } }),
              time: new Date('2026-01-02T03:04:05Z'),
            },
          ],
        },
        data: { v, pad: 'p'.repeat(3000) },
      }),
    ).finish(),
  );
}

const kv = (value: Buffer, modRevision: number): KeyValue => ({
  key: KEY,
  value,
  createRevision: 1,
  modRevision,
  version: 1,
  expiresAtMs: 0,
});

const web = (o: ConfigMap) => o.metadata?.labels.app === 'web';
const db = (o: ConfigMap) => o.metadata?.labels.app === 'db';

/**
 * A key written at 10 (web), modified at 11 (web → db), 12 (db → web), 13 (web, data
 * only) and deleted at 14, as the watch cache builds its events: each event is handed
 * the previous value and the event it replaces.
 */
function history() {
  const values = [value('web', '1'), value('db', '2'), value('web', '3'), value('web', '4')];
  const objects = values.map((v, i) => decode(kv(v, 10 + i)));
  const events: StoredEvent<ConfigMap>[] = [
    new StoredEvent(KEY, 'ADDED', objects[0]!, undefined, 10, values[0]!.length),
  ];
  for (let i = 1; i < values.length; i++) {
    const e = new StoredEvent(
      KEY,
      'MODIFIED',
      objects[i]!,
      objects[i - 1],
      10 + i,
      values[i]!.length,
      values[i - 1]!.length,
    );
    e.handOver(values[i - 1]!, 9 + i, events[i - 1]);
    events.push(e);
  }
  const last = values.at(-1)!;
  const deleted = new StoredEvent(
    KEY,
    'DELETED',
    withResourceVersion(objects.at(-1)!, 14),
    undefined,
    14,
    last.length,
  );
  deleted.handOver(last, 13, events.at(-1));
  events.push(deleted);
  return { values, objects, events };
}

/** What each event shows a watcher without a filter, and with each filter. */
function views(events: StoredEvent<ConfigMap>[], replays?: ReplayCache<ConfigMap>) {
  return [undefined, web, db].map((filter) => events.map((e) => e.viewFor(filter, replays)));
}

describe('StoredEvent', () => {
  it('keeps as bytes what is handed out and replaced, and decodes it again as it was', () => {
    const { values, objects, events } = history();
    const before = views(events);
    const weights = events.map((e) => e.bytes);
    const mf = managedFieldsBytes(objects[0]!.metadata);
    assert.ok(mf > 0, 'the managed fields are kept as bytes');
    assert.equal(weights[1], eventBytes(values[1]!.length, mf) + decodedBytes(values[0]!.length, mf));

    for (const e of events) e.settle();
    assert.deepEqual(
      events.map((e) => e.packed),
      [true, true, true, true, true],
      'all replaced, the last by its deletion',
    );
    // Each value is counted once, by the newest event holding it: the next one's previous object.
    const strings = values.map((v) => stringBytes(v.length));
    assert.deepEqual(
      events.map((e) => e.bytes),
      [
        PACKED_EVENT_BYTES,
        PACKED_EVENT_BYTES + strings[0]!,
        PACKED_EVENT_BYTES + strings[1]!,
        PACKED_EVENT_BYTES + strings[2]!,
        PACKED_EVENT_BYTES + strings[3]!,
      ],
    );
    assert.ok(events.every((e, i) => e.bytes < weights[i]! / 3));
    assert.throws(() => events[0]!.viewFor(undefined), /packed/, 'a replay decodes');
    assert.throws(() => events[0]!.event, /packed/);

    const replays = new ReplayCache(decode);
    const after = views(events, replays);
    assert.deepEqual(after, before);
    assert.deepEqual(
      after.map((run) => run.map((e) => e && [e.type, e.revision, e.object.metadata?.resourceVersion])),
      [
        [
          ['ADDED', 10, '10'],
          ['MODIFIED', 11, '11'],
          ['MODIFIED', 12, '12'],
          ['MODIFIED', 13, '13'],
          ['DELETED', 14, '14'],
        ],
        [
          ['ADDED', 10, '10'],
          ['DELETED', 11, '11'],
          ['ADDED', 12, '12'],
          ['MODIFIED', 13, '13'],
          ['DELETED', 14, '14'],
        ],
        [undefined, ['ADDED', 11, '11'], ['DELETED', 12, '12'], undefined, undefined],
      ],
    );
    assert.deepEqual(
      after[1]![1]!.object,
      withResourceVersion(objects[0]!, 11),
      'the state that stopped matching',
    );
    assert.equal(after[0]![4]!.object.metadata?.managedFields.length, 1);
    // Each value was decoded once, though two events hold it; again, nothing is decoded.
    assert.equal(replays.decodes, 4);
    const again = views(events, replays);
    assert.equal(replays.decodes, 4);
    const third = views(events, replays);
    for (let f = 0; f < again.length; f++) {
      for (let i = 0; i < events.length; i++) assert.equal(third[f]![i], again[f]![i], 'the same events');
    }
  });

  it('keeps the current object of its key decoded, and its previous one as bytes', () => {
    const { values, objects, events } = history();
    const current = events[2]!;
    const live = current.event;
    const before = views([current]);
    current.settle();
    assert.equal(current.packed, false);
    assert.equal(current.event, live);
    assert.equal(current.bytes, live.bytes! + stringBytes(values[1]!.length));
    assert.equal(current.viewFor(undefined), live, 'without a filter, the very event handed out');
    const replays = new ReplayCache(decode);
    assert.deepEqual(views([current], replays), before);
    assert.equal(replays.decoded(current, true).event.object, objects[2], 'its object is the one decoded');
    assert.equal(replays.decodes, 1, 'only the previous object was decoded');
  });

  it('keeps what its replay cache decoded up to its byte bound, until its time to live', () => {
    const { values, objects, events } = history();
    for (const e of events) e.settle();
    // What each decoded value is counted (the values have the same length).
    const cost =
      decodedBytes(values[0]!.length, managedFieldsBytes(objects[0]!.metadata)) + values[0]!.length;
    const replays = new ReplayCache(decode, 2 * cost, 1000);
    const first = replays.decoded(events[1]!, true, 0);
    assert.equal(replays.decodes, 2, 'its object and the previous one');
    assert.equal(replays.size, 1);
    assert.equal(replays.decoded(events[1]!, true, 5), first);
    assert.equal(replays.decodes, 2);
    const second = replays.decoded(events[2]!, true, 10);
    assert.equal(replays.decodes, 3, 'the previous object is the one decoded at 11');
    assert.equal(second.viewFor(web)!.type, 'ADDED');
    assert.equal(replays.size, 1, 'past the bound: decoded, not kept');
    assert.notEqual(replays.decoded(events[2]!, true, 20), second);
    assert.equal(replays.decodes, 4);
    assert.equal(replays.decoded(events[1]!, true, 1000), first, 'what it kept is kept');
    assert.equal(replays.decodes, 4);
    assert.notEqual(replays.decoded(events[1]!, true, 1001), first, 'past its time to live: started over');
    assert.equal(replays.decodes, 6);
  });
});
