/** Leases: NAME HOLDER AGE. */
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

export const leasePrinter = definePrinter<Lease>([
  nameColumn,
  column('Holder', 'string', 'The identity of the holder of the lease.', (l) => l.spec?.holderIdentity ?? ''),
  ageColumn,
]);
