/**
 * HorizontalPodAutoscaler validation (Kubernetes 1.32's pkg/apis/autoscaling/validation):
 * the replica bounds, the scale target, each metric with exactly the source its type
 * names and that source's target, and the scaling rules of each direction. Messages and
 * field paths are Kubernetes'.
 */
import type {
  ContainerResourceMetricSource,
  CrossVersionObjectReference,
  ExternalMetricSource,
  HorizontalPodAutoscaler,
  HorizontalPodAutoscalerBehavior,
  HorizontalPodAutoscalerSpec,
  HorizontalPodAutoscalerStatus,
  HPAScalingPolicy,
  HPAScalingRules,
  MetricIdentifier,
  MetricSpec,
  MetricTarget,
  ObjectMetricSource,
  PodsMetricSource,
  ResourceMetricSource,
} from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { type ErrorList, forbidden, invalid, notSupported, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { nameIsPathSegment, validateDnsLabel } from '../../validation/names.js';
import { parseQuantityAt, validateResourceName } from '../shared/resources.js';
import { validateCounts } from '../shared/workload.js';

/** The metric source types, sorted as Kubernetes lists them in its messages. */
export const metricSourceTypes = ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'];
export const metricTargetTypes = ['Utilization', 'Value', 'AverageValue'];
export const selectPolicies = ['Disabled', 'Max', 'Min'];
export const scalingPolicyTypes = ['Percent', 'Pods'];
/** The longest stabilization window and policy period, in seconds. */
export const MAX_STABILIZATION_WINDOW_SECONDS = 3600;
export const MAX_PERIOD_SECONDS = 1800;

/** The field of a MetricSpec each type names. */
type SourceField = 'object' | 'external' | 'pods' | 'resource' | 'containerResource';
const sourceFieldOf: Readonly<Record<string, SourceField>> = {
  Object: 'object',
  External: 'external',
  Pods: 'pods',
  Resource: 'resource',
  ContainerResource: 'containerResource',
};
/** The order in which Kubernetes looks at the sources a metric has. */
const sourceFields: readonly SourceField[] = ['object', 'external', 'pods', 'resource', 'containerResource'];

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');

const noTarget: MetricTarget = { type: '', value: '', averageValue: '' };
const noIdentifier: MetricIdentifier = { name: '' };
const noReference: CrossVersionObjectReference = { kind: '', name: '', apiVersion: '' };

function validatePathSegmentName(value: string, path: FieldPath): ErrorList {
  return nameIsPathSegment(value, false).map((msg) => invalid(path, value, msg));
}

export function validateCrossVersionObjectReference(
  ref: CrossVersionObjectReference | undefined,
  path: FieldPath,
): ErrorList {
  const { kind, name } = ref ?? noReference;
  const errs: ErrorList = [];
  if (kind === '') errs.push(required(path.child('kind'), ''));
  else errs.push(...validatePathSegmentName(kind, path.child('kind')));
  if (name === '') errs.push(required(path.child('name'), ''));
  else errs.push(...validatePathSegmentName(name, path.child('name')));
  return errs;
}

function validateMetricIdentifier(id: MetricIdentifier | undefined, path: FieldPath): ErrorList {
  const { name } = id ?? noIdentifier;
  if (name === '') return [required(path.child('name'), 'must specify a metric name')];
  return validatePathSegmentName(name, path.child('name'));
}

/** A quantity of a target, when set: it must parse and be greater than zero. */
function validatePositiveQuantity(value: string, path: FieldPath, errs: ErrorList): void {
  if (value === '') return;
  const q = parseQuantityAt(value, path, errs);
  if (q !== undefined && q.sign() !== 1) errs.push(invalid(path, value, 'must be positive'));
}

function validateMetricTarget(target: MetricTarget, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (target.type === '') errs.push(required(path.child('type'), 'must specify a metric target type'));
  if (!metricTargetTypes.includes(target.type)) {
    errs.push(invalid(path.child('type'), target.type, 'must be either Utilization, Value, or AverageValue'));
  }
  validatePositiveQuantity(target.value, path.child('value'), errs);
  validatePositiveQuantity(target.averageValue, path.child('averageValue'), errs);
  if (target.averageUtilization !== undefined && target.averageUtilization < 1) {
    errs.push(invalid(path.child('averageUtilization'), target.averageUtilization, 'must be greater than 0'));
  }
  return errs;
}

function validateObjectSource(src: ObjectMetricSource, path: FieldPath): ErrorList {
  const target = src.target ?? noTarget;
  const errs = [
    ...validateCrossVersionObjectReference(src.describedObject, path.child('describedObject')),
    ...validateMetricIdentifier(src.metric, path.child('metric')),
    ...validateMetricTarget(target, path.child('target')),
  ];
  if (target.value === '' && target.averageValue === '') {
    errs.push(
      required(path.child('target', 'averageValue'), 'must set either a target value or averageValue'),
    );
  }
  return errs;
}

function validateExternalSource(src: ExternalMetricSource, path: FieldPath): ErrorList {
  const target = src.target ?? noTarget;
  const errs = [
    ...validateMetricIdentifier(src.metric, path.child('metric')),
    ...validateMetricTarget(target, path.child('target')),
  ];
  if (target.value === '' && target.averageValue === '') {
    errs.push(
      required(
        path.child('target', 'averageValue'),
        'must set either a target value for metric or a per-pod target',
      ),
    );
  }
  if (target.value !== '' && target.averageValue !== '') {
    errs.push(
      forbidden(
        path.child('target', 'value'),
        'may not set both a target value for metric and a per-pod target',
      ),
    );
  }
  return errs;
}

function validatePodsSource(src: PodsMetricSource, path: FieldPath): ErrorList {
  const target = src.target ?? noTarget;
  const errs = [
    ...validateMetricIdentifier(src.metric, path.child('metric')),
    ...validateMetricTarget(target, path.child('target')),
  ];
  if (target.averageValue === '') {
    errs.push(required(path.child('target', 'averageValue'), 'must specify a positive target averageValue'));
  }
  return errs;
}

/** A Resource's or ContainerResource's target: a utilization or an average value, one of them. */
function validateResourceTarget(target: MetricTarget, path: FieldPath): ErrorList {
  const errs = validateMetricTarget(target, path);
  if (target.averageUtilization === undefined && target.averageValue === '') {
    errs.push(
      required(
        path.child('averageUtilization'),
        'must set either a target raw value or a target utilization',
      ),
    );
  }
  if (target.averageUtilization !== undefined && target.averageValue !== '') {
    errs.push(
      forbidden(path.child('averageValue'), 'may not set both a target raw value and a target utilization'),
    );
  }
  return errs;
}

function validateResourceSource(src: ResourceMetricSource, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (src.name === '') errs.push(required(path.child('name'), 'must specify a resource name'));
  errs.push(...validateResourceTarget(src.target ?? noTarget, path.child('target')));
  return errs;
}

function validateContainerResourceSource(src: ContainerResourceMetricSource, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (src.name === '') errs.push(required(path.child('name'), 'must specify a resource name'));
  else errs.push(...validateResourceName(src.name, path.child('name'), 'container'));
  if (src.container === '') errs.push(required(path.child('container'), 'must specify a container'));
  else errs.push(...validateDnsLabel(src.container, path.child('container')));
  errs.push(...validateResourceTarget(src.target ?? noTarget, path.child('target')));
  return errs;
}

function validateSource(metric: MetricSpec, field: SourceField, path: FieldPath): ErrorList {
  switch (field) {
    case 'object':
      return metric.object ? validateObjectSource(metric.object, path) : [];
    case 'external':
      return metric.external ? validateExternalSource(metric.external, path) : [];
    case 'pods':
      return metric.pods ? validatePodsSource(metric.pods, path) : [];
    case 'resource':
      return metric.resource ? validateResourceSource(metric.resource, path) : [];
    case 'containerResource':
      return metric.containerResource ? validateContainerResourceSource(metric.containerResource, path) : [];
  }
}

/**
 * One metric: a known type, the source it names set, and no other. Only the first source
 * set is validated, as Kubernetes does; the others are refused as extra.
 */
export function validateMetricSpec(metric: MetricSpec, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const typePath = path.child('type');
  if (metric.type === '') errs.push(required(typePath, 'must specify a metric source type'));
  if (!metricSourceTypes.includes(metric.type)) {
    errs.push(notSupported(typePath, metric.type, metricSourceTypes));
  }
  const present = sourceFields.filter((f) => metric[f] !== undefined);
  const [first] = present;
  if (first !== undefined) errs.push(...validateSource(metric, first, path.child(first)));
  const expected = sourceFieldOf[metric.type];
  if (expected !== undefined && metric[expected] === undefined) {
    errs.push(required(path.child(expected), 'must populate information for the given metric source'));
  }
  if (present.length > 1) {
    for (const f of present) {
      if (f !== expected) errs.push(forbidden(path.child(f), 'must populate the given metric source only'));
    }
  }
  return errs;
}

function validateScalingPolicy(policy: HPAScalingPolicy, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (!scalingPolicyTypes.includes(policy.type)) {
    errs.push(notSupported(path.child('type'), policy.type, scalingPolicyTypes));
  }
  if (policy.value <= 0) errs.push(invalid(path.child('value'), policy.value, 'must be greater than zero'));
  const period = path.child('periodSeconds');
  if (policy.periodSeconds <= 0)
    errs.push(invalid(period, policy.periodSeconds, 'must be greater than zero'));
  if (policy.periodSeconds > MAX_PERIOD_SECONDS) {
    errs.push(invalid(period, policy.periodSeconds, `must be less than or equal to ${MAX_PERIOD_SECONDS}`));
  }
  return errs;
}

function validateScalingRules(rules: HPAScalingRules | undefined, path: FieldPath): ErrorList {
  if (!rules) return [];
  const errs: ErrorList = [];
  const window = rules.stabilizationWindowSeconds;
  const windowPath = path.child('stabilizationWindowSeconds');
  if (window !== undefined && window < 0) {
    errs.push(invalid(windowPath, window, 'must be greater than or equal to zero'));
  }
  if (window !== undefined && window > MAX_STABILIZATION_WINDOW_SECONDS) {
    errs.push(
      invalid(windowPath, window, `must be less than or equal to ${MAX_STABILIZATION_WINDOW_SECONDS}`),
    );
  }
  if (rules.selectPolicy !== undefined && !selectPolicies.includes(rules.selectPolicy)) {
    errs.push(notSupported(path.child('selectPolicy'), rules.selectPolicy, selectPolicies));
  }
  const policies = path.child('policies');
  if (rules.policies.length === 0) errs.push(required(policies, 'must specify at least one Policy'));
  rules.policies.forEach((p, i) => {
    errs.push(...validateScalingPolicy(p, policies.index(i)));
  });
  return errs;
}

function validateBehavior(behavior: HorizontalPodAutoscalerBehavior | undefined, path: FieldPath): ErrorList {
  if (!behavior) return [];
  return [
    ...validateScalingRules(behavior.scaleUp, path.child('scaleUp')),
    ...validateScalingRules(behavior.scaleDown, path.child('scaleDown')),
  ];
}

export function validateHorizontalPodAutoscalerSpec(spec: HorizontalPodAutoscalerSpec): ErrorList {
  const errs: ErrorList = [];
  const { minReplicas, maxReplicas } = spec;
  // minReplicas 0 needs the HPAScaleToZero feature, off in Kubernetes 1.32.
  if (minReplicas !== undefined && minReplicas < 1) {
    errs.push(invalid(specPath.child('minReplicas'), minReplicas, 'must be greater than or equal to 1'));
  }
  const maxPath = specPath.child('maxReplicas');
  if (maxReplicas < 1) errs.push(invalid(maxPath, maxReplicas, 'must be greater than 0'));
  if (minReplicas !== undefined && maxReplicas < minReplicas) {
    errs.push(invalid(maxPath, maxReplicas, 'must be greater than or equal to `minReplicas`'));
  }
  errs.push(...validateCrossVersionObjectReference(spec.scaleTargetRef, specPath.child('scaleTargetRef')));
  spec.metrics.forEach((m, i) => {
    errs.push(...validateMetricSpec(m, specPath.child('metrics').index(i)));
  });
  errs.push(...validateBehavior(spec.behavior, specPath.child('behavior')));
  return errs;
}

export function validateHorizontalPodAutoscaler(hpa: HorizontalPodAutoscaler): ErrorList {
  if (!hpa.spec) return [required(specPath, '')];
  return validateHorizontalPodAutoscalerSpec(hpa.spec);
}

/** A status write: the replica counts are not negative. */
export function validateHorizontalPodAutoscalerStatus(
  status: HorizontalPodAutoscalerStatus | undefined,
): ErrorList {
  if (!status) return [];
  return validateCounts(status, ['currentReplicas', 'desiredReplicas'], statusPath);
}
