/**
 * Storage keys, as Kubernetes lays them out in etcd:
 * `/registry/<resource>/<namespace>/<name>`, and `/registry/<resource>/<name>` for
 * cluster-scoped kinds.
 */
import type { KindInfo } from '../../sdk/kinds.js';

export function resourcePrefix(info: KindInfo): string {
  return `/registry/${info.resource}/`;
}

/** The prefix of one namespace's objects, or of all objects when `namespace` is empty. */
export function namespacePrefix(info: KindInfo, namespace: string): string {
  return info.namespaced && namespace !== '' ? `${resourcePrefix(info)}${namespace}/` : resourcePrefix(info);
}

export function objectKey(info: KindInfo, namespace: string, name: string): string {
  return info.namespaced ? `${resourcePrefix(info)}${namespace}/${name}` : `${resourcePrefix(info)}${name}`;
}
