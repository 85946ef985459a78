/**
 * `-o custom-columns=NAME:.metadata.name,NODE:.spec.nodeName` and
 * `-o custom-columns-file=FILE` (a line of headers, then a line of paths), as
 * kubectl prints them: one row per object, a missing value as `<none>`,
 * several values of one path joined by commas.
 */
import { formatJsonPathValue, type JsonPath, parseJsonPath, relaxedJsonPath } from './jsonpath.js';
import { UsageError } from './usage-error.js';

export interface CustomColumn {
  readonly header: string;
  readonly path: JsonPath;
}

/** Parses `HEADER:PATH,HEADER:PATH`. */
export function parseCustomColumns(spec: string): CustomColumn[] {
  if (spec.trim() === '')
    throw new UsageError(
      'custom-columns format specified but no custom columns given: use -o custom-columns=NAME:.metadata.name',
    );
  return spec.split(',').map((part) => {
    const colon = part.indexOf(':');
    if (colon <= 0)
      throw new UsageError(
        `unexpected custom-columns spec: ${part}, expected <header>:<json-path-expr> (NAME:.metadata.name)`,
      );
    return column(part.slice(0, colon), part.slice(colon + 1));
  });
}

/** Parses a custom-columns file: headers on the first line, paths on the second, split by whitespace. */
export function parseCustomColumnsFile(text: string): CustomColumn[] {
  const [headerLine, pathLine] = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const headers = headerLine?.trim().split(/\s+/) ?? [];
  const paths = pathLine?.trim().split(/\s+/) ?? [];
  if (headers.length === 0 || headers.length !== paths.length)
    throw new UsageError(
      `a custom-columns file has a line of headers and a line of as many paths; found ${headers.length} headers and ${paths.length} paths`,
    );
  return headers.map((header, i) => column(header, paths[i] as string));
}

function column(header: string, expression: string): CustomColumn {
  try {
    return { header, path: parseJsonPath(relaxedJsonPath(expression)) };
  } catch (err) {
    throw new UsageError(`custom column ${header}: ${(err as Error).message}`);
  }
}

export function customColumnsHeader(columns: readonly CustomColumn[]): string[] {
  return columns.map((c) => c.header);
}

/** One object's cells; `object` is its JSON as `-o json` prints it. */
export function customColumnsRow(columns: readonly CustomColumn[], object: unknown): string[] {
  return columns.map((c) => {
    const values = c.path.find(object).filter((v) => v !== undefined && v !== null);
    return values.length === 0 ? '<none>' : values.map(formatJsonPathValue).join(',');
  });
}
