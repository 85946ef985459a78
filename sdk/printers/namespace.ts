/** Namespaces: NAME STATUS AGE. */
import type { Namespace } from '../gen/wheelhouse/core/v1/namespace.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

export const namespacePrinter = definePrinter<Namespace>([
  nameColumn,
  // The server sets the phase; a namespace it has not stored yet is Active.
  column('Status', 'string', 'Active, or Terminating once deleted.', (ns) => ns.status?.phase || 'Active'),
  ageColumn,
]);
