/** StatefulSets: NAME READY AGE, and CONTAINERS IMAGES with -o wide. */
import type { StatefulSet } from '../gen/wheelhouse/apps/v1/stateful_set.js';
import { ageColumn, nameColumn, templateColumns } from './columns.js';
import { column, definePrinter } from './printer.js';

export const statefulSetPrinter = definePrinter<StatefulSet>([
  nameColumn,
  column(
    'Ready',
    'string',
    'Ready pods out of the desired ones.',
    (s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}`,
  ),
  ageColumn,
  ...templateColumns<StatefulSet>((s) => s.spec?.template),
]);
