import type { KindObject } from '../../../sdk/kind-registry.js';
import { age } from './age.js';
import { type Column, definePrinter } from './printer.js';

export const ageColumn: Column<KindObject> = {
  header: 'AGE',
  cell: (o, now) => age(o.metadata?.creationTimestamp, now),
};

/** NAME AGE: for kinds without a table of their own. */
export const genericPrinter = definePrinter<KindObject>([ageColumn]);
