import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { NONE } from './printer.js';

/** A LabelSelector in the string syntax (`app=web,tier in (a,b)`), as kubectl's wide columns show it. */
export function selectorString(selector: LabelSelector | undefined): string {
  if (!selector) return NONE;
  const parts = Object.entries(selector.matchLabels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${v}`);
  for (const r of selector.matchExpressions) {
    switch (r.operator) {
      case 'In':
        parts.push(`${r.key} in (${r.values.join(',')})`);
        break;
      case 'NotIn':
        parts.push(`${r.key} notin (${r.values.join(',')})`);
        break;
      case 'Exists':
        parts.push(r.key);
        break;
      case 'DoesNotExist':
        parts.push(`!${r.key}`);
        break;
      default:
        parts.push(`${r.key} ${r.operator} (${r.values.join(',')})`);
    }
  }
  return parts.length > 0 ? parts.join(',') : NONE;
}
