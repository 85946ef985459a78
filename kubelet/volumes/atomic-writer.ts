/**
 * Writes a volume's files so that a container never sees half of an update, as the
 * kubelet's atomic writer does: the files go into a fresh hidden directory, `..data`
 * is switched to it by a rename, and each visible path is a symlink through `..data`.
 * Unchanged content is not rewritten.
 */
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join } from 'node:path';

export interface VolumeFile {
  /** Relative path in the volume, without `..`. */
  readonly path: string;
  readonly content: Buffer;
  readonly mode: number;
}

function current(dir: string): Map<string, Buffer> | undefined {
  const data = join(dir, '..data');
  if (!existsSync(data)) return undefined;
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(data, rel), { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else out.set(path, readFileSync(join(data, path)));
    }
  };
  walk('');
  return out;
}

/** Replaces the volume's content by `files`; returns whether anything changed. */
export function writeAtomically(dir: string, files: readonly VolumeFile[]): boolean {
  for (const f of files) {
    if (
      f.path === '' ||
      f.path.startsWith('/') ||
      f.path.split('/').some((p) => p === '..' || p.startsWith('..'))
    ) {
      throw new Error(
        `volume file path ${JSON.stringify(f.path)} must be relative and must not contain '..'`,
      );
    }
  }
  mkdirSync(dir, { recursive: true });
  const before = current(dir);
  if (
    before &&
    before.size === files.length &&
    files.every((f) => before.get(f.path)?.equals(f.content) === true)
  ) {
    return false;
  }
  const stamp = `..${new Date().toISOString().replace(/[:.]/g, '_')}.${process.pid}.${Math.random().toString(36).slice(2, 8)}`;
  const staged = join(dir, stamp);
  for (const f of files) {
    mkdirSync(dirname(join(staged, f.path)), { recursive: true });
    writeFileSync(join(staged, f.path), f.content, { mode: f.mode });
  }
  mkdirSync(staged, { recursive: true });
  const previous = existsSync(join(dir, '..data')) ? readlinkSync(join(dir, '..data')) : undefined;
  symlinkSync(stamp, join(dir, '..data_tmp'));
  renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  const visible = new Set(files.map((f) => f.path.split('/')[0] ?? ''));
  for (const top of visible) {
    const link = join(dir, top);
    if (!existsSync(link)) symlinkSync(join('..data', top), link);
  }
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('..')) continue;
    if (!visible.has(entry)) rmSync(join(dir, entry), { force: true });
  }
  if (previous && previous !== stamp) rmSync(join(dir, previous), { recursive: true, force: true });
  return true;
}
