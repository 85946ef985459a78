/**
 * Discovery, as kubectl and the client libraries read it: `/version`, `/api`, `/apis`,
 * the per-group-version `APIResourceList`s, and aggregated discovery
 * (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`, one round trip for all groups).
 * Everything is derived from the kind table (sdk/kinds.ts), the alternate served versions,
 * the subresources and the virtual resources that plug into the router, so a new kind is
 * discovered unasked. A group lists its versions in the order first seen: a kind's own
 * version before the versions it is also served at, so the stored one is preferred.
 */
import { type KindInfo, kinds } from '../../sdk/kinds.js';
import type { Json, JsonObject } from '../../sdk/manifest/index.js';
import { restSubresources, restVirtualResources } from './subresources/index.js';
import { servedVersions } from './versions/served-versions.js';

/** The Kubernetes version this API follows; kubectl's dispatcher picks its minor version from it. */
export const KUBERNETES_MINOR = '32';

/** Kinds listed in the `all` category (`kubectl get all`), as in Kubernetes. */
const allCategory = new Set([
  'pods',
  'services',
  'deployments',
  'replicasets',
  'daemonsets',
  'statefulsets',
  'horizontalpodautoscalers',
  'jobs',
  'cronjobs',
]);

const storedVerbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const statusVerbs = ['get', 'patch', 'update'];

/** One resource of a group-version, whatever serves it. */
interface Resource {
  readonly name: string;
  readonly singular: string;
  readonly namespaced: boolean;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly verbs: readonly string[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  readonly subresources: readonly {
    readonly name: string;
    readonly kind: { group: string; version: string; kind: string };
    readonly verbs: readonly string[];
  }[];
}

export function versionInfo(): JsonObject {
  return {
    major: '1',
    minor: KUBERNETES_MINOR,
    gitVersion: `v1.${KUBERNETES_MINOR}.0-wheelhouse`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'wheelhouse',
    platform: `${process.platform}/${process.arch === 'x64' ? 'amd64' : process.arch}`,
  };
}

function resourceOfKind(info: KindInfo): Resource {
  const subresources = [];
  if (info.status) {
    subresources.push({
      name: 'status',
      kind: { group: info.apiGroup, version: info.version, kind: info.kind },
      verbs: statusVerbs,
    });
  }
  for (const [key, sub] of restSubresources) {
    const [resource, name = ''] = key.split('/');
    if (resource !== info.resource || name === 'status') continue;
    subresources.push({
      name,
      kind: sub.kind ?? { group: info.apiGroup, version: info.version, kind: info.kind },
      verbs: sub.verbs,
    });
  }
  return {
    name: info.resource,
    singular: info.kind.toLowerCase(),
    namespaced: info.namespaced,
    group: info.apiGroup,
    version: info.version,
    kind: info.kind,
    verbs: storedVerbs,
    shortNames: info.shortNames,
    categories: allCategory.has(info.resource) ? ['all'] : [],
    subresources,
  };
}

/** A kind at an alternate served version: the same resource with only its status subresource. */
function resourceOfView(info: KindInfo, version: string): Resource {
  const resource = resourceOfKind(info);
  return {
    ...resource,
    version,
    subresources: resource.subresources
      .filter((s) => s.name === 'status')
      .map((s) => ({ ...s, kind: { ...s.kind, version } })),
  };
}

function allResources(): Resource[] {
  return [
    ...kinds.map(resourceOfKind),
    ...servedVersions.flatMap((v) => {
      const info = kinds.find((k) => k.kind === v.kind);
      return info ? [resourceOfView(info, v.version)] : [];
    }),
    ...restVirtualResources.map((v) => ({
      name: v.resource,
      singular: v.kind.toLowerCase(),
      namespaced: v.namespaced,
      group: v.group,
      version: v.version,
      kind: v.kind,
      verbs: v.verbs,
      shortNames: v.shortNames ?? [],
      categories: [],
      subresources: [],
    })),
  ];
}

/** Group → versions (in the order first seen) → resources. */
function groups(): Map<string, Map<string, Resource[]>> {
  const out = new Map<string, Map<string, Resource[]>>();
  for (const r of allResources()) {
    const versions = out.get(r.group) ?? new Map<string, Resource[]>();
    out.set(r.group, versions);
    const list = versions.get(r.version) ?? [];
    versions.set(r.version, list);
    list.push(r);
  }
  return out;
}

function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

/** True when `group`/`version` is served (for 404s of unknown group-versions). */
export function servesGroupVersion(group: string, version: string): boolean {
  return groups().get(group)?.has(version) === true;
}

/** `/api`: the core group's versions. */
export function apiVersions(serverAddress: string): JsonObject {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(name: string, versions: Iterable<string>): JsonObject {
  const list = [...versions].map((v) => ({ groupVersion: groupVersion(name, v), version: v }));
  return { name, versions: list, preferredVersion: list[0] ?? {} };
}

/** `/apis`: every named group. */
export function apiGroupList(): JsonObject {
  const out: Json[] = [];
  for (const [name, versions] of groups()) if (name !== '') out.push(apiGroup(name, versions.keys()));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: out };
}

/** `/apis/<group>`, or undefined for a group not served. */
export function apiGroupOf(name: string): JsonObject | undefined {
  const versions = groups().get(name);
  if (!versions || name === '') return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(name, versions.keys()) };
}

/** `/api/v1`, `/apis/<group>/<version>`: the resources and subresources with their verbs; undefined when not served. */
export function apiResourceList(group: string, version: string): JsonObject | undefined {
  const resources = groups().get(group)?.get(version);
  if (!resources) return undefined;
  const out: Json[] = [];
  for (const r of resources) {
    out.push({
      name: r.name,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
      ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
      ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
    });
    for (const s of r.subresources) {
      out.push({
        name: `${r.name}/${s.name}`,
        singularName: '',
        namespaced: r.namespaced,
        // Both or neither, as Kubernetes writes them: kubectl drain uses pods/eviction only
        // when its entry names a group and a version.
        ...(s.kind.group !== r.group || s.kind.version !== r.version
          ? { group: s.kind.group, version: s.kind.version }
          : {}),
        kind: s.kind.kind,
        verbs: [...s.verbs],
      });
    }
  }
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupVersion(group, version),
    resources: out,
  };
}

/** The content type of aggregated discovery answers. */
export const AGGREGATED_DISCOVERY_TYPE =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Aggregated discovery of the core group (`/api`) or of every named group (`/apis`). */
export function aggregatedDiscovery(core: boolean): JsonObject {
  const items: Json[] = [];
  for (const [name, versions] of groups()) {
    if ((name === '') !== core) continue;
    items.push({
      metadata: { ...(name !== '' ? { name } : {}), creationTimestamp: null },
      versions: [...versions].map(([version, resources]) => ({
        version,
        resources: resources.map((r) => ({
          resource: r.name,
          responseKind: { group: r.group, version: r.version, kind: r.kind },
          scope: r.namespaced ? 'Namespaced' : 'Cluster',
          singularResource: r.singular,
          verbs: [...r.verbs],
          ...(r.shortNames.length > 0 ? { shortNames: [...r.shortNames] } : {}),
          ...(r.categories.length > 0 ? { categories: [...r.categories] } : {}),
          ...(r.subresources.length > 0
            ? {
                subresources: r.subresources.map((s) => ({
                  subresource: s.name,
                  responseKind: s.kind,
                  verbs: [...s.verbs],
                })),
              }
            : {}),
        })),
        freshness: 'Current',
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
