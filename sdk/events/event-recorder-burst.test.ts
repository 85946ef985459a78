/**
 * A burst as deep as the recorder's queue: every Event written, those of one aggregation
 * key in the order recorded, and taking the next Event costs the same however many wait.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { createEventRecorder } from './event-recorder.js';
import type { EventSink } from './event-sink.js';

const events = 16_000;

const pods = (n: number, prefix: string): KindObject[] =>
  Array.from({ length: n }, (_, i) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: ObjectMeta.create({ name: `${prefix}-${i}`, namespace: 'default', uid: `${prefix}-${i}` }),
  }));

/**
 * Records `n` Events about `objects` in turn, all at once, into a sink that answers at
 * once, and waits until all are written. Returns the CPU milliseconds it took and the
 * writes in the order the sink was called (`create`/`update`, object, lastTimestamp).
 */
async function burst(n: number, objects: readonly KindObject[]) {
  const writes: { op: string; name: string; at: number }[] = [];
  const note = (op: string, e: Event) =>
    writes.push({ op, name: e.involvedObject?.name ?? '', at: e.lastTimestamp?.getTime() ?? 0 });
  const sink: EventSink = {
    async create(e) {
      note('create', e);
      return e;
    },
    async update(e) {
      note('update', e);
      return e;
    },
  };
  // A clock that moves on each read: each Event's lastTimestamp is later than the last's.
  let t = 0;
  const recorder = createEventRecorder(sink, {
    component: 'c',
    queueSize: n,
    burst: n,
    // Every object and Event remembered, in the small bursts and the big one alike.
    cacheSize: n,
    now: () => new Date(++t),
  });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) recorder.event(objects[i % objects.length] as KindObject, 'Normal', 'R', 'm');
  await recorder.flush();
  const cpu = process.cpuUsage(cpu0);
  assert.equal(recorder.dropped, 0);
  return { cpuMs: (cpu.user + cpu.system) / 1000, writes };
}

/**
 * CPU ms of one burst of `events` against four bursts of a quarter as many each: the
 * same Events and work per Event, only the queue four times deeper. Linear in the queue's
 * depth, taking an Event makes the one burst cost four times the four (a 16,000-Event
 * burst over 4 keys took 2 s of CPU, four of 4,000 0.5 s); constant, about the same. Best
 * of three rounds, after one to compile the code: CPU time, not wall time, so a loaded
 * machine slows both alike.
 */
async function depthCost(keys: number): Promise<{ one: number; four: number }> {
  const objects = (n: number, round: number) => pods(Math.min(keys, n), `r${round}`);
  await burst(events / 4, objects(events / 4, -1));
  let one = Number.POSITIVE_INFINITY;
  let four = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 3; round++) {
    let quarters = 0;
    for (let q = 0; q < 4; q++) quarters += (await burst(events / 4, objects(events / 4, round))).cpuMs;
    four = Math.min(four, quarters);
    one = Math.min(one, (await burst(events, objects(events, round))).cpuMs);
  }
  return { one, four };
}

describe('event recorder: a burst of 16,000 Events', () => {
  test('over few keys: each key written in the order recorded, one Event at a time', async () => {
    const { writes } = await burst(events, pods(4, 'few'));
    assert.equal(writes.length, events);
    const byObject = new Map<string, typeof writes>();
    for (const w of writes) {
      const own = byObject.get(w.name) ?? [];
      own.push(w);
      byObject.set(w.name, own);
    }
    assert.equal(byObject.size, 4);
    for (const [name, own] of byObject) {
      assert.equal(own.length, events / 4, name);
      assert.deepEqual(
        own.map((w) => w.op),
        ['create', ...Array<string>(own.length - 1).fill('update')],
        name,
      );
      for (let i = 1; i < own.length; i++)
        assert.ok((own[i]?.at ?? 0) > (own[i - 1]?.at ?? 0), `${name}: write ${i} out of order`);
    }
  });

  test('over many keys: every Event created, in the order recorded', async () => {
    const objects = pods(events, 'many');
    const { writes } = await burst(events, objects);
    assert.deepEqual(
      writes.map((w) => `${w.op} ${w.name}`),
      objects.map((o) => `create ${o.metadata?.name}`),
    );
  });

  for (const [shape, keys] of [
    ['few keys', 4],
    ['many keys', events],
  ] as const)
    test(`over ${shape}: a queue four times deeper costs no more per Event`, async () => {
      const { one, four } = await depthCost(keys);
      // A cost per Event that grew with the queue's depth would make one burst cost four
      // times the four quarters; a larger live heap alone (the collector's share on a
      // loaded machine) has been seen to reach 2.1 times.
      assert.ok(
        one < 3 * four,
        `one burst of ${events}: ${one.toFixed(0)} ms of CPU; four of ${events / 4}: ${four.toFixed(0)} ms`,
      );
    });
});
