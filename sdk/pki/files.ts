import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * File handling for secrets. A PKI file is written once and never replaced: the content goes to a
 * private temporary file that is then hard-linked into place, which fails if the name exists. Two
 * processes starting at the same moment therefore cannot overwrite each other's keys; the loser
 * reads what the winner wrote.
 */

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates a folder (and its parents) readable only by the owner; an existing folder is left as it is. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** Reads a file, or undefined when it does not exist. */
export function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Writes `content` to `path` with mode 0600 unless `path` already exists. Returns true if it wrote,
 * false if another writer got there first (the existing file is kept).
 */
export function writeNewPrivateFile(path: string, content: string | Buffer): boolean {
  ensurePrivateDir(dirname(path));
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    chmodSync(temp, PRIVATE_FILE_MODE); // the umask may have taken bits away; never added any
    writeSync(fd, typeof content === 'string' ? Buffer.from(content) : content);
    fsyncSync(fd); // a key must not come back empty after a crash
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(temp);
  }
}
