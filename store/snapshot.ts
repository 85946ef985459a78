/**
 * Snapshots of the store for backups (`storectl snapshot save|restore`), etcd's
 * `snapshot save` / `snapshot restore` for the embedded store: every live key at one
 * revision, read through the store's API while it serves, and a level data directory
 * rebuilt from them that carries on from that revision.
 *
 * The file is JSON lines: a header (`{"wheelhouseStoreSnapshot":1,"revision":R,"keys":N}`),
 * one line per key (its value in base64, with its create and mod revisions, version and
 * expiry), and a last line with the SHA-256 of everything before it, so that a truncated
 * or altered file is refused rather than restored in part.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Code } from '../sdk/errors.js';
import type { StoreClient } from './client.js';
import { restoreLevelStore } from './drivers/level.js';
import type { KeyValue } from './types.js';

const FORMAT = 1;
const PAGE = 1000;

interface Header {
  readonly wheelhouseStoreSnapshot: number;
  readonly revision: number;
  readonly keys: number;
}

interface Line {
  readonly key: string;
  readonly value: string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly expiresAtMs: number;
}

/** Every live key at one revision, in pages of that revision; again at a newer one if compaction overtook it. */
async function consistentRead(client: StoreClient): Promise<{ revision: number; kvs: KeyValue[] }> {
  for (let attempt = 1; ; attempt++) {
    const { revision } = await client.status();
    const kvs: KeyValue[] = [];
    try {
      let startAfter = '';
      for (;;) {
        const page = await client.list('', { revision, limit: PAGE, startAfter });
        kvs.push(...page.kvs);
        if (!page.more || page.kvs.length === 0) break;
        startAfter = page.kvs[page.kvs.length - 1]!.key;
      }
      return { revision, kvs };
    } catch (err) {
      const compacted = (err as { code?: number }).code === Code.OUT_OF_RANGE;
      if (!compacted || attempt >= 5) throw err;
    }
  }
}

/** Writes a snapshot of the store at its current revision to `file` (atomically: aside, then renamed). */
export async function saveSnapshot(
  client: StoreClient,
  file: string,
): Promise<{ revision: number; keys: number }> {
  const { revision, kvs } = await consistentRead(client);
  const temp = `${file}.part`;
  const out = createWriteStream(temp, { mode: 0o600 });
  const hash = createHash('sha256');
  const write = (obj: unknown) => {
    const line = `${JSON.stringify(obj)}\n`;
    hash.update(line);
    return out.write(line) ? undefined : new Promise<void>((r) => out.once('drain', () => r()));
  };
  try {
    const header: Header = { wheelhouseStoreSnapshot: FORMAT, revision, keys: kvs.length };
    await write(header);
    for (const kv of kvs) {
      const line: Line = {
        key: kv.key,
        value: kv.value.toString('base64'),
        createRevision: kv.createRevision,
        modRevision: kv.modRevision,
        version: kv.version,
        expiresAtMs: kv.expiresAtMs,
      };
      await write(line);
    }
    out.end(`${JSON.stringify({ sha256: hash.digest('hex') })}\n`);
    await new Promise<void>((resolve, reject) => {
      out.once('finish', resolve);
      out.once('error', reject);
    });
    renameSync(temp, file);
  } catch (err) {
    out.destroy();
    rmSync(temp, { force: true });
    throw err;
  }
  return { revision, keys: kvs.length };
}

/** Reads and checks a snapshot file: its header, keys and checksum. */
export async function readSnapshot(file: string): Promise<{ revision: number; kvs: KeyValue[] }> {
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY });
  const hash = createHash('sha256');
  let header: Header | undefined;
  let checksum: string | undefined;
  const kvs: KeyValue[] = [];
  const bad = (why: string) => new Error(`${file} is not a whole store snapshot: ${why}`);
  for await (const text of lines) {
    if (checksum !== undefined) throw bad('lines after its checksum');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw bad(`line ${kvs.length + 1} is not JSON`);
    }
    const obj = parsed as Partial<Header & Line & { sha256: string }>;
    if (header === undefined) {
      if (obj.wheelhouseStoreSnapshot !== FORMAT)
        throw bad('no snapshot header (made by storectl snapshot save?)');
      header = obj as Header;
    } else if (typeof obj.sha256 === 'string') {
      checksum = obj.sha256;
      continue;
    } else {
      kvs.push({
        key: String(obj.key),
        value: Buffer.from(String(obj.value), 'base64'),
        createRevision: Number(obj.createRevision),
        modRevision: Number(obj.modRevision),
        version: Number(obj.version),
        expiresAtMs: Number(obj.expiresAtMs),
      });
    }
    hash.update(`${text}\n`);
  }
  if (header === undefined) throw bad('it is empty');
  if (checksum === undefined) throw bad('its checksum line is missing (truncated?)');
  if (checksum !== hash.digest('hex')) throw bad('its checksum does not match its contents');
  if (kvs.length !== header.keys) throw bad(`it holds ${kvs.length} keys, its header says ${header.keys}`);
  return { revision: header.revision, kvs };
}

/**
 * Restores `file` into the store data directory `dataDir` (the store's --data-dir; its
 * database goes to `<dataDir>/db`, where the store looks by default), which must not hold
 * a database yet.
 */
export async function restoreSnapshot(
  file: string,
  dataDir: string,
): Promise<{ revision: number; keys: number }> {
  const snapshot = await readSnapshot(file);
  const db = join(dataDir, 'db');
  if (existsSync(db) && readdirSync(db).length > 0) {
    throw new Error(`${db} already holds a database; restore into a new --data-dir, or move it away first`);
  }
  const { keys } = await restoreLevelStore(db, snapshot);
  return { revision: snapshot.revision, keys };
}
