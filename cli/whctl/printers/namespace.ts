/** Namespaces: NAME STATUS AGE. */
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';

export const namespacePrinter = definePrinter<Namespace>([
  // The server sets the phase; an object it has not touched yet is Active.
  { header: 'STATUS', cell: (ns) => ns.status?.phase || 'Active' },
  ageColumn,
]);
