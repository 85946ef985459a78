/**
 * Records Events about objects, as client-go's event broadcaster and correlator do:
 *
 * - Never blocks the caller: `event()` queues and returns; background writers send them,
 *   at most `concurrency` at once (many more over a sink that pipelines them on a stream) so that a burst (a scheduler binding hundreds of pods a
 *   second) is written while it happens rather than one round trip at a time, yet cannot
 *   flood the apiserver. Events that aggregate together are written one after the
 *   other, in order. When the queue is full the event is dropped (and counted), so a
 *   flood of events cannot take the component's memory.
 * - Aggregation: the same type, reason and message about the same object again updates
 *   the first Event (`count` + 1, `lastTimestamp` now) instead of creating another.
 * - A per-object rate limit (a token bucket, 25 at once then one every 5 minutes by
 *   default) keeps one misbehaving object from filling the store.
 * - Events carry `source.component`/`source.host` and `reportingComponent`/`reportingInstance`.
 * - An Event whose write found the apiserver unreachable (UNAVAILABLE, DEADLINE_EXCEEDED:
 *   it restarts, or the component started before it answers) is tried again with
 *   backoff, 0.2 s doubling to 10 s, for up to a minute (client-go: 12 tries 10 s apart),
 *   then dropped. It waits holding its aggregation key, so its repeats stay behind it,
 *   but no writer: other Events are written meanwhile. A retried create answered
 *   ALREADY_EXISTS was made by an earlier try whose answer was lost.
 * - `flush(timeoutMs)` waits at most that long; `close()` stops the retries and is what a
 *   component awaits on its way out. Retry timers never keep a process alive by
 *   themselves, and none is left after `close`.
 */
import { hostname } from 'node:os';
import { ApiError, Code } from '../errors.js';
import type { Event } from '../gen/wheelhouse/core/v1/event.js';
import { Event as EventFns } from '../gen/wheelhouse/core/v1/event.js';
import type { ObjectReference } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import type { Logger } from '../logger.js';
import type { EventSink } from './event-sink.js';
import { KeyedQueue } from './keyed-queue.js';
import { TokenBucket } from './token-bucket.js';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorderOptions {
  /** `source.component` and `reportingComponent` (`default-scheduler`, `kubelet`). */
  readonly component: string;
  /** `source.host` and `reportingInstance`; the host name by default. */
  readonly instance?: string;
  readonly logger?: Logger;
  /**
   * Events waiting to be written before new ones are dropped (default 16,384, about
   * 16 MiB at most): a scheduler binding a burst of pods faster than a busy apiserver
   * takes their Events keeps them all, and writes them as the apiserver frees up: a
   * 10,000-pod burst against a loaded apiserver queues about 7,000. What a full queue
   * drops is counted in wheelhouse_events_dropped_total{reason="queue_full"}.
   */
  readonly queueSize?: number;
  /** Writes in flight at once (default 8; 64 over a sink that pipelines creates on one stream). */
  readonly concurrency?: number;
  /** Per object: events at once (default 25) and refill rate per second (default 1/300). */
  readonly burst?: number;
  readonly qps?: number;
  /** Distinct (object, type, reason, message) remembered for aggregation (default 4096). */
  readonly cacheSize?: number;
  /** How an Event whose write found the apiserver unreachable is tried again. */
  readonly retry?: EventRetryOptions;
  readonly now?: () => Date;
}

/**
 * Retries of an Event whose write failed UNAVAILABLE or DEADLINE_EXCEEDED: the first
 * after `initialMs`, each next wait twice the last up to `maxMs`, each wait shortened by
 * up to half at random (so that the components that lost the apiserver together do not
 * come back together); no try starts later than `forMs` after the first failed.
 */
export interface EventRetryOptions {
  /** Default 200 ms. */
  readonly initialMs?: number;
  /** Default 10 s. */
  readonly maxMs?: number;
  /** Default 60 s; 0: never tried again. */
  readonly forMs?: number;
}

export interface EventRecorder {
  /** Records an event about `obj`; returns at once. */
  event(
    obj: KindObject,
    type: EventType,
    reason: string,
    message: string,
    opts?: { action?: string; related?: KindObject },
  ): void;
  /**
   * Resolves once every queued Event has been written or given up on, Events waiting to
   * be tried again included — or once `timeoutMs` (unbounded by default) has passed.
   */
  flush(timeoutMs?: number): Promise<void>;
  /** Events never written, for any reason below. */
  readonly dropped: number;
  /** The same by reason: a full queue, the object over its rate, or a write that failed. */
  readonly droppedByReason: Readonly<Record<EventDropReason, number>>;
  /** Events waiting to be written, those waiting to be tried again included. */
  readonly queued: number;
  /**
   * The same recorder — one queue, one set of writers, one spam filter — whose Events
   * name `component` as their source (`source.component` and `reportingComponent`): the
   * controllers of one process each as Kubernetes names them (`deployment-controller`).
   */
  withComponent(component: string): EventRecorder;
}

/** The recorder as its owner holds it: `close` on the way out. */
export interface ClosableEventRecorder extends EventRecorder {
  /**
   * Stops retrying: each Event waiting to be tried again is tried once more now, and a
   * write that fails from now on is not tried again. Resolves once everything queued
   * has been written or given up on, or after `timeoutMs` (default 5 s); Events still
   * queued then are dropped, and so are Events recorded afterwards. No timer of the
   * recorder is left.
   */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Why an Event was not written: `queue_full` (more waiting than `queueSize`),
 * `rate_limited` (its object over the per-object rate), `write_failed` (the apiserver
 * refused it, or could not be reached before the retries ran out or the recorder closed).
 */
export type EventDropReason = 'queue_full' | 'rate_limited' | 'write_failed';

/** At most one warning this often about Events lost to an unreachable apiserver. */
const unreachableReportMs = 30_000;

/** Kubernetes caps an Event's message at 1 KiB. */
const maxMessageBytes = 1024;

/** How long `close` waits for the queue by default. */
const closeTimeoutMs = 5_000;

/** An Event that found the apiserver unreachable, and its retries so far. */
interface Retry {
  readonly event: Event;
  /** Failed tries so far. */
  failures: number;
  /** When the first try failed (performance.now()). */
  readonly since: number;
  /** Set while the Event waits for its next try; its key stays busy meanwhile. */
  timer: NodeJS.Timeout | undefined;
}

export function createEventRecorder(sink: EventSink, opts: EventRecorderOptions): ClosableEventRecorder {
  const instance = opts.instance ?? hostname();
  const queueSize = opts.queueSize ?? 16_384;
  // Read per event: a streaming sink falls back to unary calls against an older apiserver.
  const concurrency = () => Math.max(1, opts.concurrency ?? (sink.pipelined ? 64 : 8));
  const burst = opts.burst ?? 25;
  const qps = opts.qps ?? 1 / 300;
  const cacheSize = opts.cacheSize ?? 4096;
  const now = opts.now ?? (() => new Date());
  const clock = opts.now ? () => now().getTime() : Date.now;
  const retryInitialMs = opts.retry?.initialMs ?? 200;
  const retryMaxMs = opts.retry?.maxMs ?? 10_000;
  const retryForMs = opts.retry?.forMs ?? 60_000;
  /**
   * Events waiting, by aggregation key: a key is busy while one of its Events is being
   * written, and its later Events wait for that write.
   */
  const queue = new KeyedQueue<Event>();
  let writers = 0;
  /**
   * Events that found the apiserver unreachable, by aggregation key (one at most per key:
   * its key is busy until it is written or given up on). `sleeping` of them wait for a
   * timer; the others are back in the queue, or being tried.
   */
  const retries = new Map<string, Retry>();
  let sleeping = 0;
  /** `close` was called: no more retries. */
  let closing = false;
  /** `close` is over: nothing more is written. */
  let closed = false;
  /** The callers of `flush` waiting, each called once the recorder is idle. */
  const waiters = new Set<() => void>();
  /** Aggregation key → the Event last written for it (Map order: least recently used first). */
  const written = new Map<string, Event>();
  const buckets = new Map<string, TokenBucket>();
  const droppedByReason: Record<EventDropReason, number> = {
    queue_full: 0,
    rate_limited: 0,
    write_failed: 0,
  };
  let sequence = 0;

  const remember = (key: string, event: Event) => {
    written.delete(key);
    written.set(key, event);
    if (written.size > cacheSize) written.delete(written.keys().next().value as string);
  };

  /**
   * The object's bucket, kept in least-recently-used order and forgetting the least
   * recently used past `cacheSize`, as client-go's spam filter does: constant time per
   * event, where sweeping for full buckets cost a pass over all of them for every new
   * object (every pod a scheduler binds is one).
   */
  const bucketFor = (objectKey: string) => {
    let bucket = buckets.get(objectKey);
    if (bucket) {
      buckets.delete(objectKey);
    } else {
      bucket = new TokenBucket(qps, burst, clock);
      if (buckets.size >= cacheSize) buckets.delete(buckets.keys().next().value as string);
    }
    buckets.set(objectKey, bucket);
    return bucket;
  };

  /**
   * One try at writing the Event: an update of the Event written for its key (a repeat),
   * else a create. Throws what failed it. `retried`: an earlier try failed unreachable,
   * and may have been made without its answer coming back.
   */
  const write = async (key: string, event: Event, retried: boolean) => {
    const previous = written.get(key);
    if (previous) {
      const repeat: Event = {
        ...previous,
        count: previous.count + 1,
        lastTimestamp: event.lastTimestamp,
      };
      try {
        remember(key, await sink.update(repeat));
        return;
      } catch (err) {
        // Not reached: the Event is still there, to be updated on the next try.
        if (isUnreachable(err)) throw err;
        // Gone (expired, deleted) or changed by someone else: start a new Event.
        opts.logger?.debug({ err, reason: event.reason }, 'could not update an aggregated event');
        written.delete(key);
      }
    }
    try {
      remember(key, await sink.create(event));
    } catch (err) {
      // The Event's name is its own: it exists because an earlier try made it.
      if (retried && err instanceof ApiError && err.code === Code.ALREADY_EXISTS) {
        remember(key, event);
        return;
      }
      throw err;
    }
  };

  /**
   * The try of `event` failed with `err`: true when it is to be tried again (a timer is
   * set and its key stays busy), false when it is given up on.
   */
  const failed = (key: string, event: Event, err: unknown, retry: Retry | undefined): boolean => {
    if (!isUnreachable(err)) {
      droppedByReason.write_failed++;
      opts.logger?.warn(
        { err, reason: event.reason, object: event.involvedObject?.name },
        'could not record event',
      );
      return false;
    }
    const at = performance.now();
    const failures = (retry?.failures ?? 0) + 1;
    const wait = retryDelay(failures);
    if (closing || at + wait - (retry?.since ?? at) > retryForMs) {
      droppedByReason.write_failed++;
      unreachable(err);
      return false;
    }
    const state = retry ?? { event, failures, since: at, timer: undefined };
    state.failures = failures;
    state.timer = setTimeout(wake, wait, key);
    // Only a caller of flush waits for a retry; nothing else keeps the process for one.
    if (waiters.size === 0) state.timer.unref();
    retries.set(key, state);
    sleeping++;
    opts.logger?.debug(
      { err, reason: event.reason, failures, waitMs: Math.round(wait) },
      'the apiserver is unreachable: will try the event again',
    );
    return true;
  };

  /** The wait before the try after the `failures`th failed one. */
  const retryDelay = (failures: number) => {
    const base = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(failures - 1, 30));
    return base * (1 - Math.random() / 2);
  };

  /** A retry's wait is over: its Event goes back into the queue, first of its key. */
  const wake = (key: string) => {
    const retry = retries.get(key);
    if (retry?.timer === undefined) return;
    retry.timer = undefined;
    sleeping--;
    queue.requeue(key, retry.event);
    if (writers < concurrency()) void writer();
  };

  /**
   * An Event lost because the apiserver could not be reached in time (a long outage, or
   * the plane is stopping): one line now and then with how many, not a stack trace per
   * Event; `close` reports those not reported yet.
   */
  let lostSinceReport = 0;
  let lastCause = '';
  let lastReport = Number.NEGATIVE_INFINITY;
  const unreachable = (err: ApiError) => {
    lostSinceReport++;
    lastCause = err.message;
    if (clock() - lastReport >= unreachableReportMs) report();
  };
  const report = () => {
    opts.logger?.warn(
      { events: lostSinceReport, cause: lastCause },
      'events could not be recorded: the apiserver is unreachable',
    );
    lostSinceReport = 0;
    lastReport = clock();
  };

  const writer = async () => {
    writers++;
    try {
      for (let next = queue.take(); next !== undefined; next = queue.take()) {
        const { key, value: event } = next;
        const retry = retries.size === 0 ? undefined : retries.get(key);
        let again = false;
        if (closed) {
          droppedByReason.write_failed++;
        } else {
          try {
            await write(key, event, retry !== undefined);
          } catch (err) {
            again = failed(key, event, err, retry);
          }
        }
        if (!again) {
          if (retry !== undefined) retries.delete(key);
          queue.done(key);
        }
      }
    } finally {
      // An event left queued waits for a key another writer holds, or for a retry's
      // timer; that writer, once done with it, or the timer, takes again.
      writers--;
      if (idle()) for (const settle of [...waiters]) settle();
    }
  };

  const idle = () => writers === 0 && sleeping === 0 && queue.size === 0;

  /** Whether the retries' timers hold the process: while someone awaits flush. */
  const holdTimers = (hold: boolean) => {
    for (const retry of retries.values()) {
      if (hold) retry.timer?.ref();
      else retry.timer?.unref();
    }
  };

  const flush = (timeoutMs = Number.POSITIVE_INFINITY): Promise<void> => {
    if (idle()) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const settle = () => {
        waiters.delete(settle);
        if (timer !== undefined) clearTimeout(timer);
        if (waiters.size === 0) holdTimers(false);
        resolve();
      };
      if (waiters.size === 0) holdTimers(true);
      waiters.add(settle);
      // Held (not unref'd): the caller awaits it, and it is bounded.
      if (Number.isFinite(timeoutMs)) timer = setTimeout(settle, Math.max(0, timeoutMs));
    });
  };

  const record = (
    component: string,
    obj: KindObject,
    type: EventType,
    reason: string,
    message: string,
    extra: { action?: string; related?: KindObject } = {},
  ): void => {
    if (closed) {
      droppedByReason.write_failed++;
      return;
    }
    const ref = referenceOf(obj);
    if (!bucketFor(`${ref.kind}/${ref.namespace}/${ref.name}/${ref.uid}`).tryTake()) {
      droppedByReason.rate_limited++;
      return;
    }
    if (queue.size + sleeping >= queueSize) {
      droppedByReason.queue_full++;
      return;
    }
    const at = now();
    const event = EventFns.fromPartial({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        // Kubernetes names an Event `<object>.<nanoseconds in hex>`; the sequence keeps them apart within a millisecond.
        name: `${ref.name}.${(BigInt(at.getTime()) * 1_000_000n + BigInt(sequence++ % 1_000_000)).toString(16)}`,
        namespace: ref.namespace || 'default',
      },
      involvedObject: ref,
      reason,
      message: truncate(message),
      source: { component, host: instance },
      firstTimestamp: at,
      lastTimestamp: at,
      eventTime: at,
      count: 1,
      type,
      action: extra.action ?? '',
      ...(extra.related ? { related: referenceOf(extra.related) } : {}),
      reportingComponent: component,
      reportingInstance: instance,
    });
    queue.push(aggregationKey(event), event);
    if (writers < concurrency()) void writer();
  };

  const viewAs = (component: string): EventRecorder => ({
    get dropped() {
      return droppedByReason.queue_full + droppedByReason.rate_limited + droppedByReason.write_failed;
    },
    droppedByReason,
    get queued() {
      return queue.size + sleeping;
    },
    event: (obj, type, reason, message, extra) => record(component, obj, type, reason, message, extra),
    flush,
    withComponent: viewAs,
  });

  // The owner's recorder is its own component's view, with `close`. (Object.assign adds
  // `close` to the view's object and leaves its getters as they are.)
  return Object.assign(viewAs(opts.component), {
    async close(timeoutMs = closeTimeoutMs) {
      if (!closing) {
        closing = true;
        for (const [key, retry] of retries) {
          if (retry.timer === undefined) continue;
          clearTimeout(retry.timer);
          retry.timer = undefined;
          sleeping--;
          queue.requeue(key, retry.event);
        }
        // As many writers as there is room for: each takes what is ready, and goes on
        // until nothing is (one that finds nothing ends at once).
        while (writers < concurrency() && queue.size > 0) {
          const before = writers;
          void writer();
          if (writers === before) break;
        }
      }
      await flush(timeoutMs);
      closed = true;
      if (lostSinceReport > 0) report();
    },
  });
}

export function referenceOf(obj: KindObject): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata?.namespace ?? '',
    name: obj.metadata?.name ?? '',
    uid: obj.metadata?.uid ?? '',
    resourceVersion: obj.metadata?.resourceVersion ?? '',
    fieldPath: '',
  };
}

/** The apiserver was not reached, or did not answer: the write may succeed later. */
function isUnreachable(err: unknown): err is ApiError {
  return err instanceof ApiError && (err.code === Code.UNAVAILABLE || err.code === Code.DEADLINE_EXCEEDED);
}

function aggregationKey(event: Event): string {
  const o = event.involvedObject;
  return [
    o?.kind,
    o?.namespace,
    o?.name,
    o?.uid,
    event.type,
    event.reason,
    event.message,
    event.source?.component,
  ].join('\0');
}

function truncate(message: string): string {
  if (Buffer.byteLength(message) <= maxMessageBytes) return message;
  return `${Buffer.from(message)
    .subarray(0, maxMessageBytes - 3)
    .toString()
    .replace(/\uFFFD$/, '')}...`;
}
