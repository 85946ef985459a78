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
  readonly now?: () => Date;
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
  /** Resolves once every queued event has been written (or given up on). */
  flush(): Promise<void>;
  /** Events never written, for any reason below. */
  readonly dropped: number;
  /** The same by reason: a full queue, the object over its rate, or a write that failed. */
  readonly droppedByReason: Readonly<Record<EventDropReason, number>>;
  /** Events waiting to be written. */
  readonly queued: number;
}

/**
 * Why an Event was not written: `queue_full` (more waiting than `queueSize`),
 * `rate_limited` (its object over the per-object rate), `write_failed` (the apiserver
 * refused it or could not be reached).
 */
export type EventDropReason = 'queue_full' | 'rate_limited' | 'write_failed';

/** At most one warning this often about Events lost to an unreachable apiserver. */
const unreachableReportMs = 30_000;

/** Kubernetes caps an Event's message at 1 KiB. */
const maxMessageBytes = 1024;

export function createEventRecorder(sink: EventSink, opts: EventRecorderOptions): EventRecorder {
  const instance = opts.instance ?? hostname();
  const queueSize = opts.queueSize ?? 16_384;
  // Read per event: a streaming sink falls back to unary calls against an older apiserver.
  const concurrency = () => Math.max(1, opts.concurrency ?? (sink.pipelined ? 64 : 8));
  const burst = opts.burst ?? 25;
  const qps = opts.qps ?? 1 / 300;
  const cacheSize = opts.cacheSize ?? 4096;
  const now = opts.now ?? (() => new Date());
  const clock = opts.now ? () => now().getTime() : Date.now;
  /**
   * Events waiting, by aggregation key: a key is busy while one of its Events is being
   * written, and its later Events wait for that write.
   */
  const queue = new KeyedQueue<Event>();
  let writers = 0;
  let idle: (() => void) | undefined;
  let drained: Promise<void> | undefined;
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

  const write = async (key: string, event: Event) => {
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
        // Gone (expired, deleted) or changed by someone else: start a new Event.
        opts.logger?.debug({ err, reason: event.reason }, 'could not update an aggregated event');
        written.delete(key);
      }
    }
    try {
      remember(key, await create(event));
    } catch (err) {
      droppedByReason.write_failed++;
      if (err instanceof ApiError && (err.code === Code.UNAVAILABLE || err.code === Code.DEADLINE_EXCEEDED)) {
        unreachable(err);
        return;
      }
      opts.logger?.warn(
        { err, reason: event.reason, object: event.involvedObject?.name },
        'could not record event',
      );
    }
  };

  /**
   * An Event lost because the apiserver cannot be reached (it restarts, or the plane is
   * stopping): one line now and then with how many, not a stack trace per Event.
   */
  let lostSinceReport = 0;
  let lastReport = Number.NEGATIVE_INFINITY;
  const unreachable = (err: ApiError) => {
    lostSinceReport++;
    const at = clock();
    if (at - lastReport < unreachableReportMs) return;
    opts.logger?.warn(
      { events: lostSinceReport, cause: err.message },
      'events could not be recorded: the apiserver is unreachable',
    );
    lostSinceReport = 0;
    lastReport = at;
  };

  /**
   * Creates the Event, once more if the connection was lost before the answer (a
   * stream that broke fails every create pending on it): ALREADY_EXISTS then means the
   * first attempt was made.
   */
  const create = async (event: Event): Promise<Event> => {
    try {
      return await sink.create(event);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== Code.UNAVAILABLE) throw err;
      opts.logger?.debug({ err, reason: event.reason }, 'retrying an event lost with its connection');
      try {
        return await sink.create(event);
      } catch (again) {
        if (again instanceof ApiError && again.code === Code.ALREADY_EXISTS) return event;
        throw again;
      }
    }
  };

  const writer = async () => {
    writers++;
    try {
      for (let next = queue.take(); next !== undefined; next = queue.take()) {
        try {
          await write(next.key, next.value);
        } finally {
          queue.done(next.key);
        }
      }
    } finally {
      // An event left queued waits for a key another writer holds; that writer, once done
      // with it, takes again, and finds the key ready.
      writers--;
      if (writers === 0) idle?.();
    }
  };

  return {
    get dropped() {
      return droppedByReason.queue_full + droppedByReason.rate_limited + droppedByReason.write_failed;
    },
    droppedByReason,
    get queued() {
      return queue.size;
    },
    event(obj, type, reason, message, extra = {}) {
      const ref = referenceOf(obj);
      if (!bucketFor(`${ref.kind}/${ref.namespace}/${ref.name}/${ref.uid}`).tryTake()) {
        droppedByReason.rate_limited++;
        return;
      }
      if (queue.size >= queueSize) {
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
        source: { component: opts.component, host: instance },
        firstTimestamp: at,
        lastTimestamp: at,
        eventTime: at,
        count: 1,
        type,
        action: extra.action ?? '',
        ...(extra.related ? { related: referenceOf(extra.related) } : {}),
        reportingComponent: opts.component,
        reportingInstance: instance,
      });
      queue.push(aggregationKey(event), event);
      if (writers < concurrency()) void writer();
    },
    flush() {
      if (writers === 0 && queue.size === 0) return Promise.resolve();
      drained ??= new Promise<void>((resolve) => {
        idle = () => {
          idle = undefined;
          drained = undefined;
          resolve();
        };
      });
      return drained;
    },
  };
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
