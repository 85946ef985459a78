/**
 * Reads the objects named by `-f`: files, folders (their .yaml, .yml and .json
 * files, in name order; sub-folders with -R) and `-` for standard input, each
 * with any number of documents.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadManifests, type ParsedObject } from '../../sdk/manifest/parse.js';
import type { CommandIo } from './context.js';
import { UsageError } from './usage-error.js';

/** A parsed object, the file it came from, and the document as written (for apply's merge). */
export interface SourcedObject extends ParsedObject {
  readonly source: string;
  /**
   * The object exactly as the manifest wrote it. The typed object cannot tell a
   * field left out from one set to its zero value (`paused: false`), and apply
   * must tell them apart.
   */
  readonly raw: unknown;
}

const MANIFEST_EXTENSIONS = /\.(ya?ml|json)$/i;

export async function readManifests(
  paths: readonly string[],
  io: CommandIo,
  opts: { recursive?: boolean } = {},
): Promise<SourcedObject[]> {
  if (paths.length === 0) throw new UsageError('must specify -f (a file, a folder, or - for standard input)');
  const out: SourcedObject[] = [];
  for (const path of paths) {
    if (path === '-') {
      out.push(...(await parse(await io.readStdin(), 'stdin')));
      continue;
    }
    for (const file of filesOf(resolve(io.cwd, path), path, opts.recursive ?? false)) {
      out.push(...(await parse(readFileSync(file.absolute, 'utf8'), file.shown)));
    }
  }
  return out;
}

/** The objects of one file; the generated code of the kinds it names is loaded first. */
async function parse(text: string, source: string): Promise<SourcedObject[]> {
  const objects = await loadManifests(text, source);
  // loadManifests has already rejected anything malformed, so this second read cannot fail.
  const documents = parseAllDocuments(text).map((d) => d.toJS({ maxAliasCount: 1000 }) as unknown);
  return objects.map((o) => {
    const document = documents[o.document - 1];
    const items = isRecord(document) && Array.isArray(document.items) ? document.items : [];
    return { ...o, source, raw: o.item === undefined ? document : items[o.item] };
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface ManifestFile {
  readonly absolute: string;
  /** As the user would recognise it: relative to what they typed. */
  readonly shown: string;
}

function filesOf(absolute: string, shown: string, recursive: boolean): ManifestFile[] {
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(absolute);
  } catch {
    throw new UsageError(`the path "${shown}" does not exist`);
  }
  if (!stats.isDirectory()) return [{ absolute, shown }];
  const files: ManifestFile[] = [];
  for (const entry of readdirSync(absolute, { withFileTypes: true }).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    const child = { absolute: join(absolute, entry.name), shown: join(shown, entry.name) };
    if (entry.isDirectory()) {
      if (recursive) files.push(...filesOf(child.absolute, child.shown, true));
    } else if (MANIFEST_EXTENSIONS.test(entry.name)) {
      files.push(child);
    }
  }
  return files;
}
