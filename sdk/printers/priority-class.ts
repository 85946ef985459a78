/** PriorityClasses: NAME VALUE GLOBAL-DEFAULT AGE PREEMPTIONPOLICY. */
import type { PriorityClass } from '../gen/wheelhouse/scheduling/v1/priority_class.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter } from './printer.js';

export const priorityClassPrinter = definePrinter<PriorityClass>([
  nameColumn,
  column('Value', 'integer', 'The priority pods of the class get.', (pc) => pc.value),
  column('Global-Default', 'boolean', 'Whether pods without a class get this one.', (pc) => pc.globalDefault),
  ageColumn,
  // The server defaults the policy; a class not yet stored has the default too.
  column(
    'PreemptionPolicy',
    'string',
    'Whether pods of the class may preempt lower-priority pods.',
    (pc) => pc.preemptionPolicy ?? 'PreemptLowerPriority',
  ),
]);
