/** ControllerRevisions: NAME CONTROLLER REVISION AGE; CONTROLLER is `daemonset.apps/fluentd`. */
import type { ControllerRevision } from '../gen/wheelhouse/apps/v1/controller_revision.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter, NONE } from './printer.js';

/** The controlling owner as `kind.group/name` (lower-case kind, no group for the core group). */
export function controllerOf(cr: ControllerRevision): string {
  const owner = cr.metadata?.ownerReferences.find((r) => r.controller === true);
  if (!owner) return NONE;
  const group = owner.apiVersion.includes('/') ? owner.apiVersion.split('/')[0] : '';
  return `${owner.kind.toLowerCase()}${group ? `.${group}` : ''}/${owner.name}`;
}

export const controllerRevisionPrinter = definePrinter<ControllerRevision>([
  nameColumn,
  column('Controller', 'string', 'The object that owns and controls the revision.', controllerOf),
  // A number in a column Kubernetes types as a string: clients print it either way.
  column('Revision', 'string', 'The revision number; higher is newer.', (cr) => Number(cr.revision)),
  ageColumn,
]);
