/** DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { DaemonSet } from '../../../sdk/gen/wheelhouse/apps/v1/daemon_set.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';
import { templateColumns } from './workload-columns.js';

export const daemonSetPrinter = definePrinter<DaemonSet>([
  { header: 'DESIRED', cell: (ds) => String(ds.status?.desiredNumberScheduled ?? 0) },
  { header: 'CURRENT', cell: (ds) => String(ds.status?.currentNumberScheduled ?? 0) },
  { header: 'READY', cell: (ds) => String(ds.status?.numberReady ?? 0) },
  { header: 'UP-TO-DATE', cell: (ds) => String(ds.status?.updatedNumberScheduled ?? 0) },
  { header: 'AVAILABLE', cell: (ds) => String(ds.status?.numberAvailable ?? 0) },
  {
    header: 'NODE SELECTOR',
    cell: (ds) =>
      orNone(
        Object.entries(ds.spec?.template?.spec?.nodeSelector ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      ),
  },
  ageColumn,
  ...templateColumns<DaemonSet>(
    (ds) => ds.spec?.template,
    (ds) => ds.spec?.selector,
  ),
]);
