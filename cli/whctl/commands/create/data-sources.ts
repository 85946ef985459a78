/**
 * The data of `create configmap` and `create secret generic`, as kubectl gathers it:
 * `--from-literal=key=value`, `--from-file=[key=]path` (a folder adds each regular file
 * in it, named after the file) and `--from-env-file=path` (KEY=VALUE lines, `#` comments).
 * A key must be a valid data key and appear once.
 */
import { readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError } from '../../usage-error.js';
import { type FlagValues, listOf } from './generator.js';

const KEY = /^[-._a-zA-Z0-9]+$/;

export const dataSourceFlags = {
  'from-literal': { type: 'string', multiple: true },
  'from-file': { type: 'string', multiple: true },
  'from-env-file': { type: 'string', multiple: true },
} as const;

export const DATA_SOURCE_HELP = `      --from-literal KEY=VALUE   a key and its value (repeatable)
      --from-file [KEY=]PATH     a file's content under its name or KEY; a folder adds each file in it
      --from-env-file PATH       KEY=VALUE lines of a file (# comments and blank lines skipped)
`;

/** Gathers the entries, in the order given; values are bytes. */
export function gatherData(
  values: FlagValues,
  cwd: string,
  readFile: (path: string) => Buffer,
): Map<string, Buffer> {
  const data = new Map<string, Buffer>();
  const add = (key: string, value: Buffer) => {
    if (!KEY.test(key)) {
      throw new UsageError(
        `"${key}" is not a valid key name: a valid key must consist of alphanumeric characters, '-', '_' or '.'`,
      );
    }
    if (data.has(key)) throw new UsageError(`cannot add key ${key}, another key by that name already exists`);
    data.set(key, value);
  };
  for (const literal of listOf(values['from-literal'])) {
    const eq = literal.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid literal source ${literal}, expected key=value`);
    add(literal.slice(0, eq), Buffer.from(literal.slice(eq + 1)));
  }
  for (const source of listOf(values['from-file'])) {
    const eq = source.indexOf('=');
    const [key, path] = eq < 0 ? [undefined, source] : [source.slice(0, eq), source.slice(eq + 1)];
    if (key === '' || path === '') throw new UsageError(`invalid file source ${source}, expected [key=]path`);
    const absolute = resolve(cwd, path);
    let isDir = false;
    try {
      isDir = statSync(absolute).isDirectory();
    } catch {
      // readFile reports the missing file in kubectl's words.
    }
    if (isDir) {
      if (key !== undefined) throw new UsageError(`cannot give a key for a directory: ${source}`);
      for (const entry of readdirSync(absolute, { withFileTypes: true })) {
        if (entry.isFile()) add(entry.name, readFile(join(absolute, entry.name)));
      }
    } else {
      add(key ?? basename(path), readFile(path));
    }
  }
  for (const path of listOf(values['from-env-file'])) {
    const lines = readFile(path).toString('utf8').split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.trimStart();
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      if (eq <= 0) throw new UsageError(`${path}:${i + 1}: "${line}" is not a KEY=VALUE line`);
      add(line.slice(0, eq), Buffer.from(line.slice(eq + 1)));
    });
  }
  return data;
}
