/**
 * HorizontalPodAutoscaler at autoscaling/v1 (what `kubectl autoscale` of kubectl ≤ 1.32
 * writes) as a view of the stored autoscaling/v2 object, after Kubernetes'
 * pkg/apis/autoscaling/v1 conversion. v1 knows one metric, the CPU utilization target:
 * `spec.targetCPUUtilizationPercentage` is the averageUtilization of the first Resource
 * metric named cpu with a Utilization target, `status.currentCPUUtilizationPercentage` that
 * of the first cpu Resource metric status. The rest (other metrics, behavior, current
 * metrics, conditions) is not in the view and is kept as stored by a write through it.
 *
 * Kubernetes also copies the v2-only parts into annotations of the v1 object. Written here:
 * `autoscaling.alpha.kubernetes.io/conditions` (the status conditions, the same JSON in v1
 * and v2). Not written: `.../metrics`, `.../current-metrics` and `.../behavior`, which hold
 * v1-shaped metric specs and statuses. All four are dropped from a body written through
 * the view, as Kubernetes drops them after reading them; the parts they stand for are kept
 * as stored instead.
 */
import type { Json, JsonObject } from '../../../sdk/manifest/index.js';
import type { VersionConverter } from './served-versions.js';

const STORED_API_VERSION = 'autoscaling/v2';
const VIEW_API_VERSION = 'autoscaling/v1';

/** Kubernetes' annotations of the v2-only parts of a v1 object (pkg/apis/autoscaling/annotations.go). */
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
const roundTripAnnotations = [
  'autoscaling.alpha.kubernetes.io/metrics',
  'autoscaling.alpha.kubernetes.io/current-metrics',
  'autoscaling.alpha.kubernetes.io/behavior',
  CONDITIONS_ANNOTATION,
];

export const horizontalPodAutoscalerV1: VersionConverter = {
  fields: {
    apiVersion: true,
    kind: true,
    metadata: true,
    spec: {
      scaleTargetRef: { kind: true, name: true, apiVersion: true },
      minReplicas: true,
      maxReplicas: true,
      targetCPUUtilizationPercentage: true,
    },
    status: {
      observedGeneration: true,
      lastScaleTime: true,
      currentReplicas: true,
      desiredReplicas: true,
      currentCPUUtilizationPercentage: true,
    },
  },

  fromStored(stored) {
    const spec = objectAt(stored.spec);
    const status = objectAt(stored.status);
    const target = arrayAt(spec.metrics).find(isCpuUtilizationMetric);
    const current = arrayAt(status.currentMetrics).find(isCpuMetric);
    const metadata = structuredClone(objectAt(stored.metadata));
    const conditions = status.conditions;
    if (Array.isArray(conditions) && conditions.length > 0) {
      metadata.annotations = {
        ...objectAt(metadata.annotations),
        [CONDITIONS_ANNOTATION]: JSON.stringify(conditions),
      };
    }
    // Go writes maxReplicas, currentReplicas and desiredReplicas even when zero.
    return {
      apiVersion: VIEW_API_VERSION,
      kind: 'HorizontalPodAutoscaler',
      metadata,
      spec: defined({
        scaleTargetRef: clone(spec.scaleTargetRef),
        minReplicas: spec.minReplicas,
        maxReplicas: spec.maxReplicas ?? 0,
        targetCPUUtilizationPercentage: at(target, 'resource', 'target', 'averageUtilization'),
      }),
      status: defined({
        observedGeneration: status.observedGeneration,
        lastScaleTime: status.lastScaleTime,
        currentReplicas: status.currentReplicas ?? 0,
        desiredReplicas: status.desiredReplicas ?? 0,
        currentCPUUtilizationPercentage: at(current, 'resource', 'current', 'averageUtilization'),
      }),
    };
  },

  toStored(view, stored) {
    const viewSpec = objectAt(view.spec);
    const viewStatus = objectAt(view.status);
    const spec = structuredClone(objectAt(stored?.spec));
    setOrDelete(spec, 'scaleTargetRef', clone(viewSpec.scaleTargetRef));
    setOrDelete(spec, 'minReplicas', viewSpec.minReplicas);
    setOrDelete(spec, 'maxReplicas', viewSpec.maxReplicas);
    const metrics = withCpuTarget(arrayAt(spec.metrics), viewSpec.targetCPUUtilizationPercentage);
    setOrDelete(spec, 'metrics', metrics.length > 0 ? metrics : undefined);

    const status = structuredClone(objectAt(stored?.status));
    setOrDelete(status, 'observedGeneration', viewStatus.observedGeneration);
    setOrDelete(status, 'lastScaleTime', viewStatus.lastScaleTime);
    setOrDelete(status, 'currentReplicas', viewStatus.currentReplicas);
    setOrDelete(status, 'desiredReplicas', viewStatus.desiredReplicas);
    const currentMetrics = withCpuCurrent(
      arrayAt(status.currentMetrics),
      viewStatus.currentCPUUtilizationPercentage,
    );
    setOrDelete(status, 'currentMetrics', currentMetrics.length > 0 ? currentMetrics : undefined);

    const out: JsonObject = {
      ...structuredClone(stored ?? {}),
      apiVersion: STORED_API_VERSION,
      kind: 'HorizontalPodAutoscaler',
      spec,
    };
    setOrDelete(out, 'metadata', withoutRoundTripAnnotations(view.metadata));
    setOrDelete(out, 'status', Object.keys(status).length > 0 ? status : undefined);
    return out;
  },
};

function isCpuUtilizationMetric(metric: Json): boolean {
  return isCpuMetric(metric) && at(metric, 'resource', 'target', 'type') === 'Utilization';
}

/** A Resource metric (spec or status) of cpu. */
function isCpuMetric(metric: Json): boolean {
  return at(metric, 'type') === 'Resource' && at(metric, 'resource', 'name') === 'cpu';
}

/** `metrics` with the cpu Utilization metric set to `percent`, added at the end, or removed when none. */
function withCpuTarget(metrics: Json[], percent: Json | undefined): Json[] {
  const out = structuredClone(metrics);
  const index = out.findIndex(isCpuUtilizationMetric);
  if (percent === undefined || percent === null) {
    if (index >= 0) out.splice(index, 1);
    return out;
  }
  const metric = {
    type: 'Resource',
    resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: percent } },
  };
  if (index >= 0) out[index] = metric;
  else out.push(metric);
  return out;
}

/**
 * `currentMetrics` with the cpu metric's averageUtilization set to `percent`, or removed
 * (and the metric with it when nothing else is left of its current value).
 */
function withCpuCurrent(metrics: Json[], percent: Json | undefined): Json[] {
  const out = structuredClone(metrics);
  const index = out.findIndex(isCpuMetric);
  const resource = objectAt(objectAt(out[index]).resource);
  const current = objectAt(resource.current);
  if (percent === undefined || percent === null) {
    if (index < 0) return out;
    delete current.averageUtilization;
    if (Object.keys(current).length === 0) out.splice(index, 1);
    else resource.current = current;
    return out;
  }
  if (index < 0) {
    out.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: percent } } });
  } else {
    resource.current = { ...current, averageUtilization: percent };
  }
  return out;
}

/**
 * The view's metadata without the annotations that stand for v2's parts; anything but an
 * object as sent, for the decoder to refuse.
 */
function withoutRoundTripAnnotations(metadata: Json | undefined): Json | undefined {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) return metadata;
  const out = structuredClone(metadata);
  const annotations = objectAt(out.annotations);
  if (!roundTripAnnotations.some((key) => key in annotations)) return out;
  const kept = Object.fromEntries(
    Object.entries(annotations).filter(([key]) => !roundTripAnnotations.includes(key)),
  );
  setOrDelete(out, 'annotations', Object.keys(kept).length > 0 ? kept : undefined);
  return out;
}

/** The value at `path` inside `value`; undefined where there is no object to go into. */
function at(value: Json | undefined, ...path: string[]): Json | undefined {
  let node = value;
  for (const key of path) node = objectAt(node)[key];
  return node;
}

/** The object at a value, or an empty one (read-only use, or a fresh object to fill). */
function objectAt(value: Json | undefined): JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
}

function arrayAt(value: Json | undefined): Json[] {
  return Array.isArray(value) ? value : [];
}

function clone(value: Json | undefined): Json | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

function setOrDelete(object: JsonObject, key: string, value: Json | undefined): void {
  if (value === undefined || value === null) delete object[key];
  else object[key] = value;
}

function defined(fields: Record<string, Json | undefined>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) out[key] = value;
  return out;
}
