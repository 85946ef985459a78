/**
 * `whctl explain TYPE[.field.path] [--recursive]`: the documentation of a kind and its
 * fields, as kubectl explain prints it. It is read from the API's own descriptor set
 * (sdk/gen/wheelhouse.binpb, which buf builds with source info, comments included), so
 * it says what the .proto files say, field names as manifests spell them.
 */
import { type DescField, type DescMessage, ScalarType } from '@bufbuild/protobuf';
import { apiVersionOf, protoTypeOf } from '../../../sdk/kinds.js';
import { fieldsOf, messageType } from '../../../sdk/manifest/schema.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

const help = `Describe fields and structure of a resource, from the API's own documentation.

Usage:
  whctl explain TYPE[.FIELD[.FIELD...]] [--recursive]

Examples:
  whctl explain pods
  whctl explain pods.spec.containers
  whctl explain deployment.spec --recursive

Flags:
      --recursive     every field below, by name and type, without descriptions
`;

const flags = { ...commonFlags, recursive: { type: 'boolean' } } as const;

/** Fields every object has whose .proto carries no comment: kubectl's words for them. */
const WELL_KNOWN: Readonly<Record<string, string>> = {
  apiVersion:
    'APIVersion defines the versioned schema of this representation of an object. Servers should ' +
    'convert recognized schemas to the latest internal value, and may reject unrecognized values.',
  kind:
    'Kind is a string value representing the REST resource this object represents. Servers may infer ' +
    'this from the endpoint the client submits requests to. In CamelCase.',
  metadata: "Standard object's metadata.",
};

/** Messages written in manifests as plain values, and how explain names their type. */
const PLAIN_MESSAGES: Readonly<Record<string, string>> = {
  'google.protobuf.Timestamp': 'string',
  'google.protobuf.Duration': 'string',
  'google.protobuf.Struct': 'Object',
  'wheelhouse.meta.v1.IntOrString': 'IntOrString',
  'wheelhouse.meta.v1.FieldsV1': 'Object',
};

function scalarName(type: ScalarType): string {
  switch (type) {
    case ScalarType.BOOL:
      return 'boolean';
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return 'number';
    case ScalarType.STRING:
    case ScalarType.BYTES:
      return 'string';
    default:
      return 'integer';
  }
}

/** A message whose fields explain lists; undefined for scalars and plain values. */
function messageOf(field: DescField): DescMessage | undefined {
  const message =
    field.fieldKind === 'message'
      ? field.message
      : field.fieldKind === 'list' && field.listKind === 'message'
        ? field.message
        : field.fieldKind === 'map' && field.mapKind === 'message'
          ? field.message
          : undefined;
  return message && !(message.typeName in PLAIN_MESSAGES) ? message : undefined;
}

function elementName(message: DescMessage): string {
  return PLAIN_MESSAGES[message.typeName] ?? message.name;
}

/** `<string>`, `<[]Container>`, `<map[string]string>`, `<ObjectMeta>`, as kubectl writes types. */
export function typeName(field: DescField): string {
  switch (field.fieldKind) {
    case 'scalar':
      return scalarName(field.scalar);
    case 'enum':
      return 'string';
    case 'message':
      return elementName(field.message);
    case 'list':
      return `[]${field.listKind === 'message' ? elementName(field.message) : field.listKind === 'enum' ? 'string' : scalarName(field.scalar)}`;
    case 'map':
      return `map[string]${field.mapKind === 'message' ? elementName(field.message) : field.mapKind === 'enum' ? 'string' : scalarName(field.scalar)}`;
  }
}

/** The source-info path of a message: [4, i] at the top of its file, then [3, j] per nesting. */
function pathOf(message: DescMessage): number[] {
  if (message.parent)
    return [...pathOf(message.parent), 3, message.parent.proto.nestedType.indexOf(message.proto)];
  return [4, message.file.proto.messageType.indexOf(message.proto)];
}

const commentsByFile = new WeakMap<object, Map<string, string>>();

function commentAt(message: DescMessage, path: readonly number[]): string {
  const file = message.file.proto;
  let comments = commentsByFile.get(file);
  if (!comments) {
    comments = new Map(
      (file.sourceCodeInfo?.location ?? []).map((l) => [l.path.join(','), (l.leadingComments ?? '').trim()]),
    );
    commentsByFile.set(file, comments);
  }
  return comments.get(path.join(',')) ?? '';
}

export function messageDoc(message: DescMessage): string {
  return commentAt(message, pathOf(message));
}

export function fieldDoc(message: DescMessage, field: DescField): string {
  const doc = commentAt(message, [...pathOf(message), 2, message.proto.field.indexOf(field.proto)]);
  return doc || WELL_KNOWN[field.jsonName] || '';
}

/** Words re-flowed to `width` columns, each line indented. */
function indented(text: string, indent: string, width = 80): string {
  const out: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter((w) => w !== '')) {
      if (line !== '' && indent.length + line.length + 1 + word.length > width) {
        out.push(`${indent}${line}`);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    out.push(`${indent}${line}`);
  }
  return `${out.join('\n')}\n`;
}

function fieldLines(message: DescMessage, recursive: boolean, depth: number, seen: Set<string>): string {
  let text = '';
  const pad = '  '.repeat(depth + 1);
  for (const field of [...fieldsOf(message).values()].sort((a, b) => a.jsonName.localeCompare(b.jsonName))) {
    text += `${pad}${field.jsonName}\t<${typeName(field)}>\n`;
    const child = messageOf(field);
    if (recursive) {
      if (child && !seen.has(child.typeName)) {
        text += fieldLines(child, true, depth + 1, new Set([...seen, child.typeName]));
      }
    } else {
      const doc = fieldDoc(message, field);
      text += doc ? `${indented(doc, `${pad}  `)}\n` : '\n';
    }
  }
  return text;
}

/** The explanation of `TYPE[.field...]`, as kubectl prints it. */
export function explain(target: string, recursive: boolean): string {
  const [resource = '', ...path] = target.split('.');
  // `deployments.apps.spec`: a group may follow the resource, as kubectl accepts it.
  const info = resolveKind(resource);
  let message = messageType(protoTypeOf(info));
  let field: DescField | undefined;
  let parent = message;
  for (const [i, name] of path.entries()) {
    const next = fieldsOf(message).get(name);
    if (!next) {
      throw new UsageError(
        `field "${name}" does not exist in ${[resource, ...path.slice(0, i)].join('.')} ` +
          `(run "whctl explain ${[resource, ...path.slice(0, i)].join('.')}" for its fields)`,
      );
    }
    parent = message;
    field = next;
    const child = messageOf(next);
    if (!child && i < path.length - 1) {
      throw new UsageError(`field "${path[i + 1]}" does not exist: ${name} is a ${typeName(next)}`);
    }
    if (child) message = child;
  }
  let text = `KIND:       ${info.kind}\nVERSION:    ${apiVersionOf(info)}\n\n`;
  if (field) text += `FIELD: ${field.jsonName} <${typeName(field)}>\n\n`;
  const docs = field ? [fieldDoc(parent, field)] : [];
  if (!field || messageOf(field)) docs.push(messageDoc(message));
  const description = docs.filter((d) => d !== '').join('\n\n');
  text += `DESCRIPTION:\n${description ? indented(description, '    ') : '    <empty>\n'}`;
  if (!field || messageOf(field)) {
    const fields = fieldLines(message, recursive, 0, new Set([message.typeName]));
    if (fields) text += `\nFIELDS:\n${fields}`;
  }
  return recursive ? text : text.replace(/\n+$/, '\n');
}

export const explainCommand: Command = {
  summary: 'Get the documentation of a resource and its fields',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const [target, ...rest] = positionals;
    if (target === undefined)
      throw new UsageError('you must specify the type of resource to explain, e.g. "pods"');
    if (rest.length > 0) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`);
    // `deployments.apps.spec`: a group name right after the resource.
    const [head = '', second, ...tail] = target.split('.');
    const grouped =
      second !== undefined && resolveGroup(head, second) ? [`${head}.${second}`, ...tail] : undefined;
    ctx.io.write(
      grouped
        ? explainGrouped(grouped, values.recursive ?? false)
        : explain(target, values.recursive ?? false),
    );
    return 0;
  },
};

function resolveGroup(resource: string, group: string): boolean {
  try {
    return resolveKind(`${resource}.${group}`) !== undefined && /^[a-z]/.test(group) && group !== 'spec';
  } catch {
    return false;
  }
}

function explainGrouped(parts: readonly string[], recursive: boolean): string {
  const [qualified = '', ...fields] = parts;
  const info = resolveKind(qualified);
  return explain([info.resource, ...fields].join('.'), recursive);
}
