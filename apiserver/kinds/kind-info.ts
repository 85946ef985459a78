import { type KindInfo, kinds } from '../../sdk/kinds.js';

/** The kind table's entry for a kind; a strategy for a kind the table lacks is a programming error. */
export function infoOf(kind: string): KindInfo {
  const info = kinds.find((k) => k.kind === kind);
  if (!info) throw new Error(`kind ${kind} is not in the kind table (sdk/kinds.ts)`);
  return info;
}
