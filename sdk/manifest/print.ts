/** Typed objects → manifest text, for `whctl get -o yaml|json` and friends. */
import { stringify } from 'yaml';
import { encodeList, encodeObject, type ManifestObject } from './encode.js';

/** One YAML document per object, separated by `---`, ready for `whctl apply -f`. */
export function toYaml(items: readonly ManifestObject[]): string {
  // YAML 1.1 quoting: strings like `yes`, `on` and times stay strings for YAML 1.1
  // readers too (kubectl, PyYAML). lineWidth 0: never fold long strings (certificates).
  const options = { version: '1.1', lineWidth: 0 } as const;
  return items.map((i) => stringify(encodeObject(i.info, i.object), options)).join('---\n');
}

/** Indented JSON: the object itself, or a `kind: List` when asked for a list. */
export function toJson(items: readonly ManifestObject[], opts: { list?: boolean } = {}): string {
  const [only] = items;
  const value =
    only && items.length === 1 && !opts.list ? encodeObject(only.info, only.object) : encodeList(items);
  return `${JSON.stringify(value, null, 2)}\n`;
}
