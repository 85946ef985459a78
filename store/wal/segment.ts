import { constants, fdatasyncSync, writeSync } from 'node:fs';
import { type FileHandle, open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { decodeFrame, FRAME_HEADER, type WalRecord } from './record.js';

/*
 * A segment is a file of fixed size, `<sequence>.wal` (16 hex digits), written with
 * zeros and synced before it is used, so that appending a record changes neither its
 * size nor its allocation and a data sync has no metadata to flush. It starts with a
 * header naming its sequence number; records follow from SEGMENT_HEADER on, one after
 * the other, and the rest of the file is zeros or whatever an earlier use left there.
 *
 *   header: "WHWAL\0\0\1", u32 sequence low, u32 sequence high, u32 CRC32 of those 16 bytes, zeros
 *
 * A file no longer needed is renamed `<sequence>.free` and later recycled into a new
 * segment by writing a new header and renaming it; `<sequence>.tmp` is a segment being
 * zero-filled.
 */
export const SEGMENT_HEADER = 32;
const MAGIC = Buffer.from('WHWAL\0\0\x01', 'latin1');
const FILL_CHUNK = 1024 * 1024;
/** Bytes read at a time when replaying. */
const READ_CHUNK = 1024 * 1024;

export type FileKind = 'segment' | 'free' | 'tmp';
const suffixes: Record<FileKind, string> = { segment: '.wal', free: '.free', tmp: '.tmp' };

export const fileName = (sequence: number, kind: FileKind) =>
  sequence.toString(16).padStart(16, '0') + suffixes[kind];

export function parseFileName(name: string): { sequence: number; kind: FileKind } | undefined {
  const match = /^([0-9a-f]{16})\.(wal|free|tmp)$/.exec(name);
  if (!match) return undefined;
  const kind = match[2] === 'wal' ? 'segment' : (match[2] as FileKind);
  return { sequence: Number.parseInt(match[1]!, 16), kind };
}

function encodeHeader(sequence: number): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER);
  MAGIC.copy(header, 0);
  header.writeUInt32LE(sequence % 2 ** 32, 8);
  header.writeUInt32LE(Math.floor(sequence / 2 ** 32), 12);
  header.writeUInt32LE(crc32(header.subarray(0, 16)), 16);
  return header;
}

function headerSequence(header: Buffer): number | undefined {
  if (header.length < SEGMENT_HEADER || !header.subarray(0, 8).equals(MAGIC)) return undefined;
  if (crc32(header.subarray(0, 16)) !== header.readUInt32LE(16)) return undefined;
  return header.readUInt32LE(8) + header.readUInt32LE(12) * 2 ** 32;
}

/** Makes renames and unlinks in `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes all of `buf` at `position`, and with `datasync` syncs it, from the event loop. */
export function writeAllSync(handle: FileHandle, buf: Buffer, position: number, datasync: boolean): void {
  let done = 0;
  while (done < buf.length) done += writeSync(handle.fd, buf, done, buf.length - done, position + done);
  if (datasync) fdatasyncSync(handle.fd);
}

/** Writes all of `buf` at `position`. */
export async function writeAll(handle: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await handle.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/**
 * Opens a segment for appending. With O_DSYNC each write returns once its data is durable
 * (as write + fdatasync would): one call to the thread pool per record instead of two.
 * `synced` says whether that is so (O_DSYNC exists on Linux and macOS).
 */
export async function openForAppend(path: string): Promise<{ handle: FileHandle; synced: boolean }> {
  const dsync: number | undefined = constants.O_DSYNC;
  const handle = await open(path, constants.O_RDWR | (dsync ?? 0));
  return { handle, synced: dsync !== undefined };
}

/**
 * A new segment of `size` bytes: zero-filled and synced under a temporary name, then
 * renamed. Each chunk is synced on its own, so that the appends of the segment being
 * written meanwhile never queue behind one long flush of the whole file.
 */
export async function createSegment(dir: string, sequence: number, size: number): Promise<void> {
  const tmp = join(dir, fileName(sequence, 'tmp'));
  const handle = await open(tmp, 'w');
  try {
    const zeros = Buffer.alloc(Math.min(FILL_CHUNK, size));
    for (let pos = 0; pos < size; pos += zeros.length) {
      await writeAll(handle, zeros.subarray(0, Math.min(zeros.length, size - pos)), pos);
      await handle.datasync();
    }
    await writeAll(handle, encodeHeader(sequence), 0);
    await handle.sync();
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  } finally {
    await handle.close();
  }
  await rename(tmp, join(dir, fileName(sequence, 'segment')));
  await syncDir(dir);
}

/**
 * Turns a free file into segment `sequence`: its records were written under another
 * sequence number and fail their checksum from now on; the first frame header after
 * the new segment header is zeroed as well, so the segment reads as empty.
 */
export async function recycleSegment(dir: string, freeSequence: number, sequence: number): Promise<void> {
  const from = join(dir, fileName(freeSequence, 'free'));
  const handle = await open(from, 'r+');
  try {
    await writeAll(handle, Buffer.concat([encodeHeader(sequence), Buffer.alloc(FRAME_HEADER)]), 0);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(from, join(dir, fileName(sequence, 'segment')));
  await syncDir(dir);
}

/**
 * The records of segment `sequence`, in order, up to the first that is not whole (zeros,
 * a torn or corrupt frame, a frame of an earlier use of the file) or the end of the file.
 * Nothing after that point is read. A file whose header does not name `sequence` has no
 * records.
 */
export async function* readSegment(path: string, sequence: number): AsyncGenerator<WalRecord> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    // A window of the file; a new buffer each time, so that yielded records may keep views into it.
    let window = Buffer.alloc(0);
    let windowStart = 0;
    const bytesAt = async (pos: number, length: number): Promise<Buffer> => {
      if (pos < windowStart || pos + length > windowStart + window.length) {
        const want = Math.min(Math.max(length, READ_CHUNK), size - pos);
        const buf = Buffer.allocUnsafe(want);
        const { bytesRead } = await handle.read(buf, 0, want, pos);
        window = buf.subarray(0, bytesRead);
        windowStart = pos;
      }
      return window.subarray(pos - windowStart, pos - windowStart + length);
    };
    if (size < SEGMENT_HEADER || headerSequence(await bytesAt(0, SEGMENT_HEADER)) !== sequence) return;
    let pos = SEGMENT_HEADER;
    while (pos + FRAME_HEADER <= size) {
      const length = (await bytesAt(pos, FRAME_HEADER)).readUInt32LE(0);
      if (length === 0 || pos + FRAME_HEADER + length > size) return;
      const frame = decodeFrame(await bytesAt(pos, FRAME_HEADER + length), sequence);
      if (!frame) return;
      yield frame.record;
      pos += frame.bytes;
    }
  } finally {
    await handle.close();
  }
}
