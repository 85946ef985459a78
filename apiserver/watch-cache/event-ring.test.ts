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

  it('refuses a capacity below one', () => {
    assert.throws(() => new EventRing(0), /capacity/);
  });
});
