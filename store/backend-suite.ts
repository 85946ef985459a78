/**
 * The conformance suite every driver must pass: run by drivers/<name>.test.ts with a
 * factory that opens a backend with no keys. Its revision need not start at 0 (an etcd
 * cluster's revision is shared by every prefix on it), so revisions are asserted
 * relative to the revision the backend had when the test opened it, and nothing else
 * may write to the backend's store while a test runs.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend, BackendOptions, Event, StoreErrorReason, WatchBatch, WriteRequest } from './types.js';
import { MAX_VALUE_BYTES, StoreError } from './types.js';

export type OpenBackend = (options?: BackendOptions) => Promise<Backend>;

const v = (s: string) => Buffer.from(s);

async function rejectsWith(promise: Promise<unknown>, reason: StoreErrorReason): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof StoreError, `expected StoreError ${reason}, got ${err}`);
    assert.equal(err.storeReason, reason, err.message);
    return err;
  }
  assert.fail(`expected ${reason}, but it succeeded`);
}

/** Collects watch events until `until` says stop (checked after every batch). */
async function collect(
  iterable: AsyncIterable<WatchBatch>,
  until: (events: Event[], batch: WatchBatch) => boolean,
): Promise<Event[]> {
  const events: Event[] = [];
  for await (const batch of iterable) {
    events.push(...batch.events);
    if (until(events, batch)) break;
  }
  return events;
}

/**
 * The iterator's next batch, or 'late' when none came within `ms`. A deadline here only
 * bounds how long a failing test takes to say so: it is generous, since on a loaded host
 * one turn of the event loop can take a second.
 */
async function nextWithin(
  it: AsyncIterator<WatchBatch>,
  ms: number,
): Promise<IteratorResult<WatchBatch> | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      it.next(),
      new Promise<'late'>((r) => {
        timer = setTimeout(() => r('late'), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

async function withBackend(open: OpenBackend, fn: (b: Backend) => Promise<void>, options?: BackendOptions) {
  const backend = await open(options);
  try {
    await fn(backend);
  } finally {
    await backend.close();
  }
}

export function backendSuite(name: string, open: OpenBackend): void {
  describe(`backend conformance: ${name}`, () => {
    it('creates keys with consecutive revisions and refuses duplicates', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        const a = await b.create('/a', v('1'));
        assert.deepEqual(
          { ...a, value: a.value.toString() },
          { key: '/a', value: '1', createRevision: r + 1, modRevision: r + 1, version: 1, expiresAtMs: 0 },
        );
        const c = await b.create('/c', v('2'));
        assert.equal(c.modRevision, r + 2);
        await rejectsWith(b.create('/a', v('x')), 'KeyExists');
        assert.equal(b.currentRevision(), r + 2, 'a refused write does not bump the revision');
        const got = await b.get('/a');
        assert.equal(got.kv?.value.toString(), '1');
        assert.equal(got.revision, r + 2);
        assert.equal((await b.get('/missing')).kv, undefined);
      }));

    it('updates and deletes guarded by the mod revision', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        const a = await b.create('/a', v('1'));
        const a2 = await b.update('/a', v('2'), a.modRevision);
        assert.deepEqual([a2.createRevision, a2.modRevision, a2.version], [r + 1, r + 2, 2]);
        const conflict = await rejectsWith(b.update('/a', v('3'), a.modRevision), 'Conflict');
        assert.equal(conflict.current?.modRevision, r + 2);
        assert.equal(conflict.current?.value.toString(), '2');
        await rejectsWith(b.update('/nope', v('3'), r + 1), 'NotFound');
        const a3 = await b.update('/a', v('3'), 0);
        assert.equal(a3.version, 3, 'expected mod revision 0 updates unconditionally');
        await rejectsWith(b.delete('/a', r + 2), 'Conflict');
        const del = await b.delete('/a', r + 3);
        assert.equal(del.revision, r + 4);
        assert.equal(del.prevKv.value.toString(), '3');
        await rejectsWith(b.delete('/a'), 'NotFound');
        const again = await b.create('/a', v('new'));
        assert.deepEqual([again.createRevision, again.version], [r + 5, 1], 'a re-created key starts over');
      }));

    it('answers the callback path of the writes once they are durable, never synchronously', () =>
      withBackend(open, async (b) => {
        if (!b.write) return; // optional: such a backend is written through create/update/delete
        const write = b.write.bind(b);
        const r = b.currentRevision();
        const outcome = (request: WriteRequest) =>
          new Promise<{ err: unknown; event?: Event; sync: boolean }>((resolve) => {
            let returned = false;
            write(request, (err, event) => resolve({ err, event, sync: !returned }));
            returned = true;
          });
        const created = await outcome({ kind: 'create', key: '/w', value: v('1'), ttlSeconds: 0 });
        assert.equal(created.sync, false);
        assert.equal(created.err, undefined);
        assert.deepEqual(
          [created.event?.type, created.event?.kv.modRevision, created.event?.prevKv],
          ['put', r + 1, undefined],
        );
        const updated = await outcome({
          kind: 'update',
          key: '/w',
          value: v('2'),
          expectedModRevision: r + 1,
          ttlSeconds: 0,
        });
        assert.deepEqual([updated.event?.kv.version, updated.event?.prevKv?.value.toString()], [2, '1']);
        const stale = await outcome({ kind: 'delete', key: '/w', expectedModRevision: r + 1 });
        assert.equal(stale.event, undefined);
        assert.equal((stale.err as StoreError).storeReason, 'Conflict');
        const malformed = await outcome({ kind: 'create', key: 'no-slash', value: v('x'), ttlSeconds: 0 });
        assert.equal(malformed.sync, false, 'a refusal before queueing is not synchronous either');
        assert.equal((malformed.err as StoreError).storeReason, 'InvalidKey');
        const deleted = await outcome({ kind: 'delete', key: '/w', expectedModRevision: r + 2 });
        assert.deepEqual(
          [deleted.event?.type, deleted.event?.kv.modRevision, deleted.event?.prevKv?.value.toString()],
          ['delete', r + 3, '2'],
        );
        assert.equal(b.currentRevision(), r + 3);
      }));

    it('serves reads at past revisions and refuses future ones', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/k/1', v('one'));
        await b.create('/k/2', v('two'));
        await b.update('/k/1', v('ONE'), r + 1);
        await b.delete('/k/2');
        assert.equal((await b.get('/k/1', r + 1)).kv?.value.toString(), 'one');
        assert.equal((await b.get('/k/1', r + 3)).kv?.value.toString(), 'ONE');
        assert.equal((await b.get('/k/2', r + 3)).kv?.value.toString(), 'two');
        assert.equal((await b.get('/k/2', r + 4)).kv, undefined);
        const at2 = await b.list('/k/', { revision: r + 2 });
        assert.deepEqual(
          at2.kvs.map((kv) => `${kv.key}=${kv.value}`),
          ['/k/1=one', '/k/2=two'],
        );
        assert.equal(at2.revision, r + 2);
        assert.deepEqual(
          (await b.list('/k/')).kvs.map((kv) => kv.key),
          ['/k/1'],
        );
        await rejectsWith(b.get('/k/1', r + 99), 'FutureRevision');
        await rejectsWith(b.list('/k/', { revision: r + 99 }), 'FutureRevision');
      }));

    it('lists a prefix in key order with limit, start-after and keys only, as one snapshot', () =>
      withBackend(open, async (b) => {
        for (const name of ['b', 'a', 'd', 'c', 'e']) await b.create(`/registry/pods/${name}`, v(name));
        await b.create('/registry/podsx', v('other'));
        await b.create('/registry/pod', v('other'));
        const page1 = await b.list('/registry/pods/', { limit: 2 });
        assert.deepEqual(
          page1.kvs.map((kv) => kv.key),
          ['/registry/pods/a', '/registry/pods/b'],
        );
        assert.equal(page1.more, true);
        // Writes between pages must not show up in the next page of the same snapshot.
        await b.delete('/registry/pods/c');
        await b.create('/registry/pods/bb', v('late'));
        const page2 = await b.list('/registry/pods/', {
          limit: 2,
          startAfter: page1.kvs[1]!.key,
          revision: page1.revision,
        });
        assert.deepEqual(
          page2.kvs.map((kv) => kv.key),
          ['/registry/pods/c', '/registry/pods/d'],
        );
        assert.equal(page2.more, true);
        const page3 = await b.list('/registry/pods/', {
          limit: 2,
          startAfter: '/registry/pods/d',
          revision: page1.revision,
          keysOnly: true,
        });
        assert.deepEqual(
          page3.kvs.map((kv) => [kv.key, kv.value.length]),
          [['/registry/pods/e', 0]],
        );
        assert.equal(page3.more, false);
        const exact = await b.list('/registry/pods/', { limit: 5 });
        assert.equal(exact.kvs.length, 5);
        assert.equal(exact.more, false, 'no more when the limit is exactly the count');
        assert.equal((await b.count('/registry/pods/')).count, 5);
        assert.equal((await b.count('')).count, 7);
      }));

    it('refuses malformed keys and oversized values', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await rejectsWith(b.create('', v('x')), 'InvalidKey');
        await rejectsWith(b.create('no-slash', v('x')), 'InvalidKey');
        await rejectsWith(b.create('/with space', v('x')), 'InvalidKey');
        await rejectsWith(b.create('/nul\x00', v('x')), 'InvalidKey');
        await rejectsWith(b.create('/long'.repeat(1000), v('x')), 'InvalidKey');
        await rejectsWith(b.create('/big', Buffer.alloc(MAX_VALUE_BYTES + 1)), 'TooLarge');
        await b.create('/max', Buffer.alloc(MAX_VALUE_BYTES));
        await rejectsWith(b.list('/\x7f'), 'InvalidKey');
        await rejectsWith(b.get('/x', -1), 'InvalidArgument');
        assert.equal(b.currentRevision(), r + 1);
      }));

    it('gives concurrent writes distinct consecutive revisions and lets one CAS win', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        const created = await Promise.all(
          Array.from({ length: 200 }, (_, i) => b.create(`/c/${i}`, v(`${i}`))),
        );
        const revisions = created.map((kv) => kv.modRevision).sort((x, y) => x - y);
        assert.deepEqual(
          revisions,
          Array.from({ length: 200 }, (_, i) => r + i + 1),
        );
        const racers = await Promise.allSettled(Array.from({ length: 20 }, () => b.create('/race', v('x'))));
        assert.equal(racers.filter((r) => r.status === 'fulfilled').length, 1);
        const base = (await b.get('/race')).kv!;
        const updates = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => b.update('/race', v(`${i}`), base.modRevision)),
        );
        assert.equal(updates.filter((r) => r.status === 'fulfilled').length, 1);
        for (const r of updates) {
          if (r.status === 'rejected') assert.equal((r.reason as StoreError).storeReason, 'Conflict');
        }
      }));

    it('compacts history: older reads and watches get Compacted, newer ones still work', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/x', v('1')); // r + 1
        await b.update('/x', v('2'), r + 1); // r + 2
        await b.create('/y', v('y')); // r + 3
        await b.delete('/y'); // r + 4
        await b.update('/x', v('3'), r + 2); // r + 5
        await rejectsWith(b.compact(r + 9), 'FutureRevision');
        assert.equal(await b.compact(r + 4), r + 4);
        const err = await rejectsWith(b.get('/x', r + 3), 'Compacted');
        assert.equal(err.compactRevision, r + 4);
        await rejectsWith(b.list('/', { revision: r + 2 }), 'Compacted');
        assert.throws(
          () => b.watch('/', r + 3),
          (e: unknown) => e instanceof StoreError && e.storeReason === 'Compacted',
        );
        await rejectsWith(b.compact(r + 3), 'Compacted');
        assert.equal(
          (await b.get('/x', r + 4)).kv?.value.toString(),
          '2',
          'the newest version at the mark is kept',
        );
        assert.equal((await b.get('/y', r + 4)).kv, undefined);
        assert.deepEqual(
          (await b.list('/', { revision: r + 4 })).kvs.map((kv) => kv.key),
          ['/x'],
        );
        const events = await collect(b.watch('/', r + 4), (evs) => evs.length >= 1);
        assert.deepEqual(
          events.map((e) => [e.type, e.kv.modRevision, e.prevKv?.value.toString()]),
          [['put', r + 5, '2']],
        );
        const status = await b.status();
        assert.equal(status.compactRevision, r + 4);
        assert.equal(status.revision, r + 5);
        assert.equal(status.keys, 1);
        assert.equal(status.backend, name);
      }));

    it('watches a prefix: replay from a revision, then live, with previous values', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/w/a', v('1')); // r + 1
        await b.create('/other', v('o')); // r + 2
        await b.update('/w/a', v('2'), r + 1); // r + 3
        const watch = collect(b.watch('/w/', r + 1), (evs) => evs.length >= 4);
        await b.create('/w/b', v('b')); // r + 4
        await b.update('/other', v('p'), r + 2); // r + 5
        await b.delete('/w/a'); // r + 6
        await b.update('/w/b', v('b2'), r + 4); // r + 7
        const events = await watch;
        assert.deepEqual(
          events.map((e) => [
            e.type,
            e.kv.key,
            e.kv.modRevision,
            e.kv.value.toString(),
            e.prevKv?.value.toString(),
          ]),
          [
            ['put', '/w/a', r + 3, '2', '1'],
            ['put', '/w/b', r + 4, 'b', undefined],
            ['delete', '/w/a', r + 6, '', '2'],
            ['put', '/w/b', r + 7, 'b2', 'b'],
          ],
        );
        const fromNow = b.watch('/w/', 0)[Symbol.asyncIterator]();
        const next = fromNow.next();
        await b.create('/w/c', v('c'));
        const first = await next;
        assert.deepEqual(
          first.value?.events.map((e: Event) => e.kv.key),
          ['/w/c'],
          'start revision 0 means from now',
        );
        await fromNow.return?.();
        // Refused when called, or (a driver that must ask its cluster) at the first step.
        await assert.rejects(async () => {
          for await (const _ of b.watch('/w/', r + 99)) break;
        }, /future/);
      }));

    it('hands a watch over from replay to live with no gap and no duplicate under concurrent writes', () =>
      withBackend(open, async (b) => {
        const total = 600;
        let done = 0;
        const r = b.currentRevision();
        await b.create('/h/seed', v('x')); // revision r + 1, which the watchers start after
        const writer = (async () => {
          for (let i = 0; i < total; i += 20) {
            await Promise.all(Array.from({ length: 20 }, (_, j) => b.create(`/h/${i + j}`, v('x'))));
            done += 20;
          }
        })();
        // Start watchers from revision 0 at different moments while writes are in flight.
        const watchers: Promise<Event[]>[] = [];
        for (let i = 0; i < 5; i++) {
          while (done < i * 100) await new Promise((r) => setImmediate(r));
          watchers.push(
            collect(
              b.watch('/h/', r + 1),
              (evs) => evs.length > 0 && evs[evs.length - 1]!.kv.modRevision > r + total,
            ),
          );
        }
        await writer;
        for (const events of await Promise.all(watchers)) {
          assert.deepEqual(
            events.map((e) => e.kv.modRevision),
            Array.from({ length: total }, (_, i) => r + i + 2),
          );
        }
      }));

    it('cuts off a watcher that falls behind without blocking writers or other watchers', () =>
      withBackend(
        open,
        async (b) => {
          const r = b.currentRevision();
          const slow = b.watch('/s/', 0)[Symbol.asyncIterator]();
          const slowFirst = slow.next(); // takes the first batch, then stops reading
          const fast = collect(b.watch('/s/', 0), (evs) => evs.length >= 100);
          await b.create('/s/0', v('0'));
          await slowFirst;
          for (let i = 1; i < 100; i++) await b.create(`/s/${i}`, v(`${i}`));
          assert.equal((await fast).length, 100);
          const err = await rejectsWith(
            (async () => {
              for (;;) if ((await slow.next()).done) return;
            })(),
            'FellBehind',
          );
          assert.equal(err.resumeRevision, r + 1);
          assert.match(err.message, new RegExp(`resume from revision ${r + 1}$`));
        },
        { watchBufferLimit: 10 },
      ));

    it('sends progress notifications with the current revision when idle', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/p/1', v('1'));
        await b.create('/q/1', v('1'));
        const it = b.watch('/p/', 0, { progressIntervalMs: 30 })[Symbol.asyncIterator]();
        const batch = await it.next();
        assert.deepEqual(batch.value, { events: [], revision: r + 2 });
        await it.return?.();
      }));

    it('keeps sending progress notifications while other prefixes are written often', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/p/1', v('1'));
        const ac = new AbortController();
        const it = b.watch('/p/', 0, { progressIntervalMs: 40, signal: ac.signal })[Symbol.asyncIterator]();
        // Writes elsewhere every 10 ms, more often than the progress interval, until the end.
        let writing = true;
        const writer = (async () => {
          for (let i = 0; writing; i++) {
            await b.create(`/q/${i}`, v('x'));
            await new Promise((r) => setTimeout(r, 10));
          }
        })();
        // Until three notifications, one carrying a write elsewhere: a starved watch never
        // gets there, whatever the host's load.
        const deadline = Date.now() + 15_000;
        let progress = 0;
        let lastRevision = 0;
        while (progress < 3 || lastRevision <= r + 2) {
          const left = deadline - Date.now();
          if (left <= 0) break;
          const batch = await nextWithin(it, left);
          if (batch === 'late' || batch.done) break;
          if (batch.value.events.length === 0) {
            progress++;
            assert.ok(batch.value.revision >= lastRevision, 'progress revisions never go back');
            lastRevision = batch.value.revision;
          }
        }
        writing = false;
        await writer;
        ac.abort();
        await it.return?.();
        assert.ok(progress >= 3, `${progress} progress notifications in 15 s at a 40 ms interval`);
        assert.ok(lastRevision > r + 2, 'progress carries the revisions of the writes elsewhere');
      }));

    it('sends a progress notification at once when progress is requested', () =>
      withBackend(open, async (b) => {
        const r = b.currentRevision();
        await b.create('/p/1', v('1'));
        const ac = new AbortController();
        // An idle interval far beyond the test's deadline: only the request can produce the notification.
        const it = b
          .watch('/p/', 0, { progressIntervalMs: 60_000, signal: ac.signal })
          [Symbol.asyncIterator]();
        // Live first: an etcd before 3.4.25 answers a request even for a watch still
        // replaying, so the driver passes an answer on only once its watch is known synced.
        const first = it.next();
        await b.create('/p/2', v('2'));
        const live = await first;
        assert.ok(!live.done && live.value.events.length === 1, 'the write under the prefix arrives');
        const next = it.next();
        for (let i = 0; i < 3; i++) await b.create(`/q/${i}`, v('x'));
        const revision = await b.requestProgress();
        assert.equal(revision, r + 5);
        // Prompt means well inside the 60 s idle interval; a bound of a few hundred
        // milliseconds would measure the host's load rather than the backend.
        const batch = await nextWithin({ next: () => next }, 15_000);
        assert.notEqual(batch, 'late', 'no progress notification within 15 s of the request');
        if (batch === 'late' || batch.done) return;
        assert.deepEqual(batch.value.events, []);
        assert.ok(
          batch.value.revision >= revision,
          `progress at ${batch.value.revision}, requested at ${revision}`,
        );
        ac.abort();
        await it.return?.();
      }));

    it('ends a watch when its signal aborts', () =>
      withBackend(open, async (b) => {
        const ac = new AbortController();
        const watch = collect(b.watch('/', 0, { signal: ac.signal }), () => false);
        setTimeout(() => ac.abort(), 20);
        assert.deepEqual(await watch, []);
      }));

    it('deletes keys whose TTL expired, as a delete event at a new revision', () =>
      withBackend(
        open,
        async (b) => {
          const r = b.currentRevision();
          const kv = await b.create('/ttl', v('x'), 1);
          assert.ok(kv.expiresAtMs > Date.now());
          const events = await collect(b.watch('/ttl', r + 1), (evs) => evs.length >= 1);
          assert.deepEqual(
            events.map((e) => [e.type, e.kv.modRevision, e.prevKv?.modRevision]),
            [['delete', r + 2, r + 1]],
          );
          assert.equal((await b.get('/ttl')).kv, undefined);
          const kept = await b.create('/ttl2', v('x'), 1);
          await b.update('/ttl2', v('y'), kept.modRevision, 0);
          await new Promise((r) => setTimeout(r, 1300));
          assert.ok((await b.get('/ttl2')).kv, 'an update without a TTL clears it');
        },
        { ttlSweepMs: 50 },
      ));
  });
}
