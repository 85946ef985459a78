/**
 * Storage keys, as Kubernetes lays them out in etcd:
 * `/registry/<resource>/<namespace>/<name>`, and `/registry/<resource>/<name>` for
 * cluster-scoped kinds.
 *
 * The store takes keys of printable ASCII without spaces, of at most MAX_KEY_BYTES.
 * A name or namespace that cannot be one segment of such a key is refused here as an
 * invalid `metadata.name` / `metadata.namespace` (INVALID_ARGUMENT), never passed to the
 * store, whose refusal would show the client the key instead of the field.
 */
import type { KindInfo } from '../../sdk/kinds.js';
import { MAX_KEY_BYTES } from '../../store/types.js';
import { type ErrorList, FieldPath, invalid } from '../validation/index.js';
import { toApiError } from '../validation/to-api-error.js';

/** What the store accepts in a key: printable ASCII without spaces. */
const keyChars = /^[\x21-\x7e]*$/;

const namePath = FieldPath.of('metadata', 'name');
const namespacePath = FieldPath.of('metadata', 'namespace');

export function resourcePrefix(info: KindInfo): string {
  return `/registry/${info.resource}/`;
}

/** Why `segment` cannot be one segment of a store key; empty when it can. */
export function keySegmentProblems(segment: string): string[] {
  const problems: string[] = [];
  if (!keyChars.test(segment)) problems.push('must consist of printable ASCII characters other than space');
  if (segment.includes('/')) problems.push("may not contain '/'");
  return problems;
}

/**
 * The field errors of a namespace and name that cannot address a stored object: not one
 * key segment each, or together longer than a key may be. Empty when they can.
 */
export function objectKeyErrors(info: KindInfo, namespace: string, name: string): ErrorList {
  const errs: ErrorList = [];
  if (info.namespaced) {
    for (const msg of keySegmentProblems(namespace)) errs.push(invalid(namespacePath, namespace, msg));
  }
  for (const msg of keySegmentProblems(name)) errs.push(invalid(namePath, name, msg));
  if (errs.length > 0) return errs;
  const prefix = resourcePrefix(info).length;
  const namespacePart = info.namespaced ? namespace.length + 1 : 0;
  if (prefix + namespacePart > MAX_KEY_BYTES) {
    errs.push(
      invalid(namespacePath, namespace, `must be no more than ${MAX_KEY_BYTES - prefix - 1} characters`),
    );
  } else if (prefix + namespacePart + name.length > MAX_KEY_BYTES) {
    const most = MAX_KEY_BYTES - prefix - namespacePart;
    errs.push(invalid(namePath, name, `must be no more than ${most} characters`));
  }
  return errs;
}

/** The prefix of one namespace's objects, or of all objects when `namespace` is empty. */
export function namespacePrefix(info: KindInfo, namespace: string): string {
  if (!info.namespaced || namespace === '') return resourcePrefix(info);
  const prefix = `${resourcePrefix(info)}${namespace}/`;
  if (prefix.length > MAX_KEY_BYTES || !keyChars.test(prefix) || namespace.includes('/')) {
    const errs = objectKeyErrors(info, namespace, '');
    if (errs.length > 0) throw toApiError(info, '', errs);
  }
  return prefix;
}

function keyOf(info: KindInfo, namespace: string, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
}

/** The key of one object; an INVALID_ARGUMENT ApiError naming the field when there cannot be one. */
export function objectKey(info: KindInfo, namespace: string, name: string): string {
  const key = keyOf(info, namespace, name);
  if (
    key.length > MAX_KEY_BYTES ||
    !keyChars.test(key) ||
    name.includes('/') ||
    (info.namespaced && namespace.includes('/'))
  ) {
    const errs = objectKeyErrors(info, namespace, name);
    if (errs.length > 0) throw toApiError(info, name, errs);
  }
  return key;
}
