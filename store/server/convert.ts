/** Between the backend's types (numbers) and the wire's (int64 as strings). */
import * as pb from '../../sdk/gen/wheelhouse/store/v1/store.js';
import type { Event, KeyValue, WatchBatch } from '../types.js';

export function kvToProto(kv: KeyValue): pb.KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: String(kv.createRevision),
    modRevision: String(kv.modRevision),
    version: String(kv.version),
    expiresAtMs: String(kv.expiresAtMs),
  };
}

const NO_VALUE = Buffer.alloc(0);

/** A written key-value as acknowledged to its writer: everything but the value, which the writer sent. */
export function writtenToProto(kv: KeyValue): pb.KeyValue {
  return {
    key: kv.key,
    value: NO_VALUE,
    createRevision: String(kv.createRevision),
    modRevision: String(kv.modRevision),
    version: String(kv.version),
    expiresAtMs: String(kv.expiresAtMs),
  };
}

/** The answer to a create or update, from its event. */
export function putResponse(event: Event): pb.CreateResponse & pb.UpdateResponse {
  return { kv: writtenToProto(event.kv) };
}

/** The answer to a delete, from its event. */
export function deleteResponse(event: Event): pb.DeleteResponse {
  return {
    prevKv: event.prevKv ? kvToProto(event.prevKv) : undefined,
    revision: String(event.kv.modRevision),
  };
}

export function kvFromProto(kv: pb.KeyValue): KeyValue {
  return {
    key: kv.key,
    value: kv.value,
    createRevision: Number(kv.createRevision),
    modRevision: Number(kv.modRevision),
    version: Number(kv.version),
    expiresAtMs: Number(kv.expiresAtMs),
  };
}

export function eventToProto(event: Event): pb.Event {
  return {
    type: event.type === 'put' ? pb.EventType.EVENT_TYPE_PUT : pb.EventType.EVENT_TYPE_DELETE,
    kv: kvToProto(event.kv),
    prevKv: event.prevKv ? kvToProto(event.prevKv) : undefined,
  };
}

export function eventFromProto(event: pb.Event): Event {
  const kv = kvFromProto(event.kv ?? pb.KeyValue.fromPartial({}));
  const type = event.type === pb.EventType.EVENT_TYPE_DELETE ? 'delete' : 'put';
  return event.prevKv ? { type, kv, prevKv: kvFromProto(event.prevKv) } : { type, kv };
}

export function watchBatchToProto(batch: WatchBatch): pb.WatchResponse {
  return { events: batch.events.map(eventToProto), revision: String(batch.revision) };
}
