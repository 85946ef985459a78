/**
 * Where a kind's message keeps its ObjectMeta on the wire, found from the generated code
 * rather than assumed: the key (field number and wire type) of `metadata`.
 */
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject, MessageFns } from '../kind-registry.js';
import { LENGTH_DELIMITED } from './fields.js';

const metadataTags = new WeakMap<object, number | undefined>();

/**
 * The tag a kind's message encodes its metadata with: that of an object with only a
 * name, when an empty object encodes to nothing (otherwise undefined: such a message is
 * not one whose fields can be found by scanning its bytes for the metadata alone).
 */
export function metadataTagOf<T extends KindObject>(message: MessageFns<T>): number | undefined {
  if (metadataTags.has(message)) return metadataTags.get(message);
  let tag: number | undefined;
  if (message.encode(message.create()).finish().length === 0) {
    const probe = message.create({ metadata: ObjectMeta.create({ name: 'x' }) } as never);
    const bytes = message.encode(probe).finish();
    if (bytes.length > 0) {
      const first = new BinaryReader(bytes).uint32();
      if ((first & 7) === LENGTH_DELIMITED) tag = first;
    }
  }
  metadataTags.set(message, tag);
  return tag;
}
