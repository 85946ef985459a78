/** Job validation (Kubernetes' pkg/apis/batch/validation: ValidateJob and friends). */
import type { Job, JobSpec, JobStatus, PodFailurePolicy } from '../../../sdk/gen/wheelhouse/batch/v1/job.js';
import type { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type ErrorList, forbidden, invalid, notSupported, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { fieldImmutableErrorMsg } from '../../validation/object-meta.js';
import { validateNonNegative } from '../../validation/values.js';
import { deepEqual } from '../shared/compare.js';
import { validateWorkloadSelector, validateWorkloadTemplate } from '../shared/pod-template.js';
import { validateEnum } from '../shared/rules.js';
import { validateCounts } from '../shared/workload.js';
import { controllerUidLabel, legacyControllerUidLabel } from './labels.js';

export const completionModes = ['Indexed', 'NonIndexed'];
export const podFailurePolicyActions = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
export const podReplacementPolicies = ['Failed', 'TerminatingOrFailed'];
/** Indexed Jobs keep their completed indexes in status: bounded so the status stays small. */
export const maxIndexedJobCompletions = 100_000;
export const maxFailedIndexesLimit = 100_000;

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

function validatePodFailurePolicy(spec: JobSpec, policy: PodFailurePolicy, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const restartPolicy = spec.template?.spec?.restartPolicy ?? '';
  if (restartPolicy !== 'Never') {
    errs.push(
      invalid(
        specPath.child('template', 'spec', 'restartPolicy'),
        restartPolicy,
        'only "Never" is supported when podFailurePolicy is specified',
      ),
    );
  }
  policy.rules.forEach((rule, i) => {
    const rPath = path.child('rules').index(i);
    errs.push(...validateEnum(rule.action, podFailurePolicyActions, rPath.child('action')));
    if (rule.action === 'FailIndex' && spec.backoffLimitPerIndex === undefined) {
      errs.push(forbidden(rPath.child('action'), 'requires the backoffLimitPerIndex to be set'));
    }
    const byCodes = rule.onExitCodes !== undefined;
    const byConditions = rule.onPodConditions.length > 0;
    if (byCodes === byConditions) {
      errs.push(invalid(rPath, null, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
    if (rule.onExitCodes) {
      const cPath = rPath.child('onExitCodes');
      const { operator, values } = rule.onExitCodes;
      errs.push(...validateEnum(operator, ['In', 'NotIn'], cPath.child('operator')));
      if (values.length === 0) errs.push(required(cPath.child('values'), 'at least one value is required'));
      if (values.length > 255)
        errs.push(invalid(cPath.child('values'), values.length, 'must have at most 255 elements'));
      values.forEach((v, j) => {
        if (operator === 'In' && v === 0) {
          errs.push(invalid(cPath.child('values').index(j), v, 'must not be 0 for the In operator'));
        }
        if (j > 0 && v <= (values[j - 1] ?? 0)) {
          errs.push(invalid(cPath.child('values').index(j), v, 'must be ordered'));
        }
      });
    }
    rule.onPodConditions.forEach((pattern, j) => {
      const pPath = rPath.child('onPodConditions').index(j);
      if (pattern.type === '') errs.push(required(pPath.child('type'), ''));
      errs.push(...validateEnum(pattern.status, ['True', 'False', 'Unknown'], pPath.child('status')));
    });
  });
  return errs;
}

/** What a Job's spec and a CronJob's job template both check. */
export function validateJobSpec(spec: JobSpec, path: FieldPath, opts: { template: boolean }): ErrorList {
  const errs: ErrorList = [];
  for (const field of [
    'parallelism',
    'completions',
    'activeDeadlineSeconds',
    'backoffLimit',
    'ttlSecondsAfterFinished',
    'backoffLimitPerIndex',
    'maxFailedIndexes',
  ] as const) {
    const v = spec[field];
    if (v !== undefined) errs.push(...validateNonNegative(v, path.child(field)));
  }
  const mode = spec.completionMode ?? 'NonIndexed';
  if (spec.completionMode !== undefined) {
    errs.push(...validateEnum(spec.completionMode, completionModes, path.child('completionMode')));
  }
  if (mode === 'Indexed') {
    if (spec.completions === undefined) {
      errs.push(required(path.child('completions'), 'when completion mode is Indexed'));
    } else if (spec.completions > maxIndexedJobCompletions) {
      errs.push(
        invalid(
          path.child('completions'),
          spec.completions,
          `must be less than or equal to ${maxIndexedJobCompletions} when completion mode is Indexed`,
        ),
      );
    }
    if ((spec.parallelism ?? 0) > maxIndexedJobCompletions) {
      errs.push(
        invalid(
          path.child('parallelism'),
          spec.parallelism,
          `must be less than or equal to ${maxIndexedJobCompletions} when completion mode is Indexed`,
        ),
      );
    }
  }
  if (spec.backoffLimitPerIndex !== undefined && mode !== 'Indexed') {
    errs.push(forbidden(path.child('backoffLimitPerIndex'), 'requires indexed completion mode'));
  }
  if (spec.maxFailedIndexes !== undefined) {
    if (spec.backoffLimitPerIndex === undefined) {
      errs.push(
        forbidden(
          path.child('maxFailedIndexes'),
          'cannot set maxFailedIndexes when backoffLimitPerIndex is null',
        ),
      );
    } else if (spec.completions !== undefined && spec.maxFailedIndexes > spec.completions) {
      errs.push(
        invalid(
          path.child('maxFailedIndexes'),
          spec.maxFailedIndexes,
          'must be less than or equal to completions',
        ),
      );
    }
  }
  if (spec.podReplacementPolicy !== undefined) {
    errs.push(
      ...validateEnum(spec.podReplacementPolicy, podReplacementPolicies, path.child('podReplacementPolicy')),
    );
    if (spec.podFailurePolicy && spec.podReplacementPolicy !== 'Failed') {
      errs.push(notSupported(path.child('podReplacementPolicy'), spec.podReplacementPolicy, ['Failed']));
    }
  }
  if (spec.podFailurePolicy) {
    errs.push(...validatePodFailurePolicy(spec, spec.podFailurePolicy, path.child('podFailurePolicy')));
  }
  if (spec.successPolicy && mode !== 'Indexed') {
    errs.push(invalid(path.child('successPolicy'), null, 'requires indexed completion mode'));
  }
  const templatePath = path.child('template');
  const rules = { restartPolicies: ['OnFailure', 'Never'], runsToCompletion: true } as const;
  if (opts.template) {
    // A CronJob's jobs get their selector when they are created.
    if (spec.manualSelector === true) {
      errs.push(notSupported(path.child('manualSelector'), true, ['nil', 'false']));
    }
    errs.push(...validateWorkloadTemplate(spec.template, undefined, false, templatePath, rules));
    return errs;
  }
  const selectorErrs = validateWorkloadSelector(spec.selector, path.child('selector'), 'job');
  errs.push(...selectorErrs);
  errs.push(
    ...validateWorkloadTemplate(spec.template, spec.selector, selectorErrs.length === 0, templatePath, rules),
  );
  return errs;
}

/**
 * Without manualSelector the server chose the selector: it must still be the one that
 * selects this Job's Pods only, by its uid.
 */
function validateGeneratedSelector(job: Job): ErrorList {
  const spec = job.spec;
  if (!spec || spec.manualSelector === true) return [];
  const uid = job.metadata?.uid ?? '';
  const errs: ErrorList = [];
  const labels = spec.template?.metadata?.labels ?? {};
  for (const key of [controllerUidLabel, legacyControllerUidLabel]) {
    if (labels[key] !== undefined && labels[key] !== uid) {
      errs.push(
        invalid(specPath.child('template', 'metadata', 'labels').key(key), labels[key], `must be '${uid}'`),
      );
    }
  }
  const selected = spec.selector?.matchLabels[controllerUidLabel];
  if (selected !== undefined && selected !== uid) {
    errs.push(
      invalid(
        specPath.child('selector', 'matchLabels').key(controllerUidLabel),
        selected,
        `must be '${uid}'`,
      ),
    );
  }
  return errs;
}

export function validateJob(job: Job): ErrorList {
  if (!job.spec) return [required(specPath, '')];
  return [...validateGeneratedSelector(job), ...validateJobSpec(job.spec, specPath, { template: false })];
}

/** What a started Job keeps: the Pods it made must stay the Pods it counts. */
export function validateJobUpdate(job: Job, old: Job): ErrorList {
  const errs = validateJob(job);
  const spec = job.spec;
  const oldSpec = old.spec;
  if (!spec || !oldSpec) return errs;
  const immutable = (path: FieldPath, a: unknown, b: unknown) => {
    if (!deepEqual(a, b)) errs.push(invalid(path, a ?? null, fieldImmutableErrorMsg));
  };
  immutable(specPath.child('selector'), spec.selector, oldSpec.selector);
  immutable(specPath.child('completionMode'), spec.completionMode, oldSpec.completionMode);
  immutable(specPath.child('podFailurePolicy'), spec.podFailurePolicy, oldSpec.podFailurePolicy);
  immutable(specPath.child('backoffLimitPerIndex'), spec.backoffLimitPerIndex, oldSpec.backoffLimitPerIndex);
  immutable(specPath.child('manualSelector'), spec.manualSelector, oldSpec.manualSelector);
  // Indexed Jobs may scale completions together with parallelism (elastic Indexed Jobs).
  const elastic =
    spec.completionMode === 'Indexed' &&
    spec.completions === spec.parallelism &&
    oldSpec.completions === oldSpec.parallelism;
  if (!elastic) immutable(specPath.child('completions'), spec.completions, oldSpec.completions);
  if (!templateUpdateAllowed(spec.template, oldSpec.template, old)) {
    immutable(specPath.child('template'), spec.template, oldSpec.template);
  }
  return errs;
}

/**
 * A suspended Job that never started may change its Pods' scheduling directives (so a
 * queueing controller can place it), as Kubernetes allows; otherwise the template stays.
 */
function templateUpdateAllowed(
  template: PodTemplateSpec | undefined,
  old: PodTemplateSpec | undefined,
  oldJob: Job,
): boolean {
  if (oldJob.spec?.suspend !== true || oldJob.status?.startTime !== undefined) return false;
  const strip = (t: PodTemplateSpec | undefined) => {
    if (!t?.spec) return t;
    const { nodeSelector: _n, affinity: _a, tolerations: _t, schedulingGates: _s, ...spec } = t.spec;
    const { labels: _l, annotations: _an, ...metadata } = t.metadata ?? {};
    return { metadata, spec };
  };
  return deepEqual(strip(template), strip(old));
}

export function validateJobStatus(status: JobStatus | undefined): ErrorList {
  if (!status) return [];
  const errs = validateCounts(status, ['active', 'succeeded', 'failed', 'ready', 'terminating'], statusPath);
  const uncounted = status.uncountedTerminatedPods;
  if (uncounted) {
    const seen = new Set<string>();
    for (const [field, uids] of [
      ['succeeded', uncounted.succeeded],
      ['failed', uncounted.failed],
    ] as const) {
      uids.forEach((uid, i) => {
        const path = statusPath.child('uncountedTerminatedPods', field).index(i);
        if (uid === '') errs.push(invalid(path, uid, 'must not be empty'));
        else if (seen.has(uid)) errs.push(invalid(path, uid, 'must be unique'));
        seen.add(uid);
      });
    }
  }
  status.conditions.forEach((c, i) => {
    const cPath = statusPath.child('conditions').index(i);
    if (c.type === '') errs.push(required(cPath.child('type'), ''));
    errs.push(...validateEnum(c.status, ['True', 'False', 'Unknown'], cPath.child('status')));
  });
  return errs;
}
