/**
 * A watch of one kind whose objects come without `metadata.managedFields`, left out of
 * each message on the wire before it is decoded. Each entry's `fieldsV1` is a
 * google.protobuf.Struct, a tree of messages that decoding turns into a tree of objects:
 * most of the CPU of decoding an object and about half of what it then holds on the heap,
 * for fields no controller reads. (Kubernetes' components clear them with an informer
 * transform, after decoding.)
 *
 * Where the managed fields sit in a Watch<Kinds>Response is not assumed: it is found once
 * per kind by encoding a probe message with the kind's own generated code, and checked by
 * decoding the probe rewritten. A kind whose messages do not have the expected shape is
 * decoded as it came and its objects cleared afterwards; so is a message whose bytes
 * cannot be followed.
 */
import { Metadata } from '@grpc/grpc-js';
import type { ApiClient } from '../client/dynamic-client.js';
import { watchEventBatches } from '../client/watch-stream.js';
import {
  ListOptions,
  ManagedFieldsEntry,
  ObjectMeta,
  WatchEventType,
} from '../gen/wheelhouse/meta/v1/meta.js';
import { loadedKindTypes, loadKindTypes } from '../kind-loader.js';
import type { KindObject, KindTypes } from '../kind-registry.js';
import { type KindInfo, pluralOf } from '../kinds.js';
import { dropNestedField } from '../wire/drop-nested-field.js';
import { fieldAt, LENGTH_DELIMITED } from '../wire/fields.js';
import { metadataTagOf } from '../wire/metadata-tag.js';

export interface WatchEventMessage {
  readonly type: WatchEventType;
  readonly object: KindObject | undefined;
}

export interface WatchResponse {
  readonly events: readonly WatchEventMessage[];
}

/** The watch method of a kind's service definition, as grpc-js generated code describes it. */
interface WatchMethod {
  readonly path: string;
  readonly requestSerialize: (request: object) => Buffer;
  readonly responseSerialize: (response: WatchResponse) => Buffer;
  readonly responseDeserialize: (bytes: Buffer) => WatchResponse;
}

/** Keys down to the ObjectMeta of each event's object, and the key of managed_fields in it. */
export interface ManagedFieldsPath {
  readonly path: readonly number[];
  readonly drop: number;
}

const paths = new WeakMap<KindTypes, ManagedFieldsPath | undefined>();

function watchMethodOf(types: KindTypes, info: KindInfo): WatchMethod {
  const method = types.service[`watch${pluralOf(info)}`];
  if (method === undefined) throw new Error(`the ${info.kind} service has no watch${pluralOf(info)}`);
  return method as unknown as WatchMethod;
}

/** The only field of [from, to), when it is length-delimited. */
function soleMessageField(buf: Uint8Array, from: number, to: number) {
  const field = fieldAt(buf, from, to);
  if (field === undefined || field.end !== to || (field.tag & 7) !== LENGTH_DELIMITED) return undefined;
  return field;
}

/**
 * Where a kind's watch messages keep the managed fields of their objects; undefined when
 * its generated code does not encode them where a rewrite can find them.
 */
export function managedFieldsPathOf(types: KindTypes, info: KindInfo): ManagedFieldsPath | undefined {
  if (paths.has(types)) return paths.get(types);
  let found: ManagedFieldsPath | undefined;
  try {
    found = probe(types, info);
  } catch {
    found = undefined;
  }
  paths.set(types, found);
  return found;
}

function probe(types: KindTypes, info: KindInfo): ManagedFieldsPath | undefined {
  const entry = ManagedFieldsEntry.create({ manager: 'probe' });
  const metaBytes = ObjectMeta.encode(ObjectMeta.create({ managedFields: [entry] })).finish();
  const drop = soleMessageField(metaBytes, 0, metaBytes.length)?.tag;
  const metadataTag = metadataTagOf(types.message);
  if (drop === undefined || metadataTag === undefined) return undefined;

  const method = watchMethodOf(types, info);
  const object = types.message.create({
    metadata: ObjectMeta.create({ name: 'probe', managedFields: [entry] }),
  } as never);
  const bytes = method.responseSerialize({
    events: [{ type: WatchEventType.WATCH_EVENT_TYPE_ADDED, object }],
  });
  // Response → its one event → the event's one message field (the object) → metadata.
  const event = soleMessageField(bytes, 0, bytes.length);
  if (event === undefined) return undefined;
  let objectField: ReturnType<typeof fieldAt>;
  for (let at = event.start; at < event.end; ) {
    const field = fieldAt(bytes, at, event.end);
    if (field === undefined) return undefined;
    if ((field.tag & 7) === LENGTH_DELIMITED) {
      if (objectField !== undefined) return undefined;
      objectField = field;
    }
    at = field.end;
  }
  if (objectField === undefined) return undefined;
  const metadata = soleMessageField(bytes, objectField.start, objectField.end);
  if (metadata?.tag !== metadataTag) return undefined;

  const found = { path: [event.tag, objectField.tag, metadataTag], drop };
  // The proof: the probe rewritten decodes to the object without them, and nothing else lost.
  const decoded = method.responseDeserialize(Buffer.from(dropNestedField(bytes, found.path, found.drop)));
  const meta = decoded.events[0]?.object?.metadata;
  if (decoded.events.length !== 1 || meta?.name !== 'probe' || meta.managedFields.length !== 0)
    return undefined;
  return found;
}

/** Clears what a rewrite could not leave out (a kind or a message it could not follow). */
export function clearManagedFields(object: KindObject | undefined): void {
  if (object?.metadata && object.metadata.managedFields.length > 0) object.metadata.managedFields = [];
}

/**
 * Decodes a kind's Watch<Kinds>Response without the managed fields of its objects: left
 * out on the wire where it can, cleared after decoding where it cannot.
 */
export function watchDecoderOf(types: KindTypes, info: KindInfo): (bytes: Buffer) => WatchResponse {
  const method = watchMethodOf(types, info);
  const where = managedFieldsPathOf(types, info);
  return (bytes) => {
    const out = where === undefined ? bytes : dropNestedField(bytes, where.path, where.drop);
    const response = method.responseDeserialize(
      out === bytes ? bytes : Buffer.from(out.buffer, out.byteOffset, out.byteLength),
    );
    for (const event of response.events) clearManagedFields(event.object);
    return response;
  };
}

/**
 * The events of a watch of `info` (`namespace` '' for all), a message's worth at a time,
 * with no managed fields in their objects; until `signal` aborts (the stream then ends
 * quietly) or the server ends it. As the client's watch, on the same channel.
 */
export async function* watchWithoutManagedFields(
  client: ApiClient,
  info: KindInfo,
  namespace: string,
  options: Partial<ListOptions>,
  signal: AbortSignal,
): AsyncIterable<readonly WatchEventMessage[]> {
  const types = loadedKindTypes(info) ?? (await loadKindTypes(info));
  const method = watchMethodOf(types, info);
  const decode = watchDecoderOf(types, info);
  const request = {
    ...(info.namespaced ? { namespace } : {}),
    options: ListOptions.create(options),
  };
  const stream = client
    .serviceClient(types.client)
    .makeServerStreamRequest(method.path, method.requestSerialize, decode, request, new Metadata(), {});
  yield* watchEventBatches<WatchEventMessage>(stream, signal);
}
