/** ControllerRevisions: NAME CONTROLLER REVISION AGE; CONTROLLER is `daemonset.apps/fluentd`. */
import type { ControllerRevision } from '../../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import { ageColumn } from './generic.js';
import { definePrinter, orNone } from './printer.js';

function controllerOf(cr: ControllerRevision): string {
  const owner = cr.metadata?.ownerReferences.find((r) => r.controller === true);
  if (!owner) return orNone('');
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  return `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
}

export const controllerRevisionPrinter = definePrinter<ControllerRevision>([
  { header: 'CONTROLLER', cell: controllerOf },
  { header: 'REVISION', cell: (cr) => String(cr.revision) },
  ageColumn,
]);
