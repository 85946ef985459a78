/**
 * The named schemas of the API, generated from the Protobuf descriptors: one per
 * message reachable from the kinds asked for, named as Kubernetes names it, with JSON
 * (camelCase) property names, descriptions from the .proto comments and Kubernetes'
 * extensions. Messages written in manifests in a form of their own (times,
 * int-or-strings, free-form objects) and quantities get Kubernetes' own definitions.
 */
import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { type PatchMeta, patchStrategies } from '../../../sdk/patch/patch-strategy.js';
import { fieldComment, messageComment } from './comments.js';
import { listMapKeys, quantityFields, requiredFields } from './field-tags.js';
import { definitionName, intOrStringName, patchName, quantityName, timeName } from './names.js';
import { type GroupVersionKind, refTo, type Schema } from './schema.js';

/** Kubernetes' definitions of the types that are not objects in manifests. */
const wellKnown: Readonly<Record<string, Schema>> = {
  [timeName]: {
    description:
      'Time is a timestamp in RFC 3339 form (2006-01-02T15:04:05Z), written as a string in JSON and YAML.',
    type: 'string',
    format: 'date-time',
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.Duration': {
    description: 'Duration is a length of time written as a string such as "1h30m" or "45s".',
    type: 'string',
  },
  [intOrStringName]: {
    description:
      'IntOrString holds either an integer or a string: a bare number (maxSurge: 1) or a string (maxSurge: 25%).',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  },
  [quantityName]: {
    description:
      'Quantity is a fixed-point number with an optional suffix: a decimal SI suffix (m, k, M, G), a binary one (Ki, Mi, Gi) or an exponent (1e3), such as 500m, 128Mi or 2.',
    oneOf: [{ type: 'string' }, { type: 'number' }],
  },
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': {
    description:
      'FieldsV1 is a set of fields written as a tree: "f:<name>" for a field, "k:<keys>" for a list item by its keys, "v:<value>" for a set item, "i:<index>" for a list item by position, "." for the node itself.',
    type: 'object',
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description: 'RawExtension holds a free-form JSON object, kept as it is written.',
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  },
  [patchName]: {
    description:
      'Patch is the body of a PATCH request: a JSON patch, a JSON merge patch, a strategic merge patch or an apply configuration, by its Content-Type.',
    type: 'object',
  },
};

/** Fields every object has whose .proto carries no comment: Kubernetes' words for them. */
const commonFieldDocs: Readonly<Record<string, string>> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  kind: 'Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase.',
  metadata: "Standard object's metadata.",
};

/** Messages that have a definition in `wellKnown` rather than one made from their fields. */
const wellKnownMessages: ReadonlySet<string> = new Set([
  'google.protobuf.Timestamp',
  'google.protobuf.Duration',
  'google.protobuf.Struct',
  'wheelhouse.meta.v1.IntOrString',
  'wheelhouse.meta.v1.FieldsV1',
]);

function scalarSchema(type: ScalarType): Schema {
  switch (type) {
    case ScalarType.BOOL:
      return { type: 'boolean' };
    case ScalarType.STRING:
      return { type: 'string' };
    case ScalarType.BYTES:
      return { type: 'string', format: 'byte' };
    case ScalarType.DOUBLE:
      return { type: 'number', format: 'double' };
    case ScalarType.FLOAT:
      return { type: 'number', format: 'float' };
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return { type: 'integer', format: 'int64' };
    default:
      return { type: 'integer', format: 'int32' };
  }
}

/** The patch and list extensions of a field, from its strategic-merge-patch tags. */
function patchExtensions(meta: PatchMeta | undefined, keys: readonly string[] | undefined): Schema {
  if (!meta) return {};
  const strategies = [meta.strategy, meta.retainKeys ? 'retainKeys' : undefined].filter(
    (s): s is string => s !== undefined,
  );
  const out: Schema = {};
  if (strategies.length > 0) out['x-kubernetes-patch-strategy'] = strategies.join(',');
  if (meta.strategy === 'merge') {
    if (meta.mergeKey) {
      out['x-kubernetes-patch-merge-key'] = meta.mergeKey;
      out['x-kubernetes-list-type'] = 'map';
      out['x-kubernetes-list-map-keys'] = [...(keys ?? [meta.mergeKey])];
    } else {
      out['x-kubernetes-list-type'] = 'set';
    }
  }
  return out;
}

/** Builds the named schemas reachable from some messages, each built once. */
export interface ComponentsBuilder {
  /** Adds `message` and everything it references; returns its schema name. */
  add(message: DescMessage, gvk?: GroupVersionKind): string;
  /** Adds a schema made elsewhere (a kind's list) under `name`. */
  addNamed(name: string, schema: Schema): void;
  /** Adds one of Kubernetes' well-known definitions (`Patch`, `Quantity`) by name. */
  addWellKnown(name: string): string;
  /** The schemas added so far, sorted by name. */
  schemas(): Record<string, Schema>;
}

export function createComponentsBuilder(): ComponentsBuilder {
  const out = new Map<string, Schema>();

  function addWellKnown(name: string): string {
    const schema = wellKnown[name];
    if (!schema) throw new Error(`no well-known schema ${name}`);
    if (!out.has(name)) out.set(name, schema);
    return name;
  }

  function messageRef(message: DescMessage): Schema {
    if (wellKnownMessages.has(message.typeName)) {
      const name = definitionName(message.typeName);
      return refTo(addWellKnown(name));
    }
    return refTo(add(message));
  }

  function valueSchema(field: DescField, quantity: boolean): Schema {
    if (quantity) return refTo(addWellKnown(quantityName));
    switch (field.fieldKind) {
      case 'scalar':
        return scalarSchema(field.scalar);
      case 'enum':
        return { type: 'string' };
      case 'message':
        return messageRef(field.message);
      case 'list':
        return {
          type: 'array',
          items:
            field.listKind === 'message'
              ? messageRef(field.message)
              : field.listKind === 'enum'
                ? { type: 'string' }
                : scalarSchema(field.scalar),
        };
      case 'map':
        return {
          type: 'object',
          additionalProperties:
            field.mapKind === 'message'
              ? messageRef(field.message)
              : field.mapKind === 'enum'
                ? { type: 'string' }
                : scalarSchema(field.scalar),
        };
    }
  }

  function propertySchema(message: DescMessage, field: DescField): Schema {
    const quantities = quantityFields[message.typeName] ?? [];
    const isQuantity = quantities.includes(field.jsonName);
    let schema: Schema;
    if (isQuantity && field.fieldKind === 'map') {
      schema = { type: 'object', additionalProperties: refTo(addWellKnown(quantityName)) };
    } else {
      schema = valueSchema(field, isQuantity);
    }
    const description = fieldComment(message, field) || commonFieldDocs[field.jsonName] || '';
    // A $ref's siblings are ignored in OpenAPI 3.0: Kubernetes wraps it in allOf to describe it.
    if (schema.$ref && description) schema = { allOf: [schema] };
    if (description) schema = { description, ...schema };
    const keys = listMapKeys[message.typeName]?.[field.jsonName];
    return { ...schema, ...patchExtensions(patchStrategies[message.typeName]?.[field.jsonName], keys) };
  }

  function add(message: DescMessage, gvk?: GroupVersionKind): string {
    const name = definitionName(message.typeName);
    const existing = out.get(name);
    if (existing) {
      if (gvk) existing['x-kubernetes-group-version-kind'] = [gvk];
      return name;
    }
    const schema: Schema = { type: 'object' };
    const description = messageComment(message);
    if (description) schema.description = description;
    // Registered before its fields so that recursive messages end.
    out.set(name, schema);
    const properties: Record<string, Schema> = {};
    for (const field of [...message.fields].sort((a, b) => a.jsonName.localeCompare(b.jsonName))) {
      properties[field.jsonName] = propertySchema(message, field);
    }
    schema.properties = properties;
    const required = requiredFields[message.typeName];
    if (required) schema.required = [...required];
    if (gvk) schema['x-kubernetes-group-version-kind'] = [gvk];
    return name;
  }

  return {
    add,
    addNamed(name, schema) {
      out.set(name, schema);
    },
    addWellKnown,
    schemas() {
      return Object.fromEntries([...out.entries()].sort(([a], [b]) => a.localeCompare(b)));
    },
  };
}
