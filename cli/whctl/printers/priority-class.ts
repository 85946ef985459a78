/** PriorityClasses: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
import type { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';

export const priorityClassPrinter = definePrinter<PriorityClass>([
  { header: 'VALUE', cell: (pc) => String(pc.value) },
  { header: 'GLOBAL-DEFAULT', cell: (pc) => String(pc.globalDefault) },
  ageColumn,
  { header: 'PREEMPTIONPOLICY', cell: (pc) => pc.preemptionPolicy ?? 'PreemptLowerPriority' },
]);
