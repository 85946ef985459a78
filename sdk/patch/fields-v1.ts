/**
 * A managed-fields entry's `fieldsV1` between its two forms: the JSON text the API carries
 * (FieldsV1.raw, as Kubernetes carries it) and the tree that text holds, which manifests
 * write and the field manager reads (field-set.ts).
 *
 * Text is the wire and stored form because almost nothing reads the tree: a write decodes
 * only the entries it may change and passes every other entry's bytes through untouched.
 */
import type { FieldsV1 } from '../gen/wheelhouse/meta/v1/meta.js';
import type { Json, JsonObject } from '../manifest/index.js';

/** FieldsV1 holding `tree` as compact JSON, the form Kubernetes stores. */
export function fieldsV1Of(tree: JsonObject): FieldsV1 {
  return { raw: Buffer.from(JSON.stringify(tree)) };
}

/** FieldsV1 holding a field set's text (`FieldSet.toFieldsV1Text`). */
export function fieldsV1OfText(text: string): FieldsV1 {
  return { raw: Buffer.from(text) };
}

/**
 * The tree `fields` holds; undefined for none or an empty text. Throws an Error naming
 * `where` for text that is not JSON.
 */
export function treeOfFieldsV1(fields: FieldsV1 | undefined, where = 'fieldsV1'): Json | undefined {
  const raw = fields?.raw;
  if (raw === undefined || raw.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('utf8')) as Json;
  } catch {
    throw new Error(`${where}: Invalid value: not a JSON object of path elements`);
  }
}

/** Whether `fields` holds no field: none, no text, or `{}`. */
export function isEmptyFieldsV1(fields: FieldsV1 | undefined): boolean {
  const raw = fields?.raw;
  if (raw === undefined || raw.length === 0) return true;
  // `{}`, as fieldsV1Of writes an empty tree.
  return raw.length === 2 && raw[0] === 0x7b && raw[1] === 0x7d;
}

/** Whether two FieldsV1 hold the same text (byte for byte: the form this API writes is canonical). */
export function sameFieldsV1(a: FieldsV1 | undefined, b: FieldsV1 | undefined): boolean {
  if (a === b) return true;
  if (isEmptyFieldsV1(a) && isEmptyFieldsV1(b)) return true;
  const x = a?.raw;
  const y = b?.raw;
  return x !== undefined && y !== undefined && Buffer.from(x.buffer, x.byteOffset, x.length).equals(y);
}
