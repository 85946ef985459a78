/**
 * NAME CREATED AT: the table of kinds without columns of their own (roles, limit
 * ranges), as the apiserver's default table convertor gives it.
 */
import type { KindObject } from '../kind-registry.js';
import { nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

/** The creation time in RFC 3339, seconds precision, UTC; '' when unset. */
export function createdAt(o: KindObject): string {
  const t = o.metadata?.creationTimestamp;
  return t ? t.toISOString().replace(/\.\d+Z$/, 'Z') : '';
}

export const createdAtPrinter = definePrinter<KindObject>([
  nameColumn,
  column('Created At', 'date', 'When the object was created (metadata.creationTimestamp).', createdAt),
]);
