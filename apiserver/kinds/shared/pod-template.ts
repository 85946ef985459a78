/**
 * The Pod template and selector of a workload (ReplicaSet, Deployment): the
 * template is defaulted and validated as the Pod it will make, its labels must
 * match the selector (or the workload would not own its own Pods), and its
 * Pods must restart forever, since the workload replaces them anyway.
 */
import type { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { fromLabelSelector, matches } from '../../../sdk/labels/index.js';
import { type ErrorList, forbidden, invalid, notSupported, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateLabelSelector, validateLabels } from '../../validation/labels.js';
import { defaultPodSpec } from '../pod/defaults.js';
import { validatePodSpec } from '../pod/validation.js';
import { deepEqual } from './compare.js';

export function defaultPodTemplate(template: PodTemplateSpec | undefined): void {
  if (template?.spec) defaultPodSpec(template.spec);
}

/** Required, not empty (an empty selector would select every Pod in the namespace) and well formed. */
export function validateWorkloadSelector(
  selector: LabelSelector | undefined,
  path: FieldPath,
  kindName: string,
): ErrorList {
  if (!selector) return [required(path, '')];
  if (Object.keys(selector.matchLabels).length === 0 && selector.matchExpressions.length === 0) {
    return [invalid(path, selector, `empty selector is invalid for ${kindName}`)];
  }
  return validateLabelSelector(selector, path);
}

/** What a workload asks of its Pods besides the Pod rules. */
export interface WorkloadTemplateRules {
  /** The Pods' allowed restart policies; `Always` unless given (Jobs: `OnFailure`, `Never`). */
  readonly restartPolicies?: readonly string[];
  /** The Pods run to completion (Jobs), so a Pod deadline makes sense. */
  readonly runsToCompletion?: boolean;
}

/**
 * Validates the template at `path` (`spec.template`) against the selector.
 * `selectorValid` is false when the selector already failed, so a mismatch
 * is not reported twice.
 */
export function validateWorkloadTemplate(
  template: PodTemplateSpec | undefined,
  selector: LabelSelector | undefined,
  selectorValid: boolean,
  path: FieldPath,
  opts: WorkloadTemplateRules = {},
): ErrorList {
  if (!template) return [required(path, '')];
  const labels = template.metadata?.labels ?? {};
  const labelsPath = path.child('metadata', 'labels');
  const errs = validateLabels(labels, labelsPath);
  if (selectorValid && selector) {
    try {
      if (!matches(fromLabelSelector(selector), labels)) {
        errs.push(invalid(labelsPath, labels, '`selector` does not match template `labels`'));
      }
    } catch {
      // The selector's own errors are reported on spec.selector.
    }
  }
  const spec = template.spec;
  errs.push(...validatePodSpec(spec, path.child('spec')));
  if (spec) {
    const restartPolicies = opts.restartPolicies ?? ['Always'];
    if (
      !restartPolicies.includes(spec.restartPolicy) &&
      (spec.restartPolicy !== '' || opts.restartPolicies)
    ) {
      errs.push(notSupported(path.child('spec', 'restartPolicy'), spec.restartPolicy, restartPolicies));
    }
    if (spec.activeDeadlineSeconds !== undefined && !opts.runsToCompletion) {
      errs.push(
        forbidden(
          path.child('spec', 'activeDeadlineSeconds'),
          'activeDeadlineSeconds in a workload is not supported',
        ),
      );
    }
  }
  return errs;
}

/** The selector is the workload's identity: its Pods are the ones it selects. */
export function validateSelectorUnchanged(
  selector: LabelSelector | undefined,
  old: LabelSelector | undefined,
  path: FieldPath,
): ErrorList {
  return deepEqual(selector, old) ? [] : [invalid(path, selector, 'field is immutable')];
}
