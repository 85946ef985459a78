/**
 * The scheduler's Pods, listed and watched without their managed fields. The scheduler
 * never reads them, and they are most of a Pod on the wire: each entry's `fieldsV1` is a
 * google.protobuf.Struct, a tree of messages, which decoding turns into a tree of
 * objects — about 70 % of the CPU that decoding a scheduler_perf pod costs (1,082 bytes
 * with them, 428 without), for the two watch events of every pod. kube-scheduler drops
 * them from its informers too (a transform that clears them), after decoding.
 *
 * The watch's messages are rewritten on the wire before they are decoded: inside
 * WatchPodsResponse.events[].object.metadata, field 14 (managed_fields) is left out and
 * the lengths around it recomputed; every other byte is copied as it came. Listed Pods
 * are decoded as usual, then cleared.
 */
import { type ClientReadableStream, Metadata } from '@grpc/grpc-js';
import type { ApiClient } from '../sdk/client/index.js';
import { fromServiceError } from '../sdk/errors.js';
import type { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  PodServiceClient,
  WatchPodsRequest,
  WatchPodsResponse,
} from '../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { WatchEventType } from '../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type InformerWatchEvent, type ListerWatcher, listWatchOf } from '../sdk/informers/index.js';
import { kinds } from '../sdk/kinds.js';

const WATCH_PODS = '/wheelhouse.core.v1.PodService/WatchPods';

const eventTypes: Record<number, InformerWatchEvent<Pod>['type'] | undefined> = {
  [WatchEventType.WATCH_EVENT_TYPE_ADDED]: 'ADDED',
  [WatchEventType.WATCH_EVENT_TYPE_MODIFIED]: 'MODIFIED',
  [WatchEventType.WATCH_EVENT_TYPE_DELETED]: 'DELETED',
  [WatchEventType.WATCH_EVENT_TYPE_BOOKMARK]: 'BOOKMARK',
};

/** Every Pod of the cluster, without managed fields. */
export function podListWatch(api: ApiClient): ListerWatcher<Pod> {
  const info = kinds.find((k) => k.kind === 'Pod');
  if (info === undefined) throw new Error('the kind table has no Pod');
  const plain = listWatchOf<Pod>(api, info);
  return {
    async list(opts) {
      const page = await plain.list(opts);
      for (const pod of page.items) if (pod.metadata) pod.metadata.managedFields = [];
      return page;
    },
    async *watch({ resourceVersion }, signal) {
      const request = WatchPodsRequest.fromPartial({
        namespace: '',
        options: { resourceVersion, allowWatchBookmarks: true },
      });
      const stream: ClientReadableStream<WatchPodsResponse> = api
        .serviceClient(PodServiceClient)
        .makeServerStreamRequest(
          WATCH_PODS,
          (r: WatchPodsRequest) => Buffer.from(WatchPodsRequest.encode(r).finish()),
          (b: Buffer) => WatchPodsResponse.decode(withoutManagedFields(b)),
          request,
          new Metadata(),
          {},
        );
      const cancel = () => stream.cancel();
      if (signal.aborted) cancel();
      signal.addEventListener('abort', cancel, { once: true });
      try {
        for await (const response of stream) {
          const out: InformerWatchEvent<Pod>[] = [];
          for (const event of (response as WatchPodsResponse).events) {
            const type = eventTypes[event.type];
            if (type !== undefined && event.object !== undefined) out.push({ type, object: event.object });
          }
          yield out;
        }
      } catch (err) {
        // Cancelling the call is how a watch is stopped: not an error.
        if (signal.aborted) return;
        throw fromServiceError(err);
      } finally {
        signal.removeEventListener('abort', cancel);
        stream.cancel();
      }
    },
  };
}

// The path to the managed fields: WatchPodsResponse.events (1) → WatchPodsEvent.object
// (2) → Pod.metadata (3) → ObjectMeta.managed_fields (14, dropped).
const PATH = [1, 2, 3] as const;
const MANAGED_FIELDS = 14;
const LEN = 2;

/** A WatchPodsResponse's bytes with every Pod's managed fields left out. */
export function withoutManagedFields(buf: Uint8Array): Uint8Array {
  return rewrite(buf, 0, buf.length, 0) ?? buf;
}

/**
 * The message in buf[start, end) at `depth` of PATH, rewritten; undefined when nothing
 * under it changed (the caller then copies it as it is).
 */
function rewrite(buf: Uint8Array, start: number, end: number, depth: number): Uint8Array | undefined {
  let parts: Uint8Array[] | undefined;
  let copyFrom = start;
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const key = readVarint(buf, pos);
    const afterKey = cursor;
    const wire = key & 7;
    if (wire === 0) {
      readVarint(buf, afterKey);
      pos = cursor;
    } else if (wire === 1) {
      pos = afterKey + 8;
    } else if (wire === 5) {
      pos = afterKey + 4;
    } else if (wire === LEN) {
      const len = readVarint(buf, afterKey);
      const bodyStart = cursor;
      const bodyEnd = bodyStart + len;
      pos = bodyEnd;
      const field = Math.floor(key / 8);
      if (depth === PATH.length && field === MANAGED_FIELDS) {
        parts ??= [];
        parts.push(buf.subarray(copyFrom, fieldStart));
        copyFrom = bodyEnd;
      } else if (depth < PATH.length && field === PATH[depth]) {
        const inner = rewrite(buf, bodyStart, bodyEnd, depth + 1);
        if (inner !== undefined) {
          parts ??= [];
          parts.push(buf.subarray(copyFrom, afterKey), encodeVarint(inner.length), inner);
          copyFrom = bodyEnd;
        }
      }
    } else {
      throw new Error(`pod watch: wire type ${wire} at byte ${fieldStart} is not protobuf`);
    }
  }
  if (pos !== end) throw new Error('pod watch: a field runs past the end of its message');
  if (parts === undefined) return undefined;
  parts.push(buf.subarray(copyFrom, end));
  return Buffer.concat(parts);
}

/** Where the last varint read ended (a position, not a tuple: this runs for every field on the path). */
let cursor = 0;

/** The varint at `pos` (keys and lengths; bits past 2^53 are not kept); sets `cursor` after it. */
function readVarint(buf: Uint8Array, pos: number): number {
  let value = 0;
  let scale = 1;
  let p = pos;
  for (;;) {
    if (p >= buf.length) throw new Error('pod watch: a varint runs past the end of the message');
    const b = buf[p++] as number;
    if (scale < 2 ** 53) value += (b & 0x7f) * scale;
    if ((b & 0x80) === 0) {
      cursor = p;
      return value;
    }
    scale *= 128;
  }
}

function encodeVarint(n: number): Uint8Array {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Uint8Array.from(out);
}
