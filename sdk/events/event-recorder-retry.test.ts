/**
 * The recorder against an apiserver it cannot reach for a while: Events are tried again
 * with backoff until written or out of time, without holding up other Events, and
 * `flush`/`close` stay bounded and leave no timer behind.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { timerLateness } from '../../test/timer-lateness.js';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { createLogger } from '../logger.js';
import { createEventRecorder } from './event-recorder.js';
import type { EventSink } from './event-sink.js';

const pod = (name: string): KindObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: ObjectMeta.create({ name, namespace: 'default', uid: `uid-${name}` }),
});

const unavailable = () => new ApiError(Code.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:6443');

/**
 * A store of Events behind a switch: while `down(name)` holds for an Event's object, its
 * writes fail UNAVAILABLE (or what `failure` makes). `calls` lists every write tried.
 */
function flakySink(down: (name: string) => boolean, failure: () => ApiError = unavailable) {
  const events = new Map<string, Event>();
  const calls: string[] = [];
  let rv = 0;
  const store = (e: Event) => {
    const stored = { ...e, metadata: { ...e.metadata!, resourceVersion: String(++rv) } };
    events.set(e.metadata!.name, stored);
    return stored;
  };
  const sink: EventSink = {
    async create(e) {
      await new Promise((r) => setImmediate(r));
      const name = e.involvedObject?.name ?? '';
      calls.push(`create ${name}`);
      if (down(name)) throw failure();
      if (events.has(e.metadata!.name)) throw new ApiError(Code.ALREADY_EXISTS, 'already exists');
      return store(e);
    },
    async update(e) {
      await new Promise((r) => setImmediate(r));
      const name = e.involvedObject?.name ?? '';
      calls.push(`update ${name} ${e.count}`);
      if (down(name)) throw failure();
      if (!events.has(e.metadata!.name)) throw new ApiError(Code.NOT_FOUND, 'not found');
      return store(e);
    },
  };
  return { sink, events, calls };
}

/** Resolves once `condition` holds, checking every few ms; fails after `timeoutMs`. */
async function until(condition: () => boolean, what: string, timeoutMs = 10_000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Timers that keep this process alive. */
const heldTimers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** A logger at warn level whose lines are kept, parsed. */
function warnings() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, logger: createLogger('test', { level: 'warn', destination }) };
}

const fast = { initialMs: 5, maxMs: 20, forMs: 10_000 };

describe('event recorder: an unreachable apiserver', () => {
  test('an Event recorded during an outage is written once the apiserver is back, exactly once', async () => {
    let down = true;
    const { sink, events, calls } = flakySink(() => down);
    const recorder = createEventRecorder(sink, { component: 'kubelet', retry: fast });
    recorder.event(pod('web'), 'Normal', 'Starting', 'Starting kubelet.');
    await until(() => calls.length >= 3, 'three failed tries');
    assert.equal(recorder.queued, 1, 'the Event waits to be tried again');
    down = false;
    await recorder.flush();
    assert.equal(events.size, 1);
    assert.equal([...events.values()][0]?.reason, 'Starting');
    assert.equal(calls.filter((c) => c === 'create web').length, calls.length, 'only creates');
    assert.equal(recorder.dropped, 0);
    assert.equal(recorder.queued, 0);
  });

  test('DEADLINE_EXCEEDED is tried again too, and a create that was made without its answer counts as written', async () => {
    // The first create is made, but its answer is lost; the second finds it made.
    let lost = 1;
    const { sink, events, calls } = flakySink(() => false);
    const create = sink.create.bind(sink);
    sink.create = async (e) => {
      const made = await create(e);
      if (lost-- > 0) throw new ApiError(Code.DEADLINE_EXCEEDED, 'no answer within 30000 ms');
      return made;
    };
    const recorder = createEventRecorder(sink, { component: 'kubelet', retry: fast });
    recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    await recorder.flush();
    assert.deepEqual(calls, ['create web', 'create web']);
    assert.equal(events.size, 1);
    assert.equal(recorder.dropped, 0);
    // Remembered as written: a repeat updates it.
    recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    await recorder.flush();
    assert.deepEqual(calls.slice(2), ['update web 2']);
    assert.equal([...events.values()][0]?.count, 2);
  });

  test('a repeat whose update found the apiserver unreachable is tried again as an update, and later repeats wait behind it', async () => {
    let down = false;
    const { sink, events, calls } = flakySink(() => down);
    const recorder = createEventRecorder(sink, { component: 'kubelet', retry: fast });
    recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    await recorder.flush();
    down = true;
    recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    await until(() => calls.length >= 3, 'a failed update');
    down = false;
    await recorder.flush();
    assert.equal(events.size, 1, 'no second Event');
    assert.equal([...events.values()][0]?.count, 3);
    // Every try of the second repeated the update of count 2; the third came after it.
    const tries = calls.slice(1);
    assert.deepEqual(tries.slice(-2), ['update web 2', 'update web 3']);
    assert.ok(
      tries.slice(0, -1).every((c) => c === 'update web 2'),
      tries.join(', '),
    );
    assert.equal(recorder.dropped, 0);
  });

  test('an Event waiting to be tried again holds no writer: other Events are written meanwhile', async () => {
    const { sink, events } = flakySink((name) => name === 'stuck');
    // One writer: a retry that held it would keep the others waiting until it gave up.
    const recorder = createEventRecorder(sink, {
      component: 'kubelet',
      concurrency: 1,
      retry: { initialMs: 50, maxMs: 50, forMs: 60_000 },
    });
    recorder.event(pod('stuck'), 'Normal', 'Pulled', 'image present');
    for (let i = 0; i < 20; i++) recorder.event(pod(`p${i}`), 'Normal', 'Pulled', 'image present');
    await until(() => events.size === 20, 'the other 20 Events');
    assert.equal(recorder.queued, 1, 'the stuck Event still waits');
    assert.equal(recorder.dropped, 0);
    // Written later, then, and the stuck one still waiting: more keep flowing.
    recorder.event(pod('late'), 'Normal', 'Pulled', 'image present');
    await until(() => events.size === 21, 'an Event recorded later');
    assert.equal(recorder.queued, 1);
    await recorder.close(0);
  });

  test('gives up after its time, counted as write_failed, with one warning', async () => {
    const { lines, logger } = warnings();
    const { sink, calls } = flakySink(() => true);
    const recorder = createEventRecorder(sink, {
      component: 'kubelet',
      logger,
      retry: { initialMs: 5, maxMs: 10, forMs: 60 },
    });
    const late = timerLateness();
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) recorder.event(pod(`p${i}`), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    const elapsed = performance.now() - t0;
    assert.equal(recorder.droppedByReason.write_failed, 5);
    assert.equal(recorder.queued, 0);
    const tries = calls.filter((c) => c === 'create p0').length;
    // Waits of 2.5–5, then 5–10 ms, within 60 ms of the first failure: tried again (as
    // often as timers that fire late on a loaded machine let it).
    assert.ok(tries >= 2, `${tries} tries`);
    assert.ok(elapsed < 60 + 10 * late.max() + 100, `gave up after ${elapsed.toFixed(0)} ms`);
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.msg, 'events could not be recorded: the apiserver is unreachable');
  });

  test('forMs 0: an Event is tried once', async () => {
    const { sink, calls } = flakySink(() => true);
    const recorder = createEventRecorder(sink, { component: 'kubelet', retry: { forMs: 0 } });
    recorder.event(pod('web'), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    assert.deepEqual(calls, ['create web']);
    assert.equal(recorder.droppedByReason.write_failed, 1);
  });

  test('an Event the apiserver refuses is not tried again', async () => {
    const { sink, calls } = flakySink(
      () => true,
      () => new ApiError(Code.INVALID_ARGUMENT, 'Event "x" is invalid'),
    );
    const recorder = createEventRecorder(sink, { component: 'kubelet', retry: fast });
    recorder.event(pod('web'), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    assert.deepEqual(calls, ['create web']);
    assert.equal(recorder.droppedByReason.write_failed, 1);
  });

  test('Events waiting to be tried again count against the queue size', async () => {
    const { sink, calls } = flakySink(() => true);
    const recorder = createEventRecorder(sink, { component: 'kubelet', queueSize: 2, retry: fast });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    await until(() => calls.length >= 2, 'both tried');
    recorder.event(pod('c'), 'Normal', 'R', 'm');
    assert.equal(recorder.droppedByReason.queue_full, 1);
    assert.ok(recorder.queued <= 2);
    await recorder.close(0);
  });

  test('flush during an outage returns within its bound; a retry holds the process only while flush waits', async () => {
    const { sink } = flakySink(() => true);
    const recorder = createEventRecorder(sink, {
      component: 'kubelet',
      retry: { initialMs: 1_000, maxMs: 1_000, forMs: 60_000 },
    });
    const held = heldTimers();
    recorder.event(pod('web'), 'Normal', 'Starting', 'Starting kubelet.');
    await until(() => recorder.queued === 1 && heldTimers() === held, 'the Event waiting for its retry');
    const late = timerLateness();
    const t0 = performance.now();
    const flushed = recorder.flush(100);
    assert.ok(heldTimers() >= held + 2, 'the bound and the retry hold the process while flush waits');
    await flushed;
    const elapsed = performance.now() - t0;
    assert.ok(
      elapsed >= 95 && elapsed < 100 + 2 * late.max() + 50,
      `flush(100) took ${elapsed.toFixed(0)} ms`,
    );
    assert.equal(recorder.queued, 1, 'still waiting to be tried again');
    assert.equal(heldTimers(), held, 'nothing holds the process once flush is over');
    await recorder.close(0);
  });

  test('close tries a waiting Event once more, retries nothing after, and leaves no timer', async () => {
    let down = true;
    const { sink, events, calls } = flakySink(() => down);
    const recorder = createEventRecorder(sink, {
      component: 'kubelet',
      retry: { initialMs: 5_000, maxMs: 5_000, forMs: 60_000 },
    });
    recorder.event(pod('back'), 'Normal', 'NodeReady', 'ready');
    await until(() => calls.length === 1, 'the first try');
    // The apiserver is back: close does not wait 5 s for the retry, it tries at once.
    down = false;
    const t0 = performance.now();
    await recorder.close(2_000);
    assert.ok(performance.now() - t0 < 1_000);
    assert.equal(events.size, 1);

    down = true;
    const other = createEventRecorder(sink, {
      component: 'kubelet',
      retry: { initialMs: 5, maxMs: 5, forMs: 60_000 },
    });
    const held = heldTimers();
    other.event(pod('lost'), 'Normal', 'NodeReady', 'ready');
    await until(() => calls.includes('create lost'), 'the first try');
    await other.close(1_000);
    const tried = calls.length;
    assert.equal(other.droppedByReason.write_failed, 1);
    assert.equal(other.queued, 0);
    assert.equal(heldTimers(), held);
    // A timer left behind would try again within 5 ms.
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls.length, tried, 'nothing tried after close');
    other.event(pod('after'), 'Normal', 'R', 'm');
    assert.equal(other.droppedByReason.write_failed, 2, 'an Event recorded after close is dropped');
    assert.equal(calls.length, tried);
  });

  test('close gives up on what it could not write within its bound', async () => {
    const { lines, logger } = warnings();
    const { sink, calls } = flakySink(() => true);
    // Each try takes 200 ms: the second Event of the key is never tried within 50 ms.
    const create = sink.create.bind(sink);
    sink.create = async (e) => {
      await new Promise((r) => setTimeout(r, 200));
      return create(e);
    };
    const recorder = createEventRecorder(sink, { component: 'kubelet', logger, retry: fast });
    recorder.event(pod('web'), 'Normal', 'R', 'one');
    recorder.event(pod('web'), 'Normal', 'R', 'two');
    recorder.event(pod('web'), 'Normal', 'R', 'one');
    const t0 = performance.now();
    await recorder.close(50);
    assert.ok(performance.now() - t0 < 190, 'close did not wait for the write in flight');
    await until(
      () => recorder.queued === 0 && recorder.droppedByReason.write_failed === 3,
      'all three given up',
    );
    // The first two were tried (the one in flight at close, and the other key taken beside
    // it); the repeat, queued behind the first, was dropped untried.
    assert.deepEqual(calls.sort(), ['create web', 'create web']);
    assert.equal(lines.at(-1)?.msg, 'events could not be recorded: the apiserver is unreachable');
  });
});
