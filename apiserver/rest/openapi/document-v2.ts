/**
 * The Swagger 2.0 document (`/openapi/v2`) made from the v3 documents of every
 * group-version: one document with every path and definition, as Kubernetes serves it.
 * kubectl before 1.29 parses it before it creates or applies anything, and
 * `kubectl explain --output=plaintext-openapiv2` reads it.
 */
import type { OpenApiV3Document } from './document-v3.js';
import { intOrStringName, quantityName } from './names.js';
import type { Operation, Parameter, PathItem } from './paths.js';
import { type Schema, schemaRefPrefix } from './schema.js';

export type SchemaV2 = Omit<Schema, 'oneOf' | 'allOf' | 'items' | 'properties' | 'additionalProperties'> & {
  items?: SchemaV2;
  properties?: Record<string, SchemaV2>;
  additionalProperties?: SchemaV2 | boolean;
};

export interface ParameterV2 {
  readonly name: string;
  readonly in: 'path' | 'query' | 'body';
  readonly description: string;
  readonly required?: boolean;
  readonly type?: string;
  readonly uniqueItems?: boolean;
  readonly schema?: SchemaV2;
}

export interface OperationV2 {
  readonly description: string;
  readonly operationId: string;
  readonly tags: string[];
  readonly consumes?: string[];
  readonly produces: string[];
  readonly schemes: string[];
  readonly parameters?: ParameterV2[];
  readonly responses: Record<string, { description: string; schema?: SchemaV2 }>;
  readonly 'x-kubernetes-action': string;
  readonly 'x-kubernetes-group-version-kind': Operation['x-kubernetes-group-version-kind'];
}

export type PathItemV2 = { parameters?: ParameterV2[] } & Partial<
  Record<'get' | 'put' | 'post' | 'patch' | 'delete', OperationV2>
>;

export interface OpenApiV2Document {
  readonly swagger: '2.0';
  readonly info: { readonly title: string; readonly version: string };
  readonly paths: Record<string, PathItemV2>;
  readonly definitions: Record<string, SchemaV2>;
}

/** Swagger 2.0 has no oneOf: Kubernetes writes these as strings there. */
const v2Overrides: Readonly<Record<string, SchemaV2>> = {
  [intOrStringName]: { type: 'string', format: 'int-or-string' },
  [quantityName]: { type: 'string' },
};

const definitionsPrefix = '#/definitions/';

/** A v3 schema in Swagger 2.0 form: `#/definitions/` references, a described reference kept as `$ref`. */
export function toV2Schema(schema: Schema): SchemaV2 {
  const { oneOf: _oneOf, allOf, items, properties, additionalProperties, $ref, ...rest } = schema;
  const out: SchemaV2 = { ...rest };
  const ref = $ref ?? (allOf?.length === 1 ? allOf[0]?.$ref : undefined);
  if (ref) out.$ref = ref.replace(schemaRefPrefix, definitionsPrefix);
  if (items) out.items = toV2Schema(items);
  if (properties) {
    out.properties = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, toV2Schema(v)]));
  }
  if (additionalProperties !== undefined) {
    out.additionalProperties =
      typeof additionalProperties === 'boolean' ? additionalProperties : toV2Schema(additionalProperties);
  }
  return out;
}

function toV2Parameter(p: Parameter): ParameterV2 {
  return {
    name: p.name,
    in: p.in,
    description: p.description,
    ...(p.required ? { required: true } : {}),
    type: p.schema.type ?? 'string',
    uniqueItems: true,
  };
}

function toV2Operation(op: Operation): OperationV2 {
  const parameters = (op.parameters ?? []).map(toV2Parameter);
  let consumes: string[] | undefined;
  if (op.requestBody) {
    const types = Object.keys(op.requestBody.content);
    const first = op.requestBody.content[types[0] ?? ''];
    consumes = types;
    parameters.unshift({
      name: 'body',
      in: 'body',
      description: '',
      required: op.requestBody.required,
      schema: first ? toV2Schema(first.schema) : {},
    });
  }
  const responses: OperationV2['responses'] = {};
  for (const [code, response] of Object.entries(op.responses)) {
    const json = response.content?.['application/json'];
    responses[code] = json
      ? { description: response.description, schema: toV2Schema(json.schema) }
      : { description: response.description };
  }
  return {
    description: op.description,
    operationId: op.operationId,
    tags: op.tags,
    ...(consumes ? { consumes } : {}),
    produces: ['application/json'],
    schemes: ['https'],
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
    'x-kubernetes-action': op['x-kubernetes-action'],
    'x-kubernetes-group-version-kind': op['x-kubernetes-group-version-kind'],
  };
}

function toV2PathItem(item: PathItem): PathItemV2 {
  const out: PathItemV2 = {};
  if (item.parameters) out.parameters = item.parameters.map(toV2Parameter);
  for (const method of ['get', 'put', 'post', 'patch', 'delete'] as const) {
    const op = item[method];
    if (op) out[method] = toV2Operation(op);
  }
  return out;
}

/** One Swagger 2.0 document of every group-version's paths and schemas. */
export function buildV2Document(documents: readonly OpenApiV3Document[]): OpenApiV2Document {
  const paths: Record<string, PathItemV2> = {};
  const definitions: Record<string, SchemaV2> = {};
  for (const doc of documents) {
    for (const [path, item] of Object.entries(doc.paths)) paths[path] = toV2PathItem(item);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      const override = v2Overrides[name];
      const existing = definitions[name];
      if (
        existing &&
        schema['x-kubernetes-group-version-kind'] &&
        existing['x-kubernetes-group-version-kind']
      ) {
        // DeleteOptions is defined by every group-version, each with its own kind.
        const gvks = [
          ...existing['x-kubernetes-group-version-kind'],
          ...schema['x-kubernetes-group-version-kind'],
        ];
        existing['x-kubernetes-group-version-kind'] = gvks.filter(
          (g, i) =>
            gvks.findIndex((h) => h.group === g.group && h.kind === g.kind && h.version === g.version) === i,
        );
        continue;
      }
      if (existing) continue;
      definitions[name] = override
        ? { ...(schema.description ? { description: schema.description } : {}), ...override }
        : toV2Schema(schema);
    }
  }
  return {
    swagger: '2.0',
    info: { title: 'Wheelhouse', version: 'v1' },
    paths: Object.fromEntries(Object.entries(paths).sort(([a], [b]) => a.localeCompare(b))),
    definitions: Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => a.localeCompare(b))),
  };
}
