/** Deployments: NAME READY UP-TO-DATE AVAILABLE AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { Deployment } from '../gen/wheelhouse/apps/v1/deployment.js';
import { ageColumn, containerCells, nameColumn } from './columns.js';
import { labelSelectorString } from './labels.js';
import { column, definePrinter } from './printer.js';

/** `2/3`: ready pods out of the desired ones (unset replicas means one, as the server defaults it). */
export function deploymentReady(d: Deployment): string {
  return `${d.status?.readyReplicas ?? 0}/${d.spec?.replicas ?? 1}`;
}

const containers = (d: Deployment) => containerCells(d.spec?.template?.spec?.containers ?? []);

export const deploymentPrinter = definePrinter<Deployment>([
  nameColumn,
  column('Ready', 'string', 'Ready pods out of the desired ones.', deploymentReady),
  // Counts in columns Kubernetes types as strings: clients print them either way.
  column(
    'Up-to-date',
    'string',
    'Pods that run the current template (status.updatedReplicas).',
    (d) => d.status?.updatedReplicas ?? 0,
  ),
  column(
    'Available',
    'string',
    'Pods ready for at least minReadySeconds (status.availableReplicas).',
    (d) => d.status?.availableReplicas ?? 0,
  ),
  ageColumn,
  column('Containers', 'string', 'Names of each container in the template.', (d) => containers(d)[0], {
    priority: 1,
  }),
  column(
    'Images',
    'string',
    'Images referenced by each container in the template.',
    (d) => containers(d)[1],
    {
      priority: 1,
    },
  ),
  column(
    'Selector',
    'string',
    'The label query over pods that the deployment manages.',
    (d) => labelSelectorString(d.spec?.selector),
    { priority: 1 },
  ),
]);
