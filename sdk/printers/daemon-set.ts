/** DaemonSets: NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE, and CONTAINERS IMAGES SELECTOR with -o wide. */
import type { DaemonSet } from '../gen/wheelhouse/apps/v1/daemon_set.js';
import { ageColumn, nameColumn, templateColumns } from './columns.js';
import { formatLabels } from './labels.js';
import { column, definePrinter } from './printer.js';

export const daemonSetPrinter = definePrinter<DaemonSet>([
  nameColumn,
  column(
    'Desired',
    'integer',
    'Nodes that should run the daemon pod (status.desiredNumberScheduled).',
    (ds) => ds.status?.desiredNumberScheduled ?? 0,
  ),
  column(
    'Current',
    'integer',
    'Nodes that run at least one daemon pod and should (status.currentNumberScheduled).',
    (ds) => ds.status?.currentNumberScheduled ?? 0,
  ),
  column(
    'Ready',
    'integer',
    'Nodes whose daemon pod is ready (status.numberReady).',
    (ds) => ds.status?.numberReady ?? 0,
  ),
  column(
    'Up-to-date',
    'integer',
    'Nodes that run the current template (status.updatedNumberScheduled).',
    (ds) => ds.status?.updatedNumberScheduled ?? 0,
  ),
  column(
    'Available',
    'integer',
    'Nodes whose daemon pod is available (status.numberAvailable).',
    (ds) => ds.status?.numberAvailable ?? 0,
  ),
  column(
    'Node Selector',
    'string',
    'The labels a node needs to run the daemon pod (the template’s nodeSelector).',
    (ds) => formatLabels(ds.spec?.template?.spec?.nodeSelector),
  ),
  ageColumn,
  ...templateColumns<DaemonSet>(
    (ds) => ds.spec?.template,
    (ds) => ds.spec?.selector,
  ),
]);
