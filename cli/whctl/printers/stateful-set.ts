/** StatefulSets: NAME READY AGE, and CONTAINERS IMAGES with -o wide. */
import type { StatefulSet } from '../../../sdk/gen/wheelhouse/apps/v1/stateful_set.js';
import { ageColumn } from './generic.js';
import { definePrinter } from './printer.js';
import { templateColumns } from './workload-columns.js';

export const statefulSetPrinter = definePrinter<StatefulSet>([
  { header: 'READY', cell: (s) => `${s.status?.readyReplicas ?? 0}/${s.spec?.replicas ?? 1}` },
  ageColumn,
  ...templateColumns<StatefulSet>((s) => s.spec?.template),
]);
