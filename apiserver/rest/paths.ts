/**
 * The Kubernetes REST paths, read the way kube-apiserver's RequestInfo reads them:
 * `/api/v1/...` for the core group, `/apis/<group>/<version>/...` for the others; then
 * `namespaces/<ns>/` (unless what follows the namespace is one of a Namespace's own
 * subresources, `status` or `finalize`), the resource, its name and a subresource.
 */

export type ApiPath =
  /** `/api`, `/apis`: the groups. */
  | { readonly type: 'root'; readonly core: boolean }
  /** `/apis/<group>`. */
  | { readonly type: 'group'; readonly group: string }
  /** `/api/v1`, `/apis/<group>/<version>`. */
  | { readonly type: 'groupVersion'; readonly group: string; readonly version: string }
  | {
      readonly type: 'resource';
      readonly group: string;
      readonly version: string;
      /** Whether the path named a namespace (`namespaces/<ns>/<resource>`). */
      readonly namespaced: boolean;
      readonly namespace: string;
      readonly resource: string;
      readonly name: string;
      readonly subresource: string;
    };

const namespaceSubresources = new Set(['status', 'finalize']);

/** The API path of `pathname`; undefined when it is not under `/api` or `/apis` or has too many parts. */
export function parseApiPath(pathname: string): ApiPath | undefined {
  let parts: string[];
  try {
    parts = pathname
      .split('/')
      .filter((p) => p !== '')
      .map((p) => decodeURIComponent(p));
  } catch {
    return undefined;
  }
  const [prefix, ...rest] = parts;
  let group: string;
  let version: string | undefined;
  let tail: string[];
  if (prefix === 'api') {
    group = '';
    version = rest[0];
    tail = rest.slice(1);
    if (version === undefined) return { type: 'root', core: true };
  } else if (prefix === 'apis') {
    if (rest[0] === undefined) return { type: 'root', core: false };
    group = rest[0];
    version = rest[1];
    tail = rest.slice(2);
    if (version === undefined) return { type: 'group', group };
  } else {
    return undefined;
  }
  if (tail.length === 0) return { type: 'groupVersion', group, version };
  let namespace = '';
  let namespaced = false;
  if (tail[0] === 'namespaces' && tail.length > 2 && !namespaceSubresources.has(tail[2] ?? '')) {
    namespace = tail[1] ?? '';
    namespaced = true;
    tail = tail.slice(2);
  }
  if (tail.length > 3) return undefined;
  const [resource = '', name = '', subresource = ''] = tail;
  return { type: 'resource', group, version, namespaced, namespace, resource, name, subresource };
}
