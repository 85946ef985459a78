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

function memorySink(opts: { delayMs?: number } = {}) {
  const events = new Map<string, Event>();
  const calls: string[] = [];
  let rv = 0;
  let inFlight = 0;
  const stats = { maxInFlight: 0 };
  const wait = async () => {
    stats.maxInFlight = Math.max(stats.maxInFlight, ++inFlight);
    await new Promise((r) => setTimeout(r, opts.delayMs ?? 0));
    inFlight--;
  };
  const sink: EventSink = {
    async create(e) {
      await wait();
      calls.push(`create ${e.reason}`);
      const stored = { ...e, metadata: { ...e.metadata!, resourceVersion: String(++rv) } };
      events.set(e.metadata!.name, stored);
      return stored;
    },
    async update(e) {
      await wait();
      calls.push(`update ${e.reason} ${e.count}`);
      if (!events.has(e.metadata!.name)) throw new Error('not found');
      const stored = { ...e, metadata: { ...e.metadata!, resourceVersion: String(++rv) } };
      events.set(e.metadata!.name, stored);
      return stored;
    },
  };
  return { sink, events, calls, stats };
}

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

const pod = (name: string, namespace = 'default'): KindObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: ObjectMeta.create({ name, namespace, uid: `uid-${name}` }),
});

describe('event recorder', () => {
  test('an event names its object, reason, source and reporter', async () => {
    const { sink, events } = memorySink();
    const recorder = createEventRecorder(sink, { component: 'default-scheduler', instance: 'host-1' });
    recorder.event(pod('web'), 'Normal', 'Scheduled', 'Successfully assigned default/web to node-1');
    await recorder.flush();
    const [e] = [...events.values()];
    assert.ok(e);
    assert.equal(e.metadata?.namespace, 'default');
    assert.match(e.metadata?.name ?? '', /^web\.[0-9a-f]+$/);
    assert.deepEqual(
      { kind: e.involvedObject?.kind, name: e.involvedObject?.name, uid: e.involvedObject?.uid },
      { kind: 'Pod', name: 'web', uid: 'uid-web' },
    );
    assert.equal(e.reason, 'Scheduled');
    assert.equal(e.type, 'Normal');
    assert.equal(e.count, 1);
    assert.deepEqual(e.source, { component: 'default-scheduler', host: 'host-1' });
    assert.equal(e.reportingComponent, 'default-scheduler');
    assert.equal(e.reportingInstance, 'host-1');
  });

  test('a view names its own component and shares the queue, the spam filter and close', async () => {
    const { sink, events } = memorySink();
    const recorder = createEventRecorder(sink, { component: 'controller-manager', instance: 'host-1' });
    const deployments = recorder.withComponent('deployment-controller');
    const nodes = deployments.withComponent('node-controller');
    recorder.event(pod('a'), 'Normal', 'Started', 'same message');
    deployments.event(pod('a'), 'Normal', 'Started', 'same message');
    nodes.event(pod('b'), 'Normal', 'RegisteredNode', 'Node b event: Registered Node b in Controller');
    // One queue: a view's flush waits for the others' Events as well.
    await nodes.flush();
    const sources = [...events.values()].map(
      (e) => `${e.source?.component}/${e.reportingComponent} ${e.reason}`,
    );
    assert.deepEqual(sources.sort(), [
      'controller-manager/controller-manager Started',
      'deployment-controller/deployment-controller Started',
      'node-controller/node-controller RegisteredNode',
    ]);
    // Equal Events from two sources are two Events, not a count of 2.
    assert.ok([...events.values()].every((e) => e.count === 1));
    assert.equal(deployments.queued, 0);
    // Closing the recorder closes its views: what they record afterwards is dropped.
    await recorder.close();
    deployments.event(pod('c'), 'Normal', 'Late', 'after close');
    assert.equal(deployments.droppedByReason.write_failed, 1);
    assert.equal(recorder.dropped, 1);
  });

  test('a repeat of the same reason and message on the same object bumps count and lastTimestamp', async () => {
    const { sink, events, calls } = memorySink();
    let t = Date.parse('2026-01-01T00:00:00Z');
    const recorder = createEventRecorder(sink, { component: 'kubelet', now: () => new Date(t) });
    for (let i = 0; i < 3; i++) {
      t += 1000;
      recorder.event(pod('web'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    }
    recorder.event(pod('web'), 'Warning', 'BackOff', 'a different message');
    recorder.event(pod('api'), 'Warning', 'BackOff', 'Back-off restarting failed container');
    await recorder.flush();
    // The other two Events are written beside the first; its repeats follow it in order.
    assert.deepEqual(
      calls.filter((c) => c.startsWith('update')),
      ['update BackOff 2', 'update BackOff 3'],
    );
    assert.equal(calls.filter((c) => c === 'create BackOff').length, 3);
    assert.ok(calls.indexOf('update BackOff 2') > calls.indexOf('create BackOff'));
    const web = [...events.values()].find((e) => e.involvedObject?.name === 'web' && e.count === 3);
    assert.ok(web);
    assert.equal(web.firstTimestamp?.toISOString(), '2026-01-01T00:00:01.000Z');
    assert.equal(web.lastTimestamp?.toISOString(), '2026-01-01T00:00:03.000Z');
    assert.equal(events.size, 3);
  });

  test('an aggregated Event that is gone is created anew', async () => {
    const { sink, events, calls } = memorySink();
    const recorder = createEventRecorder(sink, { component: 'kubelet' });
    recorder.event(pod('web'), 'Normal', 'Pulled', 'image present');
    await recorder.flush();
    events.clear();
    recorder.event(pod('web'), 'Normal', 'Pulled', 'image present');
    await recorder.flush();
    assert.deepEqual(calls, ['create Pulled', 'update Pulled 2', 'create Pulled']);
    assert.equal([...events.values()][0]?.count, 1);
  });

  test('never blocks the caller, and drops past the queue size', async () => {
    const { sink, events } = memorySink({ delayMs: 20 });
    const recorder = createEventRecorder(sink, { component: 'c', queueSize: 5, concurrency: 2, burst: 1000 });
    // CPU time, not wall time: a loaded machine may keep the process from a CPU meanwhile.
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < 50; i++) recorder.event(pod(`p${i}`), 'Normal', 'Created', `created ${i}`);
    const cpu = process.cpuUsage(cpu0);
    assert.ok((cpu.user + cpu.system) / 1000 < 15, 'event() returned before any write finished');
    assert.equal(events.size, 0);
    await recorder.flush();
    assert.equal(events.size + recorder.dropped, 50);
    // Two taken by the writers, five queued: the other 43 are dropped.
    assert.equal(recorder.dropped, 43);
  });

  test('writes up to `concurrency` Events at once, so a burst takes round trips / concurrency', async () => {
    const { sink, events, stats } = memorySink({ delayMs: 20 });
    const recorder = createEventRecorder(sink, { component: 'c', concurrency: 8 });
    const late = timerLateness();
    const t0 = performance.now();
    for (let i = 0; i < 80; i++) recorder.event(pod(`p${i}`), 'Normal', 'Scheduled', `assigned ${i}`);
    await recorder.flush();
    const elapsed = performance.now() - t0;
    assert.equal(events.size, 80);
    assert.equal(stats.maxInFlight, 8);
    // One at a time would take 80 × 20 ms; eight at a time ten round trips, each a timer that
    // fires late on a loaded machine.
    assert.ok(
      elapsed < 80 * 20 * 0.5 + 10 * late.max(),
      `took ${elapsed.toFixed(0)} ms (timers up to ${late.max().toFixed(0)} ms late)`,
    );
  });

  test('repeats of one Event wait for its write, while other Events go ahead', async () => {
    const { sink, calls, stats } = memorySink({ delayMs: 10 });
    const recorder = createEventRecorder(sink, { component: 'c', concurrency: 4 });
    for (let i = 0; i < 5; i++) recorder.event(pod('web'), 'Warning', 'BackOff', 'back-off');
    recorder.event(pod('api'), 'Normal', 'Pulled', 'image present');
    await recorder.flush();
    assert.deepEqual(
      calls.filter((c) => c.includes('BackOff')),
      ['create BackOff', 'update BackOff 2', 'update BackOff 3', 'update BackOff 4', 'update BackOff 5'],
    );
    assert.equal(calls[1], 'create Pulled', 'the other Event did not wait behind the repeats');
    assert.equal(stats.maxInFlight, 2);
  });

  test('flush resolves at once when nothing is queued, and again after more events', async () => {
    const { sink, events } = memorySink({ delayMs: 5 });
    const recorder = createEventRecorder(sink, { component: 'c' });
    await recorder.flush();
    recorder.event(pod('a'), 'Normal', 'A', 'm');
    await recorder.flush();
    recorder.event(pod('b'), 'Normal', 'B', 'm');
    await recorder.flush();
    assert.equal(events.size, 2);
  });

  test('a per-object rate limit: burst, then one every 1/qps seconds', async () => {
    const { sink, events } = memorySink();
    let t = 0;
    const recorder = createEventRecorder(sink, { component: 'c', burst: 3, qps: 1, now: () => new Date(t) });
    for (let i = 0; i < 10; i++) recorder.event(pod('noisy'), 'Warning', `R${i}`, 'm');
    recorder.event(pod('quiet'), 'Normal', 'Q', 'm');
    assert.equal(recorder.dropped, 7);
    t += 1000;
    recorder.event(pod('noisy'), 'Warning', 'later', 'm');
    recorder.event(pod('noisy'), 'Warning', 'later2', 'm');
    await recorder.flush();
    assert.equal(recorder.dropped, 8);
    assert.equal(events.size, 5);
  });

  test('the rate limit remembers the least recently used objects up to cacheSize', async () => {
    const { sink } = memorySink();
    const recorder = createEventRecorder(sink, { component: 'c', burst: 1, qps: 1e-9, cacheSize: 2 });
    recorder.event(pod('a'), 'Normal', 'R', 'm');
    recorder.event(pod('b'), 'Normal', 'R', 'm');
    recorder.event(pod('a'), 'Normal', 'R2', 'm'); // over a's rate; a is now the most recent
    assert.equal(recorder.dropped, 1);
    recorder.event(pod('c'), 'Normal', 'R', 'm'); // forgets b, the least recently used
    recorder.event(pod('a'), 'Normal', 'R3', 'm'); // a is still remembered: over its rate
    assert.equal(recorder.dropped, 2);
    recorder.event(pod('b'), 'Normal', 'R2', 'm'); // b was forgotten: a fresh bucket
    assert.equal(recorder.dropped, 2);
    await recorder.flush();
  });

  test('an event about a new object reads the clock a fixed number of times, however many are remembered', async () => {
    const { sink } = memorySink();
    let reads = 0;
    const now = () => {
      reads++;
      return new Date(0);
    };
    const recorder = createEventRecorder(sink, { component: 'c', queueSize: 100_000, cacheSize: 1000, now });
    for (let i = 0; i < 3000; i++) recorder.event(pod(`p-${i}`), 'Normal', 'Scheduled', 'm');
    // A sweep of the remembered objects' buckets on each new object read it 1000 times per event.
    assert.ok(reads <= 3 * 3000, `${reads} clock reads for 3000 events`);
    await recorder.flush();
  });

  test('long messages are cut at 1 KiB', async () => {
    const { sink, events } = memorySink();
    const recorder = createEventRecorder(sink, { component: 'c' });
    recorder.event(pod('web'), 'Warning', 'Failed', 'x'.repeat(5000));
    await recorder.flush();
    const message = [...events.values()][0]?.message ?? '';
    assert.ok(Buffer.byteLength(message) <= 1024);
    assert.ok(message.endsWith('...'));
  });

  test('Events lost to an unreachable apiserver make one warning now and then, without a stack per Event', async () => {
    const { lines, logger } = warnings();
    const unavailable: EventSink = {
      create: async () => {
        throw new ApiError(Code.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:6443');
      },
      update: async () => {
        throw new ApiError(Code.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:6443');
      },
    };
    const recorder = createEventRecorder(unavailable, {
      component: 'kubelet',
      logger,
      retry: { initialMs: 1, maxMs: 2, forMs: 20 },
    });
    for (let i = 0; i < 20; i++) recorder.event(pod(`p${i}`), 'Normal', 'Killing', 'Stopping container c');
    await recorder.flush();
    await new Promise((r) => setImmediate(r));
    assert.equal(lines.length, 1, JSON.stringify(lines));
    assert.equal(lines[0]?.msg, 'events could not be recorded: the apiserver is unreachable');
    assert.equal(lines[0]?.events, 1);
    assert.equal(lines[0]?.err, undefined);
    assert.equal(recorder.droppedByReason.write_failed, 20);
    // Those lost since that line are reported when the recorder closes.
    await recorder.close();
    assert.equal(lines.length, 2, JSON.stringify(lines));
    assert.equal(lines[1]?.events, 19);
  });

  test('an Event the apiserver refuses is still reported on its own', async () => {
    const { lines, logger } = warnings();
    const refusing: EventSink = {
      create: async () => {
        throw new ApiError(Code.INVALID_ARGUMENT, 'Event "x" is invalid: reason: Required value');
      },
      update: async () => {
        throw new ApiError(Code.INVALID_ARGUMENT, 'invalid');
      },
    };
    const recorder = createEventRecorder(refusing, { component: 'kubelet', logger });
    recorder.event(pod('a'), 'Normal', 'Killing', 'one');
    recorder.event(pod('b'), 'Normal', 'Killing', 'two');
    await recorder.flush();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      lines.map((l) => l.msg),
      ['could not record event', 'could not record event'],
    );
  });
});
