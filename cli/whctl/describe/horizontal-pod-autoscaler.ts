/**
 * `describe hpa`: kubectl's autoscaling/v2 describer — what is scaled, each metric as
 * `current / target` (the status's reading at the same index as the spec's metric), the
 * bounds, the scaling behaviour when the spec sets one, the replicas and the conditions.
 */
import type {
  HorizontalPodAutoscaler,
  HPAScalingRules,
  MetricSpec,
  MetricStatus,
} from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import { parseQuantity } from '../../../sdk/quantity.js';
import { describeMeta, timestamp } from './common.js';
import type { Description } from './description.js';

export function describeHorizontalPodAutoscaler(d: Description, hpa: HorizontalPodAutoscaler): void {
  const spec = hpa.spec;
  const status = hpa.status;
  const target = spec?.scaleTargetRef;
  describeMeta(d, hpa.metadata, true);
  d.item(0, 'CreationTimestamp', timestamp(hpa.metadata?.creationTimestamp));
  d.item(0, 'Reference', `${target?.kind ?? ''}/${target?.name ?? ''}`);
  d.item(0, 'Metrics', '( current / target )');
  (spec?.metrics ?? []).forEach((metric, i) => {
    const line = metricLine(metric, status?.currentMetrics[i]);
    // kubectl writes the metric's words and its values as one tab-separated line, in
    // the column of the pairs around it; an unknown type has no values and no tab.
    if (line.values === undefined) d.text(1, line.words);
    else d.item(0, `  ${line.words}`, line.values);
  });
  d.item(0, 'Min replicas', spec?.minReplicas === undefined ? '<unset>' : String(spec.minReplicas));
  d.item(0, 'Max replicas', String(spec?.maxReplicas ?? 0));
  if (spec?.behavior) {
    d.heading(0, 'Behavior');
    describeDirection(d, 'Scale Up', spec.behavior.scaleUp);
    describeDirection(d, 'Scale Down', spec.behavior.scaleDown);
  }
  d.item(
    0,
    `${target?.kind ?? ''} pods`,
    `${status?.currentReplicas ?? 0} current / ${status?.desiredReplicas ?? 0} desired`,
  );
  const conditions = status?.conditions ?? [];
  if (conditions.length > 0) {
    d.heading(0, 'Conditions');
    d.table(1, [
      ['Type', 'Status', 'Reason', 'Message'],
      ['----', '------', '------', '-------'],
      ...conditions.map((c) => [c.type, c.status, c.reason, c.message]),
    ]);
  }
}

/** One line of `Metrics:` — the words before the colon, and `current / target` unless the type is unknown. */
interface MetricLine {
  readonly words: string;
  readonly values?: string;
}

const UNKNOWN = '<unknown>';

function metricLine(metric: MetricSpec, current: MetricStatus | undefined): MetricLine {
  switch (metric.type) {
    case 'External': {
      const source = metric.external;
      const name = quoted(source?.metric?.name ?? '');
      const reading = current?.external?.current;
      if (source?.target?.averageValue) {
        const now = reading?.averageValue ? quantity(reading.averageValue) : UNKNOWN;
        return {
          words: `${name} (target average value)`,
          values: `${now} / ${quantity(source.target.averageValue)}`,
        };
      }
      const now = current?.external ? quantity(reading?.value) : UNKNOWN;
      return { words: `${name} (target value)`, values: `${now} / ${quantity(source?.target?.value)}` };
    }
    case 'Pods': {
      const source = metric.pods;
      const now = current?.pods ? quantity(current.pods.current?.averageValue) : UNKNOWN;
      return {
        words: `${quoted(source?.metric?.name ?? '')} on pods`,
        values: `${now} / ${quantity(source?.target?.averageValue)}`,
      };
    }
    case 'Object': {
      const source = metric.object;
      const described = source?.describedObject;
      const subject = `"${source?.metric?.name ?? ''}" on ${described?.kind ?? ''}/${described?.name ?? ''}`;
      const reading = current?.object ? current.object.current : undefined;
      if (source?.target?.type === 'AverageValue') {
        const now = current?.object ? quantity(reading?.averageValue) : UNKNOWN;
        return {
          words: `${subject} (target average value)`,
          values: `${now} / ${quantity(source.target.averageValue)}`,
        };
      }
      const now = current?.object ? quantity(reading?.value) : UNKNOWN;
      return { words: `${subject} (target value)`, values: `${now} / ${quantity(source?.target?.value)}` };
    }
    case 'Resource': {
      const source = metric.resource;
      const reading = current?.resource ? current.resource.current : undefined;
      return resourceLine(
        `resource ${source?.name ?? ''} on pods`,
        source?.target,
        reading,
        !!current?.resource,
      );
    }
    case 'ContainerResource': {
      const source = metric.containerResource;
      const reading = current?.containerResource ? current.containerResource.current : undefined;
      return resourceLine(
        `resource ${source?.name ?? ''} of container "${source?.container ?? ''}" on pods`,
        source?.target,
        reading,
        !!current?.containerResource,
      );
    }
    default:
      return { words: `<unknown metric type ${quoted(metric.type)}>` };
  }
}

type Target = NonNullable<NonNullable<MetricSpec['resource']>['target']>;
type Reading = NonNullable<NonNullable<MetricStatus['resource']>['current']>;

/** A resource of the pods (or of one container): an average value, or a percentage of the request. */
function resourceLine(
  words: string,
  target: Target | undefined,
  reading: Reading | undefined,
  read: boolean,
): MetricLine {
  if (target?.averageValue) {
    const now = read ? quantity(reading?.averageValue) : UNKNOWN;
    return { words, values: `${now} / ${quantity(target.averageValue)}` };
  }
  const utilization = reading?.averageUtilization;
  const now =
    read && utilization !== undefined ? `${utilization}% (${quantity(reading?.averageValue)})` : UNKNOWN;
  const wanted = target?.averageUtilization === undefined ? '<auto>' : `${target.averageUtilization}%`;
  return { words: `${words}  (as a percentage of request)`, values: `${now} / ${wanted}` };
}

/** `Scale Up:` with its window, and its policies with the one that is picked. */
function describeDirection(d: Description, direction: string, rules: HPAScalingRules | undefined): void {
  if (!rules) return;
  d.heading(1, direction);
  if (rules.stabilizationWindowSeconds !== undefined)
    d.text(2, `Stabilization Window: ${rules.stabilizationWindowSeconds} seconds`);
  if (rules.policies.length === 0) return;
  // Max is what the controller applies when the spec names none.
  d.text(2, `Select Policy: ${rules.selectPolicy ?? 'Max'}`);
  d.heading(2, 'Policies');
  d.table(
    3,
    rules.policies.map((p) => [
      `- Type: ${p.type}`,
      `Value: ${p.value}`,
      `Period: ${p.periodSeconds} seconds`,
    ]),
  );
}

/**
 * A quantity in canonical form, as Kubernetes prints it (`500m`, `1Gi`); an unset one is
 * Go's `<nil>`, which kubectl prints where a reading lacks the value.
 */
function quantity(text: string | undefined): string {
  if (!text) return '<nil>';
  try {
    return parseQuantity(text).toString();
  } catch {
    return text;
  }
}

/** Go's %q of a metric's name: a JSON string is the same for printable ASCII. */
function quoted(text: string): string {
  return JSON.stringify(text);
}
