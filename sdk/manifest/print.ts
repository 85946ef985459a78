/** Typed objects → manifest text, for `whctl get -o yaml|json` and friends. */
import { stringify } from 'yaml';
import { encodeList, encodeObject, type ManifestObject } from './encode.js';

/** One YAML document per object, separated by `---`, ready for `whctl apply -f`. */
export function toYaml(items: readonly ManifestObject[]): string {
  // lineWidth 0: never fold long strings (certificates, scripts) across lines.
  return items.map((i) => stringify(encodeObject(i.info, i.object), { lineWidth: 0 })).join('---\n');
}

/** Indented JSON: the object itself, or a `kind: List` when asked for a list. */
export function toJson(items: readonly ManifestObject[], opts: { list?: boolean } = {}): string {
  const [only] = items;
  const value =
    only && items.length === 1 && !opts.list ? encodeObject(only.info, only.object) : encodeList(items);
  return `${JSON.stringify(value, null, 2)}\n`;
}
