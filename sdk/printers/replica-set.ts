/** ReplicaSets: NAME DESIRED CURRENT READY AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { ReplicaSet } from '../gen/wheelhouse/apps/v1/replica_set.js';
import { ageColumn, nameColumn, templateColumns } from './columns.js';
import { column, definePrinter } from './printer.js';

export const replicaSetPrinter = definePrinter<ReplicaSet>([
  nameColumn,
  column('Desired', 'integer', 'The number of pods wanted (spec.replicas).', (rs) => rs.spec?.replicas ?? 1),
  column(
    'Current',
    'integer',
    'The number of pods that exist (status.replicas).',
    (rs) => rs.status?.replicas ?? 0,
  ),
  column(
    'Ready',
    'integer',
    'The number of ready pods (status.readyReplicas).',
    (rs) => rs.status?.readyReplicas ?? 0,
  ),
  ageColumn,
  ...templateColumns<ReplicaSet>(
    (rs) => rs.spec?.template,
    (rs) => rs.spec?.selector,
  ),
]);
