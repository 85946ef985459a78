/** What every `describe` prints first and the values several describers format alike. */
import type { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Description } from './description.js';

/** Name, Namespace (for namespaced kinds), Labels, Annotations. */
export function describeMeta(d: Description, meta: ObjectMeta | undefined, namespaced: boolean): void {
  d.item(0, 'Name', meta?.name ?? '');
  if (namespaced) d.item(0, 'Namespace', meta?.namespace ?? '');
  d.map(0, 'Labels', meta?.labels);
  d.map(0, 'Annotations', withoutLastApplied(meta?.annotations));
}

/** kubectl leaves the last-applied configuration out: it repeats the object. */
function withoutLastApplied(annotations: Readonly<Record<string, string>> | undefined) {
  const { 'kubectl.kubernetes.io/last-applied-configuration': _, ...rest } = annotations ?? {};
  return rest;
}

/** `Kind/name` of the controller owner, as `Controlled By:` shows it. */
export function controlledBy(meta: ObjectMeta | undefined): string | undefined {
  const owner = meta?.ownerReferences?.find((o) => o.controller === true);
  return owner ? `${owner.kind}/${owner.name}` : undefined;
}

/** A time as kubectl's describers print it: `Mon, 02 Jan 2006 15:04:05 +0000`. */
export function timestamp(date: Date | undefined): string {
  return date ? date.toUTCString().replace('GMT', '+0000') : '';
}

/** `cpu: 100m, memory: 64Mi` style lists of quantities, one per line under a heading. */
export function describeQuantities(
  d: Description,
  level: number,
  key: string,
  values: Readonly<Record<string, string>> | undefined,
): void {
  const entries = Object.entries(values ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return;
  d.heading(level, key);
  for (const [name, value] of entries) d.item(level + 1, name, value);
}
