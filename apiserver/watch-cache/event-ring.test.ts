import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventRing } from './event-ring.js';

const ev = (revision: number) => ({ revision });
const revisions = (events: { revision: number }[]) => events.map((e) => e.revision);

describe('EventRing', () => {
  it('answers from its reset revision until it overflows', () => {
    const ring = new EventRing<{ revision: number }>(3);
    ring.reset(10);
    assert.equal(ring.floor, 10);
    assert.deepEqual(revisions(ring.since(10)), []);
    ring.push(ev(12));
    ring.push(ev(15));
    assert.deepEqual(revisions(ring.since(10)), [12, 15]);
    assert.deepEqual(revisions(ring.since(12)), [15]);
    assert.deepEqual(revisions(ring.since(13)), [15]);
    assert.deepEqual(revisions(ring.since(15)), []);
    assert.equal(ring.floor, 10);
  });

  it('drops the oldest event when full and raises its floor to it', () => {
    const ring = new EventRing<{ revision: number }>(3);
    for (const r of [1, 2, 3, 4, 5]) ring.push(ev(r));
    assert.equal(ring.length, 3);
    assert.equal(ring.floor, 2, 'events after 2 are all held');
    assert.deepEqual(revisions(ring.since(2)), [3, 4, 5]);
    assert.deepEqual(revisions(ring.since(4)), [5]);
    ring.reset(9);
    assert.equal(ring.length, 0);
    assert.equal(ring.floor, 9);
    ring.push(ev(11));
    assert.deepEqual(revisions(ring.since(9)), [11]);
  });

  it('drops the oldest events past its byte bound, and keeps the newest however large', () => {
    type Weighed = { revision: number; bytes: number };
    const ring = new EventRing<Weighed>(100, 1000);
    ring.reset(1);
    for (const r of [2, 3, 4, 5]) ring.push({ revision: r, bytes: 250 });
    assert.equal(ring.bytes, 1000, 'at the bound is within it');
    assert.equal(ring.floor, 1);
    ring.push({ revision: 6, bytes: 400 });
    // 1400 > 1000: 2 and 3 go (900 left), so a watch can resume from 3 on, not before.
    assert.deepEqual(revisions(ring.since(3)), [4, 5, 6]);
    assert.equal(ring.floor, 3);
    assert.equal(ring.bytes, 900);
    assert.equal(ring.length, 3);
    ring.push({ revision: 7, bytes: 5000 });
    assert.deepEqual(revisions(ring.since(6)), [7], 'an event over the bound alone is still kept');
    assert.equal(ring.floor, 6);
    assert.equal(ring.bytes, 5000);
    ring.push({ revision: 8, bytes: 10 });
    assert.deepEqual(revisions(ring.since(7)), [8]);
    assert.equal(ring.bytes, 10);
    ring.reset(20);
    assert.equal(ring.bytes, 0);
    assert.equal(ring.length, 0);
  });

  it('bounds by count and by bytes together, whichever is reached first', () => {
    const ring = new EventRing<{ revision: number; bytes: number }>(3, 1000);
    for (let r = 1; r <= 5; r++) ring.push({ revision: r, bytes: 10 });
    assert.deepEqual(revisions(ring.since(2)), [3, 4, 5], 'the count bound');
    assert.equal(ring.bytes, 30);
    ring.push({ revision: 6, bytes: 995 });
    assert.deepEqual(revisions(ring.since(5)), [6], 'then the byte bound: 10 + 10 + 995 > 1000, twice');
    assert.equal(ring.bytes, 995);
    assert.equal(ring.floor, 5);
  });

  it('finds an event by revision, and counts a weight that fell anew while it holds the event', () => {
    const ring = new EventRing<{ revision: number; bytes: number }>(3, 1000);
    ring.reset(1);
    const events = [2, 4, 6, 8].map((revision) => ({ revision, bytes: 300 }));
    for (const e of events) ring.push(e);
    assert.equal(ring.find(2), undefined, 'pushed out by the count');
    assert.equal(ring.find(5), undefined);
    assert.equal(ring.find(6), events[2]);
    assert.equal(ring.bytes, 900);
    events[1]!.bytes = 100;
    ring.reweigh(events[1]!);
    assert.equal(ring.bytes, 700);
    // The old weight of an event is what leaves with it, whatever its `bytes` say meanwhile.
    events[2]!.bytes = 50;
    ring.push({ revision: 9, bytes: 300 });
    assert.equal(ring.bytes, 300 + 300 + 300, '4 (100) left; 6 (still 300), 8 and 9 held');
    events[0]!.bytes = 1;
    ring.reweigh(events[0]!);
    assert.equal(ring.bytes, 900, 'an event no longer held changes nothing');
    ring.reweigh(events[2]!);
    assert.equal(ring.bytes, 650);
  });

  it('refuses a capacity below one and a byte bound of zero', () => {
    assert.throws(() => new EventRing(0), /capacity/);
    assert.throws(() => new EventRing(1, 0), /byte bound/);
  });

  it('drops what the store compacted, and then answers only after it', () => {
    const ring = new EventRing<{ revision: number; bytes: number }>(10);
    ring.reset(1);
    for (const r of [3, 5, 8, 9]) ring.push({ revision: r, bytes: 100 });
    ring.dropThrough(6);
    assert.equal(ring.length, 2);
    assert.equal(ring.bytes, 200);
    assert.equal(ring.floor, 5, 'events after 5 are all held');
    assert.deepEqual(revisions(ring.since(6)), [8, 9]);
    ring.dropThrough(2);
    assert.equal(ring.length, 2, 'nothing at or below 2 is left to drop');
    assert.equal(ring.floor, 5);
    ring.dropThrough(100);
    assert.equal(ring.length, 0);
    assert.equal(ring.floor, 9);
    ring.push({ revision: 12, bytes: 100 });
    assert.deepEqual(revisions(ring.since(9)), [12]);
  });

  it('drops events by age, keeping the newest few whatever their age', () => {
    const ring = new EventRing<{ revision: number }>(10);
    ring.reset(1);
    ring.push(ev(2), 1000);
    ring.push(ev(3), 2000);
    ring.push(ev(4), 3000);
    ring.push(ev(5), 4000);
    ring.dropPushedBefore(2500, 1);
    assert.deepEqual(revisions(ring.since(3)), [4, 5]);
    assert.equal(ring.floor, 3);
    ring.dropPushedBefore(10_000, 1);
    assert.equal(ring.length, 1, 'the newest is kept');
    assert.equal(ring.floor, 4);
    for (const r of [6, 7, 8, 9, 10, 11, 12, 13, 14, 15]) ring.push(ev(r), 20_000 + r);
    assert.equal(ring.length, 10);
    ring.dropPushedBefore(20_013, 0);
    assert.deepEqual(revisions(ring.since(ring.floor)), [13, 14, 15]);
  });
});
