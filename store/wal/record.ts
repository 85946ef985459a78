import { crc32 } from 'node:zlib';

/** One write batch: entry i was written at revision `firstRevision + i`. */
export interface WalRecord {
  readonly firstRevision: number;
  readonly entries: readonly WalEntry[];
}

export interface WalEntry {
  readonly key: string;
  /** The driver's encoding of what was written at this revision; the log does not look inside. */
  readonly data: Buffer;
}

/*
 * A record on disk is a frame:
 *
 *   u32 payload length
 *   u32 CRC32 of (segment sequence as u64, payload length as u32, payload)
 *   payload: f64 first revision, u32 entry count, then per entry:
 *            u32 key length, key (UTF-8), u32 data length, data
 *
 * All integers little-endian. The checksum covers the sequence number of the segment
 * the frame was written to, so a frame left over from an earlier use of a recycled
 * file never checks out, wherever it happens to sit.
 */
export const FRAME_HEADER = 8;
const PAYLOAD_HEAD = 12;
/** Key and data length fields of one entry. */
const ENTRY_HEAD = 8;

export const lastRevision = (record: WalRecord) => record.firstRevision + record.entries.length - 1;

/** Bytes the record takes on disk. */
export function frameBytes(record: WalRecord): number {
  let bytes = FRAME_HEADER + PAYLOAD_HEAD;
  for (const entry of record.entries) bytes += ENTRY_HEAD + Buffer.byteLength(entry.key) + entry.data.length;
  return bytes;
}

function seed(sequence: number, payloadLength: number): number {
  const head = Buffer.allocUnsafe(12);
  head.writeUInt32LE(sequence % 2 ** 32, 0);
  head.writeUInt32LE(Math.floor(sequence / 2 ** 32), 4);
  head.writeUInt32LE(payloadLength, 8);
  return crc32(head);
}

/**
 * The frame of `record` for the segment numbered `sequence`: written at the start of
 * `into` when given (it must hold `frameBytes(record)` bytes, passed as `bytes`), else
 * into a new buffer. Returns the frame, a view of `into` when given.
 */
export function encodeFrame(
  record: WalRecord,
  sequence: number,
  bytes = frameBytes(record),
  into?: Buffer,
): Buffer {
  if (into && into.length < bytes) throw new RangeError(`a frame of ${bytes} bytes does not fit`);
  const frame = into ? into.subarray(0, bytes) : Buffer.allocUnsafe(bytes);
  let pos = FRAME_HEADER;
  pos = frame.writeDoubleLE(record.firstRevision, pos);
  pos = frame.writeUInt32LE(record.entries.length, pos);
  for (const { key, data } of record.entries) {
    const keyBytes = frame.write(key, pos + 4, 'utf8');
    frame.writeUInt32LE(keyBytes, pos);
    pos += 4 + keyBytes;
    pos = frame.writeUInt32LE(data.length, pos);
    pos += data.copy(frame, pos);
  }
  const payload = frame.subarray(FRAME_HEADER);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload, seed(sequence, payload.length)), 4);
  return frame;
}

/**
 * The frame at the start of `buf` if it is whole and was written to segment `sequence`;
 * undefined for zeros, a torn or corrupt frame, or one left over from another segment.
 * Entry data are views into `buf`.
 */
export function decodeFrame(buf: Buffer, sequence: number): { record: WalRecord; bytes: number } | undefined {
  if (buf.length < FRAME_HEADER + PAYLOAD_HEAD) return undefined;
  const length = buf.readUInt32LE(0);
  if (length < PAYLOAD_HEAD || FRAME_HEADER + length > buf.length) return undefined;
  const payload = buf.subarray(FRAME_HEADER, FRAME_HEADER + length);
  if (crc32(payload, seed(sequence, length)) !== buf.readUInt32LE(4)) return undefined;
  const firstRevision = payload.readDoubleLE(0);
  const count = payload.readUInt32LE(8);
  if (!Number.isSafeInteger(firstRevision) || firstRevision < 1 || count === 0) return undefined;
  const entries: WalEntry[] = [];
  let pos = PAYLOAD_HEAD;
  for (let i = 0; i < count; i++) {
    if (pos + 4 > length) return undefined;
    const keyLength = payload.readUInt32LE(pos);
    pos += 4;
    if (pos + keyLength + 4 > length) return undefined;
    const key = payload.toString('utf8', pos, pos + keyLength);
    pos += keyLength;
    const dataLength = payload.readUInt32LE(pos);
    pos += 4;
    if (pos + dataLength > length) return undefined;
    entries.push({ key, data: payload.subarray(pos, pos + dataLength) });
    pos += dataLength;
  }
  if (pos !== length) return undefined;
  return { record: { firstRevision, entries }, bytes: FRAME_HEADER + length };
}
