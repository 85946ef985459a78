/** ReplicaSets: NAME DESIRED CURRENT READY AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';
import { selectorString } from './selector.js';

export const replicaSetPrinter = definePrinter<ReplicaSet>([
  { header: 'DESIRED', cell: (rs) => String(rs.spec?.replicas ?? 1) },
  { header: 'CURRENT', cell: (rs) => String(rs.status?.replicas ?? 0) },
  { header: 'READY', cell: (rs) => String(rs.status?.readyReplicas ?? 0) },
  ageColumn,
  {
    header: 'CONTAINERS',
    wide: true,
    cell: (rs) => orNone((rs.spec?.template?.spec?.containers ?? []).map((c) => c.name).join(',')),
  },
  {
    header: 'IMAGES',
    wide: true,
    cell: (rs) => orNone((rs.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(',')),
  },
  { header: 'SELECTOR', wide: true, cell: (rs) => selectorString(rs.spec?.selector) },
]);
