export { lastRevision, type WalEntry, type WalRecord } from './record.js';
export { DEFAULT_SEGMENT_BYTES, type WalOptions, WriteAheadLog } from './write-ahead-log.js';
