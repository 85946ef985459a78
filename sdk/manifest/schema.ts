/**
 * The Protobuf schema of the API, read from the descriptor set that
 * `npm run proto:gen` writes next to the generated code. The manifest codec
 * walks it to check field names and types, which the generated fromJSON does
 * not do (it silently drops unknown fields and coerces wrong types).
 */
import { readFileSync } from 'node:fs';
import {
  createFileRegistry,
  type DescField,
  type DescMessage,
  type FileRegistry,
  fromBinary,
} from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';

const descriptorSet = new URL('../gen/wheelhouse.binpb', import.meta.url);

let registry: FileRegistry | undefined;
const fieldsByJsonName = new WeakMap<DescMessage, Map<string, DescField>>();

/** The message type named by its full Protobuf name, e.g. `wheelhouse.core.v1.Pod`. */
export function messageType(typeName: string): DescMessage {
  registry ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(descriptorSet)));
  const message = registry.getMessage(typeName);
  if (!message)
    throw new Error(`message ${typeName} is not in the API descriptor set; run npm run proto:gen`);
  return message;
}

/** A message's fields by their JSON (manifest) name. */
export function fieldsOf(message: DescMessage): Map<string, DescField> {
  let fields = fieldsByJsonName.get(message);
  if (!fields) {
    fields = new Map(message.fields.map((f) => [f.jsonName, f]));
    fieldsByJsonName.set(message, fields);
  }
  return fields;
}

/** Messages written in manifests in a form of their own rather than as objects. */
export const intOrString = 'wheelhouse.meta.v1.IntOrString';
export const timestamp = 'google.protobuf.Timestamp';
/** Free-form JSON objects (a ControllerRevision's data), written as they are. */
export const struct = 'google.protobuf.Struct';
/** A managed-fields entry's field set: JSON text on the wire, the tree itself in manifests. */
export const fieldsV1 = 'wheelhouse.meta.v1.FieldsV1';
