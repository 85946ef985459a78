/**
 * Manifest files → typed objects: YAML or JSON, several documents separated by
 * `---`, and `kind: List` documents (what `kubectl get -o yaml` prints) expanded
 * into their items.
 */
import { parseAllDocuments } from 'yaml';
import { loadKindTypes } from '../kind-loader.js';
import type { KindObject } from '../kind-registry.js';
import { apiVersionOf, type KindInfo, kindFor, kinds } from '../kinds.js';
import { decodeObject, describe, isPlainObject } from './decode.js';
import { ManifestError, type ManifestLocation } from './manifest-error.js';

/** One object read from a manifest file, with where it was. */
export interface ParsedObject {
  readonly info: KindInfo;
  readonly object: KindObject;
  /** 1-based position of its document in the file. */
  readonly document: number;
  /** 0-based position inside a `kind: List` document. */
  readonly item?: number;
}

/**
 * Parses every object of a manifest file. Empty documents are skipped; the
 * first problem found throws a ManifestError naming the document and field.
 */
export function parseManifests(text: string, source?: string): ParsedObject[] {
  return documentsOf(text, source).map(decodeDocument);
}

/**
 * parseManifests for a process that loads kinds' code on first use (sdk/kind-loader.ts):
 * the code of every kind the text names is loaded first.
 */
export async function loadManifests(text: string, source?: string): Promise<ParsedObject[]> {
  const documents = documentsOf(text, source);
  const infos = new Map(documents.map((d) => [d.info.kind, d.info]));
  await Promise.all([...infos.values()].map((info) => loadKindTypes(info)));
  return documents.map(decodeDocument);
}

/** A document (or a list's item) whose kind is known, not decoded yet. */
interface KindDocument {
  readonly info: KindInfo;
  readonly value: Record<string, unknown>;
  readonly location: ManifestLocation;
}

function decodeDocument({ info, value, location }: KindDocument): ParsedObject {
  return {
    info,
    object: decodeObject(info, value, location),
    document: location.document ?? 0,
    ...(location.item !== undefined ? { item: location.item } : {}),
  };
}

/** The documents of a file with their kinds; problems of shape (no kind, an unknown one) throw. */
function documentsOf(text: string, source?: string): KindDocument[] {
  const out: KindDocument[] = [];
  // Merge keys (`<<: *defaults`) as Kubernetes' YAML reader has them.
  const documents = parseAllDocuments(text, { merge: true });
  for (const [i, doc] of documents.entries()) {
    const location: ManifestLocation = { source, document: i + 1 };
    const [error] = doc.errors;
    if (error) throw new ManifestError(location, undefined, `invalid YAML: ${error.message.trimEnd()}`);
    const value: unknown = doc.toJS({ maxAliasCount: 1000 });
    if (value === null || value === undefined) continue;
    const listOf = listItemKind(value, location);
    if (listOf === undefined) {
      out.push(kindDocument(value, location));
      continue;
    }
    const items = isPlainObject(value) ? value.items : undefined;
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items))
      throw new ManifestError(location, 'List', `items: expected a list, got ${describe(items)}`);
    for (const [item, object] of items.entries()) {
      const itemLocation = { ...location, item };
      // Items of a typed list (`kind: PodList`) may leave out apiVersion and kind.
      const filled =
        listOf && isPlainObject(object)
          ? { apiVersion: apiVersionOf(listOf), kind: listOf.kind, ...object }
          : object;
      out.push(kindDocument(filled, itemLocation));
    }
  }
  return out;
}

/**
 * For a list document: null for `kind: List`, the item kind for a typed list
 * (`kind: PodList`); undefined for anything else.
 */
function listItemKind(value: unknown, location: ManifestLocation): KindInfo | null | undefined {
  if (!isPlainObject(value) || typeof value.kind !== 'string' || typeof value.apiVersion !== 'string')
    return undefined;
  if (value.kind === 'List') return null;
  if (!value.kind.endsWith('List')) return undefined;
  const info = kindFor(value.apiVersion, value.kind.slice(0, -'List'.length));
  if (!info) return undefined;
  const extra = Object.keys(value).find((k) => !['apiVersion', 'kind', 'metadata', 'items'].includes(k));
  if (extra) throw new ManifestError(location, value.kind, `unknown field "${extra}"`, extra);
  return info;
}

function kindDocument(value: unknown, location: ManifestLocation): KindDocument {
  if (!isPlainObject(value)) {
    throw new ManifestError(
      location,
      undefined,
      `expected an object with apiVersion and kind, got ${describe(value)}`,
    );
  }
  const { apiVersion, kind } = value;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new ManifestError(location, undefined, 'apiVersion is missing', 'apiVersion');
  }
  if (typeof kind !== 'string' || kind === '') {
    throw new ManifestError(location, undefined, 'kind is missing', 'kind');
  }
  const info = kindFor(apiVersion, kind);
  if (!info) throw new ManifestError(location, `apiVersion ${apiVersion}, kind ${kind}`, unknownKind(kind));
  return { info, value, location };
}

function unknownKind(kind: string): string {
  const sameName = kinds.find((k) => k.kind === kind);
  if (sameName) return `unknown kind; ${kind} is served as apiVersion ${apiVersionOf(sameName)}`;
  return `unknown kind; supported: ${kinds.map((k) => `${apiVersionOf(k)} ${k.kind}`).join(', ')}`;
}
