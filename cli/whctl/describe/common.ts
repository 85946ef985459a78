/** What every `describe` prints first and the values several describers format alike. */
import type { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { Description } from './description.js';

/** Name, Namespace (for namespaced kinds), Labels, Annotations. */
export function describeMeta(d: Description, meta: ObjectMeta | undefined, namespaced: boolean): void {
  d.item(0, 'Name', meta?.name ?? '');
  if (namespaced) d.item(0, 'Namespace', meta?.namespace ?? '');
  d.map(0, 'Labels', meta?.labels);
  describeAnnotations(d, meta?.annotations);
}

/** Longer `key: value` annotations go on lines of their own, shortened (kubectl's maxAnnotationLen). */
const MAX_ANNOTATION_LENGTH = 140;

/**
 * `Annotations:  key: value`, one a line, keys sorted, as kubectl prints them (labels are
 * `key=value`); a long or multi-line value goes under its key, each line shortened. The
 * last-applied configuration is left out: it repeats the object.
 */
export function describeAnnotations(
  d: Description,
  annotations: Readonly<Record<string, string>> | undefined,
): void {
  const { 'kubectl.kubernetes.io/last-applied-configuration': _, ...shown } = annotations ?? {};
  const lines = Object.keys(shown)
    .sort()
    .flatMap((key) => {
      const value = (shown[key] ?? '').replace(/\n$/, '');
      if (value.length + key.length + 2 <= MAX_ANNOTATION_LENGTH && !value.includes('\n'))
        return [`${key}: ${value}`];
      return [`${key}:`, ...value.split('\n').map((line) => `  ${shorten(line, MAX_ANNOTATION_LENGTH - 2)}`)];
    });
  d.values(0, 'Annotations', lines);
}

function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
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
