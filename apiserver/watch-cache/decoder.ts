import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { metadataTagOf } from '../../sdk/wire/metadata-tag.js';
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
