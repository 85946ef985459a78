import assert from 'node:assert/strict';
import { setMaxListeners } from 'node:events';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../../sdk/errors.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { kinds } from '../../sdk/kinds.js';
import { createLogger } from '../../sdk/logger.js';
import { openBackend } from '../../store/registry.js';
import '../../store/drivers/index.js';
import {
  type Backend,
  ErrCompacted,
  ErrFellBehind,
  type StoreError,
  type WatchBatch,
  type WatchOptions,
} from '../../store/types.js';
import { createDecoder } from './decoder.js';
import {
  type CacheEvent,
  INITIAL_EVENTS_END_ANNOTATION,
  WatchCache,
  type WatchCacheOptions,
} from './index.js';
import { decodedBytes, eventBytes } from './memory.js';

const info = kinds.find((k) => k.kind === 'ConfigMap')!;
const logger = createLogger('watch-cache-test', { level: 'silent' });
const PREFIX = '/registry/configmaps/';

const keyOf = (ns: string, name: string) => `${PREFIX}${ns}/${name}`;

function value(
  name: string,
  ns: string,
  labels: Record<string, string> = {},
  data: Record<string, string> = {},
) {
  return Buffer.from(
    ConfigMap.encode(
      ConfigMap.fromPartial({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace: ns, labels },
        data,
      }),
    ).finish(),
  );
}

/** One test's world: a memory store and a started cache over it, torn down by `close`. */
async function world(
  options: Partial<WatchCacheOptions<ConfigMap>> = {},
  wrap: (b: Backend) => Backend = (b) => b,
) {
  const store = await openBackend('memory://');
  const backend = wrap(store);
  const stop = new AbortController();
  const cache = new WatchCache<ConfigMap>({
    info,
    backend,
    decode: createDecoder<ConfigMap>(info),
    logger,
    progressIntervalMs: 20,
    ...options,
  });
  return {
    store,
    cache,
    stop,
    start: () => cache.start(stop.signal),
    close: async () => {
      stop.abort();
      await store.close();
    },
  };
}

/** A next() that timed out is kept here and answered by the following read, so no event is lost. */
const unanswered = new WeakMap<object, Promise<IteratorResult<unknown>>>();

/** The next result of a watch, or 'timeout' after `ms`. */
async function nextWithin<T>(it: AsyncIterator<CacheEvent<T>>, ms: number) {
  const next = (unanswered.get(it) as Promise<IteratorResult<CacheEvent<T>>> | undefined) ?? it.next();
  unanswered.delete(it);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(ms, 0));
  });
  const r = await Promise.race([next, timeout]);
  clearTimeout(timer);
  if (r === 'timeout') unanswered.set(it, next);
  return r;
}

/** Waits until `cond` holds, failing after `ms`. */
async function waitFor(cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Takes `n` events from a watch, failing after `ms`. */
async function take<T>(it: AsyncIterator<CacheEvent<T>>, n: number, ms = 5000): Promise<CacheEvent<T>[]> {
  const out: CacheEvent<T>[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const r = await nextWithin(it, deadline - Date.now());
    if (r === 'timeout') {
      assert.fail(`got ${out.length} of ${n} events, the last: ${JSON.stringify(summary(out.slice(-5)))}`);
    }
    if (r.done) assert.fail(`watch ended after ${out.length} of ${n} events`);
    out.push(r.value);
  }
  return out;
}

/** Fails if the watch yields anything within `ms`. */
async function nothingWithin<T>(it: AsyncIterator<CacheEvent<T>>, ms: number): Promise<void> {
  const r = await nextWithin(it, ms);
  assert.equal(r, 'timeout', `expected no event, got ${JSON.stringify(r)}`);
}

function summary(events: CacheEvent<ConfigMap>[] | CacheEvent<unknown>[]) {
  return (events as CacheEvent<ConfigMap>[]).map((e) => [
    e.type,
    e.object.metadata?.name ?? '',
    e.revision,
    e.object.metadata?.resourceVersion ?? '',
  ]);
}

async function rejectsWithCode(fn: () => unknown, code: Code, message?: RegExp): Promise<ApiError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    if (message) assert.match(err.message, message);
    return err;
  }
  assert.fail(`expected code ${Code[code]}, but it succeeded`);
}

describe('WatchCache', () => {
  it('holds the initial list and answers gets and lists in key order', async () => {
    const w = await world();
    try {
      await w.store.create(keyOf('b', 'two'), value('two', 'b', { app: 'web' }));
      await w.store.create(keyOf('a', 'one'), value('one', 'a', { app: 'db' }));
      await w.store.create('/registry/secrets/a/s', Buffer.from('not a config map'));
      await w.store.create(keyOf('a', 'three'), value('three', 'a', { app: 'web' }));
      await rejectsWithCode(() => w.cache.list(PREFIX), Code.UNAVAILABLE, /not ready/);
      await w.start();
      assert.equal(w.cache.revision, 4);
      const all = w.cache.list(PREFIX);
      assert.equal(all.revision, 4);
      assert.deepEqual(
        all.items.map((o) => [o.metadata?.namespace, o.metadata?.name, o.metadata?.resourceVersion]),
        [
          ['a', 'one', '2'],
          ['a', 'three', '4'],
          ['b', 'two', '1'],
        ],
      );
      assert.deepEqual(
        w.cache.list(`${PREFIX}a/`).items.map((o) => o.metadata?.name),
        ['one', 'three'],
      );
      assert.deepEqual(
        w.cache.list(PREFIX, (o) => o.metadata?.labels.app === 'web').items.map((o) => o.metadata?.name),
        ['three', 'two'],
      );
      assert.equal(w.cache.get(keyOf('b', 'two'))?.metadata?.labels.app, 'web');
      assert.equal(w.cache.get(keyOf('b', 'nope')), undefined);
      // Later writes reach gets and lists.
      await w.store.create(keyOf('a', 'four'), value('four', 'a'));
      await w.store.delete(keyOf('a', 'one'));
      await w.cache.waitForRevision(6);
      assert.deepEqual(
        w.cache.list(PREFIX).items.map((o) => o.metadata?.name),
        ['four', 'three', 'two'],
      );
    } finally {
      await w.close();
    }
  });

  it('replays exactly the events after a revision, then goes live', async () => {
    const w = await world();
    try {
      await w.store.create(keyOf('ns', 'before'), value('before', 'ns'));
      await w.start();
      const a = await w.store.create(keyOf('ns', 'a'), value('a', 'ns', {}, { v: '1' })); // 2
      await w.store.update(keyOf('ns', 'a'), value('a', 'ns', {}, { v: '2' }), a.modRevision); // 3
      await w.store.create(keyOf('ns', 'b'), value('b', 'ns')); // 4
      await w.store.delete(keyOf('ns', 'a')); // 5
      await w.cache.waitForRevision(5);
      const ac = new AbortController();
      const watch = w.cache.watch({
        prefix: PREFIX,
        fromRevision: 2,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      });
      await w.store.create(keyOf('ns', 'c'), value('c', 'ns')); // 6, live
      const events = await take(watch, 4);
      assert.deepEqual(summary(events), [
        ['MODIFIED', 'a', 3, '3'],
        ['ADDED', 'b', 4, '4'],
        ['DELETED', 'a', 5, '5'],
        ['ADDED', 'c', 6, '6'],
      ]);
      assert.equal(events[2]!.object.data.v, '2', 'a DELETED event carries the last state');
      await nothingWithin(watch, 50);
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('watches from now when no revision is given', async () => {
    const w = await world();
    try {
      await w.store.create(keyOf('ns', 'old'), value('old', 'ns'));
      await w.start();
      const watch = w.cache.watch({
        prefix: PREFIX,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: new AbortController().signal,
      });
      await w.store.create(keyOf('ns', 'new'), value('new', 'ns'));
      assert.deepEqual(summary(await take(watch, 1)), [['ADDED', 'new', 2, '2']]);
      await watch.return?.();
      assert.equal(w.cache.metrics.watchers, 0, 'return() unregisters the watcher');
    } finally {
      await w.close();
    }
  });

  it('sends the current objects first, then the initial-events-end bookmark, then live events', async () => {
    const w = await world();
    try {
      await w.store.create(keyOf('x', 'b'), value('b', 'x', { app: 'web' }));
      await w.store.create(keyOf('x', 'a'), value('a', 'x', { app: 'web' }));
      await w.store.create(keyOf('x', 'c'), value('c', 'x', { app: 'db' }));
      await w.store.create(keyOf('y', 'd'), value('d', 'y', { app: 'web' }));
      await w.start();
      const ac = new AbortController();
      const watch = w.cache.watch({
        prefix: `${PREFIX}x/`,
        sendInitialEvents: true,
        allowBookmarks: true,
        matches: (o) => o.metadata?.labels.app === 'web',
        signal: ac.signal,
      });
      await w.store.create(keyOf('x', 'e'), value('e', 'x', { app: 'web' }));
      const events = await take(watch, 4);
      assert.deepEqual(summary(events.slice(0, 2)), [
        ['ADDED', 'a', 2, '2'],
        ['ADDED', 'b', 1, '1'],
      ]);
      const end = events[2]!;
      assert.equal(end.type, 'BOOKMARK');
      assert.equal(end.revision, 4);
      assert.equal(end.object.kind, 'ConfigMap');
      assert.equal(end.object.apiVersion, 'v1');
      assert.equal(end.object.metadata?.resourceVersion, '4');
      assert.deepEqual(end.object.metadata?.annotations, { [INITIAL_EVENTS_END_ANNOTATION]: 'true' });
      assert.deepEqual(summary(events.slice(3)), [['ADDED', 'e', 5, '5']]);

      // Without bookmarks there is no end marker.
      const plain = w.cache.watch({
        prefix: `${PREFIX}y/`,
        sendInitialEvents: true,
        allowBookmarks: false,
        signal: ac.signal,
      });
      await w.store.create(keyOf('y', 'f'), value('f', 'y'));
      assert.deepEqual(summary(await take(plain, 2)), [
        ['ADDED', 'd', 4, '4'],
        ['ADDED', 'f', 6, '6'],
      ]);
      ac.abort();
      assert.equal(w.cache.metrics.watchers, 0, 'abort unregisters the watchers');
      assert.deepEqual(await watch.next(), { value: undefined, done: true });
    } finally {
      await w.close();
    }
  });

  it('turns label selector transitions into ADDED and DELETED', async () => {
    const w = await world();
    try {
      await w.start();
      const ac = new AbortController();
      const watch = w.cache.watch({
        prefix: PREFIX,
        sendInitialEvents: false,
        allowBookmarks: false,
        matches: (o) => o.metadata?.labels.app === 'web',
        signal: ac.signal,
      });
      const k = keyOf('ns', 'x');
      let kv = await w.store.create(k, value('x', 'ns', { app: 'db' })); // 1: not matching
      kv = await w.store.update(k, value('x', 'ns', { app: 'web' }, { v: '1' }), kv.modRevision); // 2: starts
      kv = await w.store.update(k, value('x', 'ns', { app: 'web' }, { v: '2' }), kv.modRevision); // 3: still
      kv = await w.store.update(k, value('x', 'ns', { app: 'db' }, { v: '3' }), kv.modRevision); // 4: stops
      kv = await w.store.update(k, value('x', 'ns', { app: 'db' }, { v: '4' }), kv.modRevision); // 5: still not
      await w.store.delete(k); // 6: deleted while not matching
      await w.store.create(keyOf('ns', 'y'), value('y', 'ns', { app: 'web' })); // 7
      await w.store.delete(keyOf('ns', 'y')); // 8
      const events = await take(watch, 5);
      assert.deepEqual(summary(events), [
        ['ADDED', 'x', 2, '2'],
        ['MODIFIED', 'x', 3, '3'],
        ['DELETED', 'x', 4, '4'],
        ['ADDED', 'y', 7, '7'],
        ['DELETED', 'y', 8, '8'],
      ]);
      // The DELETED of an object that stopped matching carries its last matching state.
      assert.equal(events[2]!.object.metadata?.labels.app, 'web');
      assert.equal(events[2]!.object.data.v, '2');
      await nothingWithin(watch, 50);
      // A replay applies the same filter.
      const replay = w.cache.watch({
        prefix: PREFIX,
        fromRevision: 1,
        sendInitialEvents: false,
        allowBookmarks: false,
        matches: (o) => o.metadata?.labels.app === 'web',
        signal: ac.signal,
      });
      assert.deepEqual(summary(await take(replay, 5)), summary(events));
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('replays from any revision what it handed out live, once its history keeps objects as bytes', async () => {
    // A short bookmark interval: the history lets go of decoded objects on its timer too.
    const w = await world({ bookmarkIntervalMs: 20 });
    try {
      await w.start();
      const ac = new AbortController();
      setMaxListeners(0, ac.signal); // every replay listens on it
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      const web = (o: ConfigMap) => o.metadata?.labels.app === 'web';
      const first = await w.store.create(keyOf('ns', 'first'), value('first', 'ns', { app: 'web' })); // 1
      await w.cache.waitForRevision(1);
      const all = w.cache.watch(req);
      const filtered = w.cache.watch({ ...req, matches: web });
      const x = keyOf('ns', 'x');
      let kv = await w.store.create(x, value('x', 'ns', { app: 'db' })); // 2
      kv = await w.store.update(x, value('x', 'ns', { app: 'web' }, { v: '1' }), kv.modRevision); // 3: starts
      kv = await w.store.update(x, value('x', 'ns', { app: 'web' }, { v: '2' }), kv.modRevision); // 4
      kv = await w.store.update(x, value('x', 'ns', { app: 'db' }, { v: '3' }), kv.modRevision); // 5: stops
      await w.store.delete(x); // 6
      const y = keyOf('ns', 'y');
      kv = await w.store.create(y, value('y', 'ns', { app: 'web' })); // 7
      await w.store.update(y, value('y', 'ns', { app: 'web' }, { v: '1' }), kv.modRevision); // 8: y's current
      const z = keyOf('ns', 'z');
      kv = await w.store.create(z, value('z', 'ns', { app: 'db' })); // 9
      await w.store.update(z, value('z', 'ns', { app: 'web' }, { v: '1' }), kv.modRevision); // 10
      await w.store.delete(z); // 11: deleted while matching
      await w.store.update(
        keyOf('ns', 'first'),
        value('first', 'ns', { app: 'web' }, { v: '1' }),
        first.modRevision,
      ); // 12
      const liveAll = await take(all, 11);
      const liveWeb = await take(filtered, 8);
      assert.deepEqual(
        liveWeb.map((e) => [e.type, e.revision]),
        [
          ['ADDED', 3],
          ['MODIFIED', 4],
          ['DELETED', 5],
          ['ADDED', 7],
          ['MODIFIED', 8],
          ['ADDED', 10],
          ['DELETED', 11],
          ['MODIFIED', 12],
        ],
      );
      // What the events handed out weigh decoded; the history holds them and the previous
      // objects besides. Kept as bytes, all but the current objects weigh a few hundred bytes.
      const decoded = liveAll.reduce((sum, e) => sum + (e.bytes ?? 0), 0);
      await waitFor(() => w.cache.history.bytes < decoded / 2);
      assert.equal(w.cache.history.events, 12);
      for (let from = 1; from <= 12; from++) {
        const wantAll = liveAll.filter((e) => e.revision > from);
        const wantWeb = liveWeb.filter((e) => e.revision > from);
        const replayAll = w.cache.watch({ ...req, fromRevision: from });
        const replayWeb = w.cache.watch({ ...req, fromRevision: from, matches: web });
        assert.deepEqual(await take(replayAll, wantAll.length), wantAll, `from ${from}`);
        assert.deepEqual(await take(replayWeb, wantWeb.length), wantWeb, `filtered, from ${from}`);
        await nothingWithin(replayAll, 0);
        await nothingWithin(replayWeb, 0);
      }
      // Resumes from the same revision share the events decoded for the first.
      const again = await take(w.cache.watch({ ...req, fromRevision: 1, matches: web }), 8);
      const twice = await take(w.cache.watch({ ...req, fromRevision: 1, matches: web }), 8);
      for (let i = 0; i < again.length; i++) assert.equal(twice[i], again[i]);
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('refuses a revision older than the events it keeps with OUT_OF_RANGE', async () => {
    const w = await world({ capacity: 5 });
    try {
      await w.store.create(keyOf('ns', 'first'), value('first', 'ns')); // 1
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      // Before any event the cache answers from the list's revision on, not before it.
      await rejectsWithCode(() => w.cache.watch({ ...req, fromRevision: 0.5 }), Code.INVALID_ARGUMENT);
      for (let i = 0; i < 10; i++) await w.store.create(keyOf('ns', `o${i}`), value(`o${i}`, 'ns')); // 2..11
      await w.cache.waitForRevision(11);
      // Kept: 7..11, so a watch can resume from 6 on.
      await rejectsWithCode(
        () => w.cache.watch({ ...req, fromRevision: 1 }),
        Code.OUT_OF_RANGE,
        /^too old resource version: 1 \(oldest 6\)$/,
      );
      await rejectsWithCode(() => w.cache.watch({ ...req, fromRevision: 5 }), Code.OUT_OF_RANGE);
      const watch = w.cache.watch({ ...req, fromRevision: 6 });
      assert.deepEqual(
        (await take(watch, 5)).map((e) => e.revision),
        [7, 8, 9, 10, 11],
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('hands a change after a quiet spell out at once, and a burst together at the end of the window', async () => {
    // The window is long enough for the burst's thirty writes to land inside it on a loaded machine.
    const windowMs = 1_000;
    const w = await world({ coalesceMs: windowMs, watcherBufferLimit: 10 });
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      const a = w.cache.watch(req);
      const b = w.cache.watch(req);
      const started = performance.now();
      await w.store.create(keyOf('ns', 'first'), value('first', 'ns'));
      const first = await a.nextBatch(100);
      assert.deepEqual(
        first?.map((e) => e.object.metadata?.name),
        ['first'],
      );
      assert.ok(performance.now() - started < windowMs / 2, 'the first change is not held back');
      assert.deepEqual(
        (await b.nextBatch(100))?.map((e) => e.revision),
        [1],
      );
      // A burst inside the window: more events than the buffer limit, yet both
      // consumers are waiting, so neither is dropped; each gets the burst in one batch.
      const nextA = a.nextBatch(100);
      const nextB = b.nextBatch(100);
      for (let i = 0; i < 30; i++) await w.store.create(keyOf('ns', `o${i}`), value(`o${i}`, 'ns'));
      const [burstA, burstB] = await Promise.all([nextA, nextB]);
      assert.ok(performance.now() - started >= windowMs - 10, 'the burst waited for the end of the window');
      assert.deepEqual(
        burstA?.map((e) => e.revision),
        Array.from({ length: 30 }, (_, i) => i + 2),
      );
      assert.equal(burstA?.length, burstB?.length);
      for (const [i, e] of (burstA ?? []).entries())
        assert.equal(e, burstB?.[i], 'the same shared event objects');
      assert.equal(w.cache.metrics.dropped, 0);
      // nextBatch never hands out more than asked; the rest follows at once.
      const more = a.nextBatch(5);
      const rest = b.nextBatch(100);
      for (let i = 30; i < 40; i++) await w.store.create(keyOf('ns', `o${i}`), value(`o${i}`, 'ns'));
      assert.equal((await more)?.length, 5);
      assert.equal((await a.nextBatch(100))?.length, 5);
      assert.equal((await rest)?.length, 10);
      ac.abort();
      assert.equal(await a.nextBatch(100), undefined, 'an ended watch answers undefined');
    } finally {
      await w.close();
    }
  });

  it('push mode: watchers without a filter get the very same run; a paused sink waits for resume', async () => {
    const w = await world({ coalesceMs: 50 });
    try {
      await w.start();
      const ac = new AbortController();
      const req = {
        prefix: `${PREFIX}ns/`,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      };
      const runs: (readonly CacheEvent<ConfigMap>[])[][] = [[], [], []];
      const ends: unknown[] = [];
      let pauseThird = true;
      const watchers = [0, 1, 2].map((i) => {
        const watcher = w.cache.watch(req);
        watcher.consume(
          {
            deliver: (events) => {
              runs[i]!.push(events);
              return i !== 2 || !pauseThird;
            },
            end: (err) => ends.push(err ?? 'done'),
          },
          100,
        );
        return watcher;
      });
      await w.store.create(keyOf('ns', 'a'), value('a', 'ns'));
      await w.store.create(keyOf('other', 'x'), value('x', 'other'));
      for (let i = 0; i < 5; i++) await w.store.create(keyOf('ns', `b${i}`), value(`b${i}`, 'ns'));
      await waitFor(() => runs[0]!.flat().length === 6);
      assert.deepEqual(
        runs[0]!.flat().map((e) => e.object.metadata?.name),
        ['a', 'b0', 'b1', 'b2', 'b3', 'b4'],
      );
      assert.equal(runs[1]!.length, runs[0]!.length);
      for (const [i, run] of runs[0]!.entries()) assert.equal(run, runs[1]![i], 'the same array for both');
      // The third paused after its first run: the rest waits, however long, until resume().
      assert.equal(runs[2]!.length, 1);
      pauseThird = false;
      watchers[2]!.resume();
      assert.deepEqual(
        runs[2]!.flat().map((e) => e.object.metadata?.name),
        ['a', 'b0', 'b1', 'b2', 'b3', 'b4'],
      );
      ac.abort();
      assert.deepEqual(ends, ['done', 'done', 'done']);
    } finally {
      await w.close();
    }
  });

  it('drops a slow consumer with RESOURCE_EXHAUSTED while a fast one gets everything', async () => {
    const w = await world({ watcherBufferLimit: 20 });
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      const fast = w.cache.watch(req);
      const slow = w.cache.watch(req);
      const fastDone = take(fast, 100);
      const writes = async (from: number, to: number) => {
        for (let i = from; i < to; i++) await w.store.create(keyOf('ns', `o${i}`), value(`o${i}`, 'ns'));
      };
      await writes(0, 1);
      const [first] = await take(slow, 1);
      assert.equal(first!.revision, 1);
      await writes(1, 100); // the slow consumer reads nothing more
      const got = await fastDone;
      assert.deepEqual(
        got.map((e) => e.revision),
        Array.from({ length: 100 }, (_, i) => i + 1),
      );
      assert.equal(w.cache.metrics.dropped, 1);
      assert.equal(w.cache.metrics.watchers, 1, 'the dropped watcher is unregistered at once');
      const err = await rejectsWithCode(
        () => slow.next(),
        Code.RESOURCE_EXHAUSTED,
        /^watch fell behind; resume from resourceVersion 1$/,
      );
      assert.ok(err);
      assert.deepEqual(await slow.next(), { value: undefined, done: true });
      // Resuming where it said loses nothing.
      const resumed = w.cache.watch({ ...req, fromRevision: 1 });
      assert.deepEqual(
        (await take(resumed, 99)).map((e) => e.revision),
        Array.from({ length: 99 }, (_, i) => i + 2),
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('bounds its history by bytes too: a watch from a revision dropped for bytes is OUT_OF_RANGE', async () => {
    // Objects of ~10 KiB; every name has the same length, so every value the same size.
    const big = (name: string, v = '1') => value(name, 'ns', {}, { v, blob: 'x'.repeat(10_000) });
    const added = eventBytes(big('o0').length);
    const modified = added + decodedBytes(big('o0').length);
    const w = await world({ maxBytes: 5 * added });
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      for (let i = 0; i < 10; i++) await w.store.create(keyOf('ns', `o${i}`), big(`o${i}`)); // 1..10
      await w.cache.waitForRevision(10);
      // Five creations fit the bound: 6..10 are kept, far below the 10,000 events of the count.
      assert.deepEqual(w.cache.history, { events: 5, bytes: 5 * added });
      await rejectsWithCode(
        () => w.cache.watch({ ...req, fromRevision: 4 }),
        Code.OUT_OF_RANGE,
        /^too old resource version: 4 \(oldest 5\)$/,
      );
      assert.deepEqual(
        (await take(w.cache.watch({ ...req, fromRevision: 5 }), 5)).map((e) => e.revision),
        [6, 7, 8, 9, 10],
      );
      // A modification also weighs the previous object it keeps: it pushes out two creations.
      const { kv } = await w.store.get(keyOf('ns', 'o9'));
      await w.store.update(keyOf('ns', 'o9'), big('o9', '2'), kv!.modRevision); // 11
      await w.cache.waitForRevision(11);
      assert.ok(modified > added && modified <= 2 * added);
      assert.deepEqual(w.cache.history, { events: 4, bytes: 3 * added + modified });
      await rejectsWithCode(() => w.cache.watch({ ...req, fromRevision: 6 }), Code.OUT_OF_RANGE, /oldest 7/);
      assert.deepEqual(
        (await take(w.cache.watch({ ...req, fromRevision: 7 }), 4)).map((e) => [e.revision, e.type]),
        [
          [8, 'ADDED'],
          [9, 'ADDED'],
          [10, 'ADDED'],
          [11, 'MODIFIED'],
        ],
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('drops a consumer that leaves more bytes unread than its budget, however few events', async () => {
    const big = (name: string) => value(name, 'ns', {}, { blob: 'x'.repeat(10_000) });
    const cost = eventBytes(big('o00').length);
    const w = await world({ watcherBufferBytes: 10 * cost, watcherBufferLimit: 1000 });
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      const fast = w.cache.watch(req);
      const slow = w.cache.watch(req);
      const fastDone = take(fast, 30);
      await w.store.create(keyOf('ns', 'o00'), big('o00'));
      const [first] = await take(slow, 1);
      assert.equal(first!.revision, 1);
      // Ten events unread are within the budget; the slow consumer is kept, and weighed.
      for (let i = 1; i <= 10; i++) {
        const name = `o${String(i).padStart(2, '0')}`;
        await w.store.create(keyOf('ns', name), big(name));
      }
      await waitFor(() => slow.pendingBytes === 10 * cost);
      assert.equal(slow.pending, 10);
      assert.equal(w.cache.pendingBytes, 10 * cost, 'the fast consumer has nothing pending');
      assert.equal(w.cache.metrics.dropped, 0);
      // The eleventh is one too many.
      for (let i = 11; i < 30; i++) await w.store.create(keyOf('ns', `o${i}`), big(`o${i}`));
      assert.deepEqual(
        (await fastDone).map((e) => e.revision),
        Array.from({ length: 30 }, (_, i) => i + 1),
      );
      assert.equal(w.cache.metrics.dropped, 1);
      assert.equal(w.cache.metrics.droppedForBytes, 1);
      assert.equal(w.cache.metrics.watchers, 1, 'the dropped watcher is unregistered at once');
      assert.equal(slow.pendingBytes, 0, 'what it held is let go');
      await rejectsWithCode(
        () => slow.next(),
        Code.RESOURCE_EXHAUSTED,
        /^watch fell behind \(over 0\.\d+ MiB of events unread\); resume from resourceVersion 1$/,
      );
      // Resuming where it said loses nothing.
      assert.deepEqual(
        (await take(w.cache.watch({ ...req, fromRevision: 1 }), 29)).map((e) => e.revision),
        Array.from({ length: 29 }, (_, i) => i + 2),
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('hands large objects out in takes of at most 4 MiB (estimated), live or replayed', async () => {
    const big = (name: string) => value(name, 'ns', {}, { blob: 'x'.repeat(300_000) });
    const cost = eventBytes(big('o00').length);
    const perTake = Math.floor((4 << 20) / cost);
    assert.equal(perTake, 6);
    const w = await world();
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, allowBookmarks: false, signal: ac.signal };
      const live = w.cache.watch(req);
      for (let i = 0; i < 20; i++) {
        const name = `o${String(i).padStart(2, '0')}`;
        await w.store.create(keyOf('ns', name), big(name));
      }
      await waitFor(() => live.pending === 20);
      const replayed = w.cache.watch({ ...req, fromRevision: 1 });
      const initial = w.cache.watch({ ...req, sendInitialEvents: true });
      const takes = async (watch: typeof live, n: number) => {
        const sizes: number[] = [];
        for (let got = 0; got < n; ) {
          const batch = (await watch.nextBatch(100)) ?? [];
          sizes.push(batch.length);
          got += batch.length;
        }
        return sizes;
      };
      assert.deepEqual(await takes(live, 20), [6, 6, 6, 2], 'live events');
      assert.deepEqual(await takes(replayed, 19), [6, 6, 6, 1], 'replayed from the history');
      assert.deepEqual(await takes(initial, 20), [6, 6, 6, 2], 'initial events');
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('fans 1,000 events out to 1,000 watchers, each in order', async () => {
    const w = await world();
    try {
      await w.start();
      const ac = new AbortController();
      setMaxListeners(0, ac.signal); // every watcher listens on it
      const N = 1000;
      const consumers = Array.from({ length: N }, () => {
        const watch = w.cache.watch({
          prefix: PREFIX,
          sendInitialEvents: false,
          allowBookmarks: false,
          signal: ac.signal,
        });
        return (async () => {
          let expected = 1;
          for await (const event of watch) {
            if (event.revision !== expected) return `event ${event.revision} where ${expected} was due`;
            if (expected++ === N) return 'ok';
          }
          return `ended after ${expected - 1}`;
        })();
      });
      assert.equal(w.cache.metrics.watchers, N);
      // The bound is on CPU time (the store is in this process): a loaded machine stretches
      // the wall time by however long the process waits for a CPU.
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      for (let i = 0; i < N; i += 50) {
        await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            w.store.create(keyOf('ns', `o${i + j}`), value(`o${i + j}`, 'ns')),
          ),
        );
      }
      const results = await Promise.all(consumers);
      const elapsed = performance.now() - started;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      assert.deepEqual(
        results.filter((r) => r !== 'ok'),
        [],
      );
      assert.equal(w.cache.metrics.events, N);
      assert.equal(w.cache.metrics.dropped, 0);
      assert.equal(w.cache.metrics.watchers, 0, 'breaking out of for-await unregisters');
      assert.ok(cpuMs < 20_000, `took ${cpuMs.toFixed(0)} ms of CPU, ${elapsed.toFixed(0)} ms in all`);
    } finally {
      await w.close();
    }
  });

  it('sets up watches while events arrive without gaps or duplicates', async () => {
    const w = await world();
    try {
      await w.start();
      const ac = new AbortController();
      setMaxListeners(0, ac.signal);
      const N = 300;
      // One write per turn of the event loop, so that the cache applies them over many ticks.
      const writes = (async () => {
        for (let i = 0; i < N; i++) {
          await w.store.create(keyOf('ns', `o${i}`), value(`o${i}`, 'ns'));
          await new Promise((resolve) => setImmediate(resolve));
        }
      })();
      const checks: Promise<string>[] = [];
      // Register watchers at many points while the writes are being applied.
      while (w.cache.revision < N) {
        // (From 1 on: a watch from 0 means from now.)
        const from = Math.max(1, w.cache.revision - 3);
        const watch = w.cache.watch({
          prefix: PREFIX,
          fromRevision: from,
          sendInitialEvents: false,
          allowBookmarks: false,
          signal: ac.signal,
        });
        checks.push(
          // Its clock runs while the writes do, which take seconds on a loaded machine.
          take(watch, N - from, 30_000).then((events) => {
            const revisions = events.map((e) => e.revision);
            const want = Array.from({ length: N - from }, (_, i) => from + i + 1);
            return JSON.stringify(revisions) === JSON.stringify(want) ? 'ok' : `from ${from}: ${revisions}`;
          }),
        );
        await new Promise((resolve) => setImmediate(resolve));
      }
      await writes;
      assert.ok(checks.length > 20, `only ${checks.length} watches were set up while events arrived`);
      assert.deepEqual(
        (await Promise.all(checks)).filter((r) => r !== 'ok'),
        [],
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('advances its revision with the store while idle; waitForRevision waits for it', async () => {
    const w = await world();
    try {
      await w.start();
      await w.store.create('/registry/secrets/ns/s', Buffer.from('x'));
      await w.store.create('/registry/secrets/ns/t', Buffer.from('x'));
      assert.equal(w.store.currentRevision(), 2);
      await w.cache.waitForRevision(2, 2000);
      assert.equal(w.cache.revision, 2);
      assert.equal(w.cache.list(PREFIX).revision, 2);
      await rejectsWithCode(() => w.cache.waitForRevision(10, 50), Code.UNAVAILABLE, /not yet at 10/);
      const later = w.cache.waitForRevision(3, 2000);
      await w.store.create(keyOf('ns', 'c'), value('c', 'ns'));
      await later;
    } finally {
      await w.close();
    }
  });

  it('keeps history for historyMs (and at least its newest 100 events), not up to its capacity', async () => {
    const w = await world({ historyMs: 200, bookmarkIntervalMs: 20, startHistoryRevisions: 0 });
    try {
      await w.start();
      for (let i = 0; i < 150; i++) await w.store.create(keyOf('ns', `old-${i}`), value(`old-${i}`, 'ns'));
      await w.cache.waitForRevision(150);
      await waitFor(() => w.cache.history.events === 100);
      // The newest 100 are still there to resume from; the older ones are gone.
      const ac = new AbortController();
      const resumed = w.cache.watch({
        prefix: PREFIX,
        fromRevision: 50,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      });
      assert.deepEqual(
        summary(await take(resumed, 100)).map(([, name]) => name),
        Array.from({ length: 100 }, (_, i) => `old-${i + 50}`),
      );
      assert.throws(
        () =>
          w.cache.watch({
            prefix: PREFIX,
            fromRevision: 10,
            sendInitialEvents: false,
            allowBookmarks: false,
            signal: ac.signal,
          }),
        /too old resource version/,
      );
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('sends bookmarks to idle watchers that allow them', async () => {
    const w = await world({ bookmarkIntervalMs: 40 });
    try {
      await w.start();
      const ac = new AbortController();
      const req = { prefix: PREFIX, sendInitialEvents: false, signal: ac.signal };
      const withMarks = w.cache.watch({ ...req, allowBookmarks: true });
      const without = w.cache.watch({ ...req, allowBookmarks: false });
      await nothingWithin(withMarks, 150); // no progress, no bookmark
      await w.store.create('/registry/secrets/ns/s', Buffer.from('x')); // 1: another resource
      const [bookmark] = await take(withMarks, 1, 2000);
      assert.equal(bookmark!.type, 'BOOKMARK');
      assert.equal(bookmark!.revision, 1);
      assert.equal(bookmark!.object.kind, 'ConfigMap');
      assert.equal(bookmark!.object.apiVersion, 'v1');
      assert.equal(bookmark!.object.metadata?.resourceVersion, '1');
      assert.deepEqual(bookmark!.object.metadata?.annotations, {});
      assert.equal(bookmark!.object.metadata?.name, '');
      await nothingWithin(withMarks, 150); // nothing new: no repeat
      await w.store.create(keyOf('ns', 'c'), value('c', 'ns')); // 2
      assert.deepEqual(summary(await take(without, 1)), [['ADDED', 'c', 2, '2']]);
      assert.deepEqual(summary(await take(withMarks, 1)), [['ADDED', 'c', 2, '2']]);
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('resumes the store watch after it fails, without ending client watches', async () => {
    const flaky = new FlakyBackend();
    const w = await world({}, (b) => flaky.wrap(b));
    try {
      await w.store.create(keyOf('ns', 'first'), value('first', 'ns')); // 1: a store watch from 0 could not resume
      await w.start();
      const ac = new AbortController();
      const watch = w.cache.watch({
        prefix: PREFIX,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      });
      flaky.failNext = ErrFellBehind(1);
      await w.store.create(keyOf('ns', 'a'), value('a', 'ns')); // lost with the failed watch, then replayed
      await w.store.create(keyOf('ns', 'b'), value('b', 'ns'));
      assert.deepEqual(summary(await take(watch, 2)), [
        ['ADDED', 'a', 2, '2'],
        ['ADDED', 'b', 3, '3'],
      ]);
      assert.equal(flaky.watches, 2);
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('relists when its revision was compacted and ends watches it can no longer serve with OUT_OF_RANGE', async () => {
    const flaky = new FlakyBackend();
    const w = await world({}, (b) => flaky.wrap(b));
    try {
      await w.store.create(keyOf('ns', 'a'), value('a', 'ns')); // 1
      await w.start();
      const ac = new AbortController();
      const watch = w.cache.watch({
        prefix: PREFIX,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      });
      flaky.failNext = ErrCompacted(1, 2);
      await w.store.create(keyOf('ns', 'b'), value('b', 'ns')); // 2: never seen as an event
      await rejectsWithCode(
        () => take(watch, 1),
        Code.OUT_OF_RANGE,
        /too old resource version: 1 \(oldest 2\)/,
      );
      assert.equal(w.cache.revision, 2);
      assert.deepEqual(
        w.cache.list(PREFIX).items.map((o) => o.metadata?.name),
        ['a', 'b'],
      );
      await rejectsWithCode(
        () =>
          w.cache.watch({
            prefix: PREFIX,
            fromRevision: 1,
            sendInitialEvents: false,
            allowBookmarks: false,
            signal: ac.signal,
          }),
        Code.OUT_OF_RANGE,
      );
      // The cache follows the store again.
      const again = w.cache.watch({
        prefix: PREFIX,
        fromRevision: 2,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: ac.signal,
      });
      await w.store.create(keyOf('ns', 'c'), value('c', 'ns'));
      assert.deepEqual(summary(await take(again, 1)), [['ADDED', 'c', 3, '3']]);
      ac.abort();
    } finally {
      await w.close();
    }
  });

  it('ends client watches with UNAVAILABLE when it stops', async () => {
    const w = await world();
    try {
      await w.start();
      const watch = w.cache.watch({
        prefix: PREFIX,
        sendInitialEvents: false,
        allowBookmarks: false,
        signal: new AbortController().signal,
      });
      const pending = watch.next();
      w.stop.abort();
      await rejectsWithCode(() => pending, Code.UNAVAILABLE);
      assert.equal(w.cache.metrics.watchers, 0);
    } finally {
      await w.close();
    }
  });
});

/** Wraps a backend so that a test can make its next watch batch fail with an error instead. */
class FlakyBackend {
  failNext: StoreError | undefined;
  watches = 0;

  wrap(inner: Backend): Backend {
    const watch = (prefix: string, start: number, options?: WatchOptions): AsyncIterable<WatchBatch> => {
      this.watches++;
      return this.failing(inner.watch(prefix, start, options));
    };
    return new Proxy(inner, {
      get: (target, prop, receiver) => {
        if (prop === 'watch') return watch;
        const v: unknown = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  }

  private async *failing(batches: AsyncIterable<WatchBatch>): AsyncGenerator<WatchBatch> {
    for await (const batch of batches) {
      const err = this.failNext;
      if (err && batch.events.length > 0) {
        this.failNext = undefined;
        throw err;
      }
      yield batch;
    }
  }
}
