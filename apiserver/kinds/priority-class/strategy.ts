/** The PriorityClass strategy (Kubernetes' pkg/registry/scheduling/priorityclass). */
import type { PriorityClass } from '../../../sdk/gen/wheelhouse/scheduling/v1/priority_class.js';
import type { Strategy } from '../../registry/strategy.js';
import { type ErrorList, forbidden, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { fieldImmutableErrorMsg } from '../../validation/object-meta.js';
import { infoOf } from '../kind-info.js';
import { validateEnum } from '../shared/rules.js';
import {
  checkSystemPriorityClass,
  defaultPreemptionPolicy,
  highestUserDefinablePriority,
  preemptionPolicies,
  systemPriorityClassPrefix,
} from './system-classes.js';

const namePath = FieldPath.of('metadata', 'name');
const valuePath = FieldPath.of('value');
const preemptionPolicyPath = FieldPath.of('preemptionPolicy');

/**
 * A `system-` name must be one of the built-in classes exactly; any other class stays at
 * or below the highest user-definable priority. At most one global default is checked by
 * the Priority admission plugin, which can see the other classes.
 */
export function validatePriorityClass(pc: PriorityClass): ErrorList {
  const errs: ErrorList = [];
  const name = pc.metadata?.name ?? '';
  if (name.startsWith(systemPriorityClassPrefix)) {
    const why = checkSystemPriorityClass(name, pc.value, pc.globalDefault);
    if (why !== undefined) {
      errs.push(
        forbidden(
          namePath,
          `priority class names with '${systemPriorityClassPrefix}' prefix are reserved for system use only. error: ${why}`,
        ),
      );
    }
  } else if (pc.value > highestUserDefinablePriority) {
    errs.push(
      forbidden(
        valuePath,
        `maximum allowed value of a user defined priority is ${highestUserDefinablePriority}`,
      ),
    );
  }
  if (pc.preemptionPolicy !== undefined) {
    errs.push(...validateEnum(pc.preemptionPolicy, preemptionPolicies, preemptionPolicyPath));
  }
  return errs;
}

export function validatePriorityClassUpdate(pc: PriorityClass, old: PriorityClass): ErrorList {
  const errs = validatePriorityClass(pc);
  // Pods carry the value they were admitted with: changing it would leave them inconsistent.
  if (pc.value !== old.value) errs.push(forbidden(valuePath, 'may not be changed in an update.'));
  if (pc.preemptionPolicy !== old.preemptionPolicy) {
    errs.push(invalid(preemptionPolicyPath, pc.preemptionPolicy ?? null, fieldImmutableErrorMsg));
  }
  return errs;
}

export function priorityClassStrategy(): Strategy<PriorityClass> {
  return {
    info: infoOf('PriorityClass'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults(pc) {
      pc.preemptionPolicy ??= defaultPreemptionPolicy;
    },
    prepareForCreate() {},
    validate: validatePriorityClass,
    prepareForUpdate() {},
    validateUpdate: validatePriorityClassUpdate,
  };
}
