import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { KeyValue } from '../../store/types.js';
import { compactObject, sharedValuePool } from './compact-object.js';
import { splitManagedFields, withLazyManagedFields } from './lazy-managed-fields.js';

/**
 * The decode function a WatchCache needs for a kind: the stored Protobuf bytes as the
 * kind's message, with metadata.resourceVersion set to the key's mod revision (the
 * store does not keep it in the value). The managed fields stay bytes until read
 * (see lazy-managed-fields.ts); the rest shares repeated values (compact-object.ts).
 */
export function createDecoder<T extends KindObject>(info: KindInfo): (kv: KeyValue) => T {
  // The kind registry is keyed by name, so its message functions are typed for any kind.
  const message = typesOf(info).message as MessageFns<KindObject> as MessageFns<T>;
  const metadataTag = metadataTagOf(message);
  return (kv) => {
    const split = metadataTag === undefined ? undefined : splitManagedFields(kv.value, metadataTag);
    const obj = compactObject(message.decode(split?.rest ?? kv.value), sharedValuePool);
    obj.metadata ??= ObjectMeta.create();
    obj.metadata.resourceVersion = String(kv.modRevision);
    if (split) obj.metadata = withLazyManagedFields(obj.metadata, split.managedFields);
    return obj;
  };
}

/**
 * The tag the kind's message encodes its metadata with: that of an object with only a
 * name, when an empty object encodes to nothing (otherwise undefined: decoded whole).
 */
function metadataTagOf<T extends KindObject>(message: MessageFns<T>): number | undefined {
  if (message.encode(message.create()).finish().length > 0) return undefined;
  const probe = message.create({ metadata: ObjectMeta.create({ name: 'x' }) } as never);
  const bytes = message.encode(probe).finish();
  if (bytes.length === 0) return undefined;
  const tag = new BinaryReader(bytes).uint32();
  return (tag & 7) === 2 ? tag : undefined;
}
