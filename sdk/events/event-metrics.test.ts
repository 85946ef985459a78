import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { registerEventRecorderMetrics } from './event-metrics.js';
import { createEventRecorder } from './event-recorder.js';
import type { EventSink } from './event-sink.js';

const pod = (name: string): KindObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: ObjectMeta.create({ name, namespace: 'default', uid: `uid-${name}` }),
});

/** Holds every create until released; refuses the Events whose message says so. */
function heldSink() {
  const waiting: (() => void)[] = [];
  const sink: EventSink = {
    create: (e: Event) =>
      new Promise<Event>((resolve, reject) => {
        waiting.push(() =>
          e.message === 'refused' ? reject(new ApiError(Code.INVALID_ARGUMENT, 'refused')) : resolve(e),
        );
      }),
    update: async (e: Event) => e,
  };
  const release = async () => {
    while (waiting.length > 0) {
      for (const w of waiting.splice(0)) w();
      await new Promise((r) => setImmediate(r));
    }
  };
  return { sink, release };
}

async function value(registry: Registry, name: string, labels = ''): Promise<number | undefined> {
  const text = await registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  return line === undefined ? undefined : Number(line.split(' ').pop());
}

test('counts dropped Events by reason and the queue, as of each scrape', async () => {
  const { sink, release } = heldSink();
  const recorder = createEventRecorder(sink, { component: 'c', queueSize: 3, concurrency: 1, burst: 2 });
  const registry = new Registry();
  registerEventRecorderMetrics(registry, recorder);
  const dropped = (reason: string) =>
    value(registry, 'wheelhouse_events_dropped_total', `{reason="${reason}"}`);

  assert.equal(await dropped('queue_full'), 0, 'every reason is there from the first scrape');
  assert.equal(await dropped('rate_limited'), 0);
  assert.equal(await dropped('write_failed'), 0);

  // One object past its burst of 2: rate limited, whatever the queue.
  for (let i = 0; i < 3; i++) recorder.event(pod('noisy'), 'Warning', 'BackOff', `again ${i}`);
  // Distinct objects are never rate limited by each other: these fill the queue (one in the
  // writer, three queued) and the rest is dropped as queue_full.
  recorder.event(pod('a'), 'Normal', 'Scheduled', 'refused');
  for (let i = 0; i < 5; i++) recorder.event(pod(`p${i}`), 'Normal', 'Scheduled', 'ok');
  assert.equal(await dropped('rate_limited'), 1);
  assert.equal(await dropped('queue_full'), 4);
  assert.equal(await value(registry, 'wheelhouse_events_queued'), 3);

  await release();
  await recorder.flush();
  assert.equal(await dropped('write_failed'), 1, 'the refused create');
  assert.equal(await value(registry, 'wheelhouse_events_queued'), 0);
  assert.equal(await dropped('queue_full'), 4, 'a later scrape does not count them again');
  assert.equal(recorder.dropped, 6);
});

test('an Event waiting to be tried again is queued, and counted as write_failed once given up on', async () => {
  let tries = 0;
  const sink: EventSink = {
    create: async () => {
      tries++;
      throw new ApiError(Code.UNAVAILABLE, 'connect ECONNREFUSED 127.0.0.1:6443');
    },
    update: async (e: Event) => e,
  };
  const recorder = createEventRecorder(sink, {
    component: 'c',
    retry: { initialMs: 60_000, maxMs: 60_000, forMs: 600_000 },
  });
  const registry = new Registry();
  registerEventRecorderMetrics(registry, recorder);
  recorder.event(pod('web'), 'Normal', 'Starting', 'Starting kubelet.');
  while (tries === 0) await new Promise((r) => setImmediate(r));
  await new Promise((r) => setImmediate(r));
  assert.equal(await value(registry, 'wheelhouse_events_queued'), 1);
  assert.equal(await value(registry, 'wheelhouse_events_dropped_total', '{reason="write_failed"}'), 0);
  await recorder.close(1_000);
  assert.equal(tries, 2, 'tried once more by close');
  assert.equal(await value(registry, 'wheelhouse_events_queued'), 0);
  assert.equal(await value(registry, 'wheelhouse_events_dropped_total', '{reason="write_failed"}'), 1);
});
