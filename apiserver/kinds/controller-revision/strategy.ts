/**
 * The ControllerRevision strategy (Kubernetes' pkg/registry/apps/controllerrevision): a
 * snapshot that never changes once written, so that a rollback restores exactly what was
 * rolled out. Only its revision number and metadata may change.
 */
import type { ControllerRevision } from '../../../sdk/gen/wheelhouse/apps/v1/controller_revision.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { fieldImmutableErrorMsg } from '../../validation/object-meta.js';
import { validateNonNegative } from '../../validation/values.js';
import { infoOf } from '../kind-info.js';
import { deepEqual } from '../shared/compare.js';

const dataPath = FieldPath.of('data');

export function validateControllerRevision(cr: ControllerRevision): ErrorList {
  const errs: ErrorList = [];
  if (cr.data === undefined) errs.push(required(dataPath, 'data is mandatory'));
  errs.push(...validateNonNegative(cr.revision, FieldPath.of('revision')));
  return errs;
}

export function controllerRevisionStrategy(): Strategy<ControllerRevision> {
  return {
    info: infoOf('ControllerRevision'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults() {},
    prepareForCreate() {},
    validate: validateControllerRevision,
    prepareForUpdate() {},
    validateUpdate(cr, old) {
      const errs = validateControllerRevision(cr);
      if (!deepEqual(cr.data, old.data))
        errs.push(invalid(dataPath, cr.data ?? null, fieldImmutableErrorMsg));
      return errs;
    },
  };
}
