/**
 * Which fields a kind can be selected on. Kubernetes refuses a field selector
 * naming any other field rather than silently matching nothing; so do we. The
 * apiserver declares, per kind, a map from field path to an extractor:
 *
 *   const podFields: SupportedFields<Pod> = {
 *     ...objectMetaFields(true),
 *     'spec.nodeName': (pod) => pod.spec?.nodeName,
 *     'status.phase': (pod) => pod.status?.phase,
 *   };
 */
import { ApiError } from '../errors.js';
import type { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import { quoteRaw } from '../truncate.js';
import { type FieldSelector, matchesFields } from './selector.js';

/** Reads one field of an object as the string a selector compares against (booleans as `true`/`false`). */
export type FieldExtractor<T> = (obj: T) => string | undefined;

export type SupportedFields<T> = Readonly<Record<string, FieldExtractor<T>>>;

/**
 * `metadata.name` for every kind, and `metadata.namespace` for namespaced kinds,
 * which Kubernetes supports on all of them.
 */
export function objectMetaFields<T extends { metadata?: ObjectMeta | undefined }>(
  namespaced: boolean,
): SupportedFields<T> {
  const fields: Record<string, FieldExtractor<T>> = { 'metadata.name': (obj) => obj.metadata?.name };
  if (namespaced) fields['metadata.namespace'] = (obj) => obj.metadata?.namespace;
  return fields;
}

/** Throws an INVALID_ARGUMENT ApiError if the selector names a field the kind does not support. */
export function checkSupportedFields<T>(
  selector: FieldSelector,
  fields: SupportedFields<T>,
  kind: string,
): void {
  const unsupported = [
    ...new Set(selector.requirements.map((r) => r.field).filter((f) => !Object.hasOwn(fields, f))),
  ];
  if (unsupported.length === 0) return;
  const names = unsupported.map((f) => quoteRaw(f)).join(', ');
  const supported = Object.keys(fields).sort().join(', ');
  throw ApiError.invalid(
    `field label not supported: ${names}; ${kind} supports field selectors on ${supported || 'no fields'}`,
  );
}

/**
 * Checks the selector against the kind's fields once and returns a predicate
 * over objects of that kind, for filtering lists and watch events.
 */
export function compileFieldSelector<T>(
  selector: FieldSelector,
  fields: SupportedFields<T>,
  kind: string,
): (obj: T) => boolean {
  checkSupportedFields(selector, fields, kind);
  if (selector.requirements.length === 0) return () => true;
  return (obj) => matchesFields(selector, (path) => fields[path]?.(obj));
}
