/**
 * `describe` of any kind without a describer of its own, as kubectl describes custom
 * resources: the spec and the status as a tree, keys spelled as words
 * (`matchLabels` → `Match Labels`), lists of objects item by item.
 */

import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import { describeMeta } from './common.js';
import type { Description } from './description.js';

export function describeGeneric(d: Description, info: KindInfo, object: KindObject): void {
  describeMeta(d, object.metadata, info.namespaced);
  const json = encodeObject(info, object) as Record<string, unknown>;
  d.item(0, 'API Version', String(json.apiVersion ?? ''));
  d.item(0, 'Kind', String(json.kind ?? info.kind));
  for (const [key, value] of Object.entries(json)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'metadata') continue;
    tree(d, 0, key, value);
  }
}

/** `fooBarBaz` → `Foo Bar Baz`. */
function words(key: string): string {
  const spaced = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

function tree(d: Description, level: number, key: string, value: unknown, prefix = ''): void {
  if (value === null || value === undefined) return;
  const label = `${prefix}${words(key)}`;
  if (Array.isArray(value)) {
    if (value.length === 0) return;
    if (value.every((v) => typeof v !== 'object' || v === null)) {
      d.item(level, label, value.map(String).join(', '));
      return;
    }
    d.heading(level, label);
    for (const item of value) {
      if (typeof item !== 'object' || item === null) d.text(level + 1, String(item));
      else {
        // Each item is set off by a dash on its first line, as YAML does.
        const entries = Object.entries(item as Record<string, unknown>);
        entries.forEach(([k, v], i) => {
          tree(d, level + 1, k, v, i === 0 ? '- ' : '  ');
        });
      }
    }
    return;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) return;
    d.heading(level, label);
    for (const [k, v] of entries) tree(d, level + 1, k, v);
    return;
  }
  d.item(level, label, String(value));
}
