/**
 * The OpenAPI v3 document of one group-version (`/openapi/v3/api/v1`,
 * `/openapi/v3/apis/apps/v1`): the paths of its kinds and every schema they reach,
 * generated from the Protobuf descriptors of the kinds in sdk/kinds.ts.
 */
import { kinds as allKinds, type KindInfo, type ProtoGroup, protoTypeOf } from '../../../sdk/kinds.js';
import { messageType } from '../../../sdk/manifest/schema.js';
import { restSubresources } from '../subresources/index.js';
import type { RestSubresource } from '../types.js';
import { type ComponentsBuilder, createComponentsBuilder } from './components.js';
import { groupVersionPath, listDefinitionName, listMetaName, patchName } from './names.js';
import { kindPaths, type PathItem, type SubresourceBody, subresourcePath } from './paths.js';
import { refTo, type Schema } from './schema.js';

export interface GroupVersion {
  readonly group: string;
  readonly version: string;
  readonly kinds: readonly KindInfo[];
}

export interface OpenApiV3Document {
  readonly openapi: '3.0.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, PathItem>;
  readonly components: {
    readonly schemas: Record<string, Schema>;
    readonly securitySchemes: Record<string, unknown>;
  };
}

/** Every group-version Wheelhouse serves, the core group first, as discovery lists them. */
export function groupVersions(): GroupVersion[] {
  const byPath = new Map<string, { group: string; version: string; kinds: KindInfo[] }>();
  for (const info of allKinds) {
    const key = groupVersionPath(info.apiGroup, info.version);
    let gv = byPath.get(key);
    if (!gv) {
      gv = { group: info.apiGroup, version: info.version, kinds: [] };
      byPath.set(key, gv);
    }
    gv.kinds.push(info);
  }
  return [...byPath.values()];
}

function listSchema(info: KindInfo, version: string, item: string): Schema {
  return {
    description: `${info.kind}List is a list of ${info.kind} objects.`,
    type: 'object',
    required: ['items'],
    properties: {
      apiVersion: {
        description:
          'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
        type: 'string',
      },
      items: { description: `The ${info.kind} objects.`, type: 'array', items: refTo(item) },
      kind: {
        description:
          'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.',
        type: 'string',
      },
      metadata: { description: 'Standard list metadata.', allOf: [refTo(listMetaName)] },
    },
    'x-kubernetes-group-version-kind': [{ group: info.apiGroup, version, kind: `${info.kind}List` }],
  };
}

/** Subresources this file describes from the kind itself rather than from the router's table. */
const ownSubresources = new Set(['status', 'scale']);

/**
 * What a subresource reads and writes: the message of its kind (`Eviction`,
 * `TokenRequest`, `Binding`), looked up in the kind's own Protobuf package and then in
 * its group's; text for logs and streams.
 */
function subresourceBody(
  components: ComponentsBuilder,
  info: KindInfo,
  version: string,
  name: string,
  sub: RestSubresource,
): SubresourceBody {
  const gvk = sub.kind ?? { group: info.apiGroup, version, kind: info.kind };
  if (sub.upgrade || (!sub.kind && name === 'log')) return { text: true, gvk };
  const groups: ProtoGroup[] = [info.protoGroup];
  const own = allKinds.find((k) => k.apiGroup === gvk.group)?.protoGroup;
  if (own && own !== info.protoGroup) groups.unshift(own);
  for (const group of groups) {
    let message: ReturnType<typeof messageType> | undefined;
    try {
      message = messageType(`wheelhouse.${group}.v1.${gvk.kind}`);
    } catch {
      continue;
    }
    return { schema: refTo(components.add(message, gvk)), gvk };
  }
  return { schema: { type: 'object' }, gvk };
}

export function buildGroupVersionDocument(gv: GroupVersion): OpenApiV3Document {
  const components = createComponentsBuilder();
  const meta = (name: string) => messageType(`wheelhouse.meta.v1.${name}`);
  components.add(meta('ListMeta'));
  components.add(meta('Status'), { group: '', version: 'v1', kind: 'Status' });
  components.add(meta('DeleteOptions'), { group: gv.group, version: gv.version, kind: 'DeleteOptions' });
  components.addWellKnown(patchName);
  let scale: Schema | undefined;
  if (gv.kinds.some((k) => k.scale)) {
    scale = refTo(
      components.add(messageType('wheelhouse.apps.v1.Scale'), {
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      }),
    );
  }
  let paths: Record<string, PathItem> = {};
  for (const info of gv.kinds) {
    const object = components.add(messageType(protoTypeOf(info)), {
      group: info.apiGroup,
      version: gv.version,
      kind: info.kind,
    });
    const list = listDefinitionName(info);
    components.addNamed(list, listSchema(info, gv.version, object));
    paths = { ...paths, ...kindPaths(info, gv.version, { object: refTo(object), list: refTo(list), scale }) };
    for (const [key, sub] of restSubresources) {
      const [resource = '', name = ''] = key.split('/');
      if (resource !== info.resource || ownSubresources.has(name)) continue;
      const body = subresourceBody(components, info, gv.version, name, sub);
      paths = { ...paths, ...subresourcePath(info, gv.version, name, sub, body) };
    }
  }
  return {
    openapi: '3.0.0',
    info: { title: 'Wheelhouse', version: gv.version },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    components: {
      schemas: components.schemas(),
      securitySchemes: {
        BearerToken: {
          type: 'apiKey',
          name: 'authorization',
          in: 'header',
          description: 'Bearer Token authentication',
        },
      },
    },
  };
}
