/** Deployments: NAME READY UP-TO-DATE AVAILABLE AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';
import { selectorString } from './selector.js';

export const deploymentPrinter = definePrinter<Deployment>([
  // Unset replicas means one, as the server defaults it.
  { header: 'READY', cell: (d) => `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}` },
  { header: 'UP-TO-DATE', cell: (d) => String(d.status?.updatedReplicas ?? 0) },
  { header: 'AVAILABLE', cell: (d) => String(d.status?.availableReplicas ?? 0) },
  ageColumn,
  {
    header: 'CONTAINERS',
    wide: true,
    cell: (d) => orNone((d.spec?.template?.spec?.containers ?? []).map((c) => c.name).join(',')),
  },
  {
    header: 'IMAGES',
    wide: true,
    cell: (d) => orNone((d.spec?.template?.spec?.containers ?? []).map((c) => c.image).join(',')),
  },
  { header: 'SELECTOR', wide: true, cell: (d) => selectorString(d.spec?.selector) },
]);
