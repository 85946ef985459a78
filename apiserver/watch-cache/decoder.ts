import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type KindObject, type MessageFns, typesOf } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import type { KeyValue } from '../../store/types.js';

/**
 * The decode function a WatchCache needs for a kind: the stored Protobuf bytes as the
 * kind's message, with metadata.resourceVersion set to the key's mod revision (the
 * store does not keep it in the value).
 */
export function createDecoder<T extends KindObject>(info: KindInfo): (kv: KeyValue) => T {
  // The kind registry is keyed by name, so its message functions are typed for any kind.
  const message = typesOf(info).message as MessageFns<KindObject> as MessageFns<T>;
  return (kv) => {
    const obj = message.decode(kv.value);
    obj.metadata ??= ObjectMeta.create();
    obj.metadata.resourceVersion = String(kv.modRevision);
    return obj;
  };
}
