/**
 * HorizontalPodAutoscalers: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE, the
 * targets written as Kubernetes 1.32's printers write them (formatHPAMetrics).
 */
import type {
  HorizontalPodAutoscaler,
  MetricSpec,
  MetricStatus,
  MetricValueStatus,
} from '../gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { Quantity } from '../quantity.js';
import { ageColumn, nameColumn } from './columns.js';
import { column, definePrinter, NONE } from './printer.js';

const UNKNOWN = '<unknown>';
/** How many metrics TARGETS shows before `+ N more...`. */
const SHOWN_METRICS = 2;

/**
 * A quantity as Kubernetes prints it (`0.5` as `500m`); `<nil>` for one that is not set,
 * as Go prints a nil quantity.
 */
function quantity(value: string): string {
  if (value === '') return '<nil>';
  const parsed = Quantity.tryParse(value);
  return parsed.ok ? parsed.quantity.toString() : value;
}

const percent = (value: number | undefined) => (value === undefined ? undefined : `${value}%`);

/** `current/target`, and ` (avg)` for a per-pod target of an Object or External metric. */
function valueTarget(
  target: { value: string; averageValue: string } | undefined,
  current: MetricValueStatus | undefined,
  reported: boolean,
): string {
  if (target?.averageValue) {
    const now = current?.averageValue ? quantity(current.averageValue) : UNKNOWN;
    return `${now}/${quantity(target.averageValue)} (avg)`;
  }
  const now = reported ? quantity(current?.value ?? '') : UNKNOWN;
  return `${now}/${quantity(target?.value ?? '')}`;
}

/** `cpu: 12%/50%` or `memory: 100Mi/200Mi`: a Resource or ContainerResource metric. */
function resourceTarget(
  source: { name: string; target?: { averageValue: string; averageUtilization?: number | undefined } },
  current: MetricValueStatus | undefined,
  reported: boolean,
): string {
  const target = source.target;
  if (target?.averageValue) {
    const now = reported ? quantity(current?.averageValue ?? '') : UNKNOWN;
    return `${source.name}: ${now}/${quantity(target.averageValue)}`;
  }
  const now = (reported && percent(current?.averageUtilization)) || UNKNOWN;
  return `${source.name}: ${now}/${percent(target?.averageUtilization) ?? '<auto>'}`;
}

/** One metric's cell text; its status is the one at the same index, as Kubernetes pairs them. */
function formatMetric(spec: MetricSpec, status: MetricStatus | undefined): string {
  switch (spec.type) {
    case 'External':
      return valueTarget(spec.external?.target, status?.external?.current, status?.external !== undefined);
    case 'Pods': {
      const now = status?.pods ? quantity(status.pods.current?.averageValue ?? '') : UNKNOWN;
      return `${now}/${quantity(spec.pods?.target?.averageValue ?? '')}`;
    }
    case 'Object':
      return valueTarget(spec.object?.target, status?.object?.current, status?.object !== undefined);
    case 'Resource':
      return resourceTarget(
        spec.resource ?? { name: '' },
        status?.resource?.current,
        status?.resource !== undefined,
      );
    case 'ContainerResource':
      return resourceTarget(
        spec.containerResource ?? { name: '' },
        status?.containerResource?.current,
        status?.containerResource !== undefined,
      );
    default:
      return '<unknown type>';
  }
}

/** `cpu: 12%/50%, memory: 100Mi/200Mi + 1 more...`: the first two metrics, then how many more. */
export function formatHpaMetrics(specs: readonly MetricSpec[], statuses: readonly MetricStatus[]): string {
  if (specs.length === 0) return NONE;
  const shown = specs.slice(0, SHOWN_METRICS).map((spec, i) => formatMetric(spec, statuses[i]));
  const text = shown.join(', ');
  return specs.length > SHOWN_METRICS ? `${text} + ${specs.length - SHOWN_METRICS} more...` : text;
}

export const horizontalPodAutoscalerPrinter = definePrinter<HorizontalPodAutoscaler>([
  nameColumn,
  column(
    'Reference',
    'string',
    'The workload whose scale the autoscaler sets (spec.scaleTargetRef).',
    (h) => `${h.spec?.scaleTargetRef?.kind ?? ''}/${h.spec?.scaleTargetRef?.name ?? ''}`,
  ),
  column('Targets', 'string', 'Each metric: its current value and its target.', (h) =>
    formatHpaMetrics(h.spec?.metrics ?? [], h.status?.currentMetrics ?? []),
  ),
  column('MinPods', 'string', 'The fewest replicas the autoscaler scales down to.', (h) =>
    h.spec?.minReplicas === undefined ? '<unset>' : String(h.spec.minReplicas),
  ),
  column(
    'MaxPods',
    'integer',
    'The most replicas the autoscaler scales up to.',
    (h) => h.spec?.maxReplicas ?? 0,
  ),
  column(
    'Replicas',
    'integer',
    'The replicas the autoscaler last saw (status.currentReplicas).',
    (h) => h.status?.currentReplicas ?? 0,
  ),
  ageColumn,
]);
