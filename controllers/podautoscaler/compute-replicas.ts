/**
 * From an HPA's metrics to one replica count (Kubernetes' computeReplicasForMetrics): each
 * metric proposes a count and reports its current value; the largest proposal wins. A
 * metric that cannot be computed sets ScalingActive False with its reason and a Warning
 * Event; the HPA then scales on the others, unless every metric failed, or some failed
 * and the rest would scale down (a missing metric could be the one that keeps it up).
 *
 * Resource and ContainerResource metrics come from the pods' resource metrics. Pods,
 * Object and External metrics need a custom or external metrics API, which this cluster
 * does not serve: they fail as Kubernetes' do when no such API is registered.
 */
import {
  type ExternalMetricSource,
  type MetricSpec,
  MetricStatus,
  type MetricTarget,
  type ResourceMetricStatus,
} from '../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fromLabelSelector, parse, type Selector, selectorToString } from '../../sdk/labels/index.js';
import { Quantity } from '../../sdk/quantity.js';
import type { ConditionState } from './normalize-replicas.js';
import type { ResourceMetricsClient } from './pod-metrics.js';
import {
  milliValueOf,
  plainMetricReplicas,
  type ReplicaCalculatorOptions,
  resourceReplicas,
} from './replica-calculator.js';
import type { SelectorTracker } from './selector-tracker.js';

const NO_CUSTOM_METRICS_API =
  'unable to fetch metrics from custom metrics API: no custom metrics API (custom.metrics.k8s.io) registered';
const NO_EXTERNAL_METRICS_API =
  'unable to fetch metrics from external metrics API: no external metrics API (external.metrics.k8s.io) registered';

export interface MetricsContext {
  readonly namespace: string;
  /** The HPA's own name, to tell it from other HPAs selecting the same pods. */
  readonly name: string;
  /** The target's scale: spec.replicas and status.replicas. */
  readonly specReplicas: number;
  readonly statusReplicas: number;
  /** The pods of the namespace a selector picks (the informer's cache). */
  podsMatching(selector: Selector): Pod[];
  readonly metrics: ResourceMetricsClient;
  readonly selectors: SelectorTracker;
  readonly calculator: ReplicaCalculatorOptions;
  readonly now: Date;
  /** Records a Warning Event about the HPA. */
  warn(reason: string, message: string): void;
}

interface Proposal {
  readonly replicas: number;
  /** What the SuccessfulRescale reason and the ValidMetricFound condition name it. */
  readonly metricName: string;
  readonly status: MetricStatus;
}

interface Failure {
  /** The error as the overall failure names it. */
  readonly error: string;
  /** ScalingActive False with this reason and message. */
  readonly condition: ConditionState;
}

export interface MetricsOutcome {
  /** The largest proposal, or -1 when the HPA must not scale on the metrics. */
  readonly replicas: number;
  readonly metricName: string;
  /** One per metric of the spec, in its order; a metric that failed has an empty one. */
  readonly statuses: MetricStatus[];
  /** The failure, also set when some metrics failed but the others still decide. */
  readonly error?: string;
  /** What ScalingActive says now. */
  readonly scalingActive: ConditionState;
}

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Fails a metric: a Warning Event with the reason, and the ScalingActive False it would set. */
function unable(ctx: MetricsContext, reason: string, error: string, overall = error): Failure {
  ctx.warn(reason, error);
  return {
    error: overall,
    condition: {
      status: 'False',
      reason,
      message: `the HPA was unable to compute the replica count: ${error}`,
    },
  };
}

/** The form Kubernetes reports a resource's value in: bytes in binary units for memory, decimal otherwise. */
function quantityOf(resource: string, milli: number): string {
  return Quantity.fromMilli(
    BigInt(Math.trunc(milli)),
    resource === 'memory' ? 'BinarySI' : 'DecimalSI',
  ).toString();
}

/** An external metric's selector as the failure names it. */
function metricSelectorText(source: ExternalMetricSource | undefined): string {
  const ls = source?.metric?.selector;
  return ls === undefined ? 'nil' : selectorToString(fromLabelSelector(ls));
}

/** A Resource or ContainerResource metric: utilization of the requests, or an average value. */
async function resourceMetric(
  ctx: MetricsContext,
  selector: Selector,
  resource: string,
  container: string,
  target: MetricTarget | undefined,
): Promise<{ replicas: number; metricName: string; current: ResourceMetricStatus } | string> {
  const pods = () => ctx.podsMatching(selector);
  const samples = async () => {
    try {
      return (await ctx.metrics(resource, ctx.namespace, selectorToString(selector), container)).metrics;
    } catch (err) {
      throw new Error(`unable to get metrics for resource ${resource}: ${messageOf(err)}`);
    }
  };
  if (target?.averageValue) {
    const targetUsage = milliValueOf(target.averageValue);
    try {
      if (targetUsage === undefined) throw new Error(`invalid average value target "${target.averageValue}"`);
      const { replicas, usage } = plainMetricReplicas(
        {
          currentReplicas: ctx.specReplicas,
          targetUsage,
          resource,
          pods: pods(),
          metrics: await samples(),
          now: ctx.now,
        },
        ctx.calculator,
      );
      return {
        replicas,
        metricName: `${resource} resource`,
        current: { name: resource, current: { value: '', averageValue: quantityOf(resource, usage) } },
      };
    } catch (err) {
      return `failed to get ${resource} usage: ${messageOf(err)}`;
    }
  }
  if (target?.averageUtilization === undefined) {
    return 'invalid resource metric source: neither an average utilization target nor an average value (usage) target was set';
  }
  try {
    const result = resourceReplicas(
      {
        currentReplicas: ctx.specReplicas,
        targetUtilization: target.averageUtilization,
        resource,
        container,
        pods: pods(),
        metrics: await samples(),
        now: ctx.now,
      },
      ctx.calculator,
    );
    return {
      replicas: result.replicas,
      metricName:
        container === ''
          ? `${resource} resource utilization (percentage of request)`
          : `${resource} container resource utilization (percentage of request)`,
      current: {
        name: resource,
        current: {
          value: '',
          averageValue: quantityOf(resource, result.rawUtilization),
          averageUtilization: result.utilization,
        },
      },
    };
  } catch (err) {
    return `failed to get ${resource} utilization: ${messageOf(err)}`;
  }
}

/** One metric's proposal (Kubernetes' computeReplicasForMetric). */
export async function computeReplicasForMetric(
  ctx: MetricsContext,
  spec: MetricSpec,
  selector: Selector,
): Promise<Proposal | Failure> {
  switch (spec.type) {
    case 'Resource': {
      const name = spec.resource?.name ?? '';
      const r = await resourceMetric(ctx, selector, name, '', spec.resource?.target);
      if (typeof r === 'string') {
        return unable(ctx, 'FailedGetResourceMetric', r, `failed to get ${name} resource metric value: ${r}`);
      }
      return {
        replicas: r.replicas,
        metricName: r.metricName,
        status: MetricStatus.fromPartial({ type: 'Resource', resource: r.current }),
      };
    }
    case 'ContainerResource': {
      const name = spec.containerResource?.name ?? '';
      const container = spec.containerResource?.container ?? '';
      const r = await resourceMetric(ctx, selector, name, container, spec.containerResource?.target);
      if (typeof r === 'string') {
        return unable(
          ctx,
          'FailedGetContainerResourceMetric',
          r,
          `failed to get ${container} container metric value: ${r}`,
        );
      }
      return {
        replicas: r.replicas,
        metricName: r.metricName,
        status: MetricStatus.fromPartial({
          type: 'ContainerResource',
          containerResource: { ...r.current, container },
        }),
      };
    }
    case 'Pods': {
      const name = spec.pods?.metric?.name ?? '';
      const err = `unable to get metric ${name}: ${NO_CUSTOM_METRICS_API}`;
      return unable(ctx, 'FailedGetPodsMetric', err, `failed to get pods metric value: ${err}`);
    }
    case 'Object': {
      const object = spec.object;
      const name = object?.metric?.name ?? '';
      const ref = object?.describedObject;
      const fetchErr = `unable to get metric ${name} on ${ref?.kind ?? ''} ${ctx.namespace}/${ref?.name ?? ''}: ${NO_CUSTOM_METRICS_API}`;
      let err: string;
      if (object?.target?.type === 'Value' && object.target.value) err = fetchErr;
      else if (object?.target?.type === 'AverageValue' && object.target.averageValue) {
        err = `failed to get ${name} object metric: ${fetchErr}`;
      } else err = 'invalid object metric source: neither a value target nor an average value target was set';
      return unable(ctx, 'FailedGetObjectMetric', err, `failed to get object metric value: ${err}`);
    }
    case 'External': {
      const external = spec.external;
      const name = external?.metric?.name ?? '';
      const fetchErr = `unable to get external metric ${ctx.namespace}/${name}/${metricSelectorText(external)}: ${NO_EXTERNAL_METRICS_API}`;
      let err: string;
      if (external?.target?.averageValue) err = `failed to get ${name} external metric: ${fetchErr}`;
      else if (external?.target?.value) err = `failed to get external metric ${name}: ${fetchErr}`;
      else err = 'invalid external metric source: neither a value target nor an average value target was set';
      return unable(
        ctx,
        'FailedGetExternalMetric',
        err,
        `failed to get ${name} external metric value: ${err}`,
      );
    }
    default: {
      const err = `unknown metric source type "${spec.type}"`;
      return unable(ctx, 'InvalidMetricSourceType', err);
    }
  }
}

/**
 * The selector of the target's scale, parsed; an HPA with none, with one that does not
 * parse, or whose pods another HPA also picks cannot scale (ScalingActive False).
 */
function targetSelector(ctx: MetricsContext, text: string): Selector | Failure {
  const refuse = (event: string, error: string, message = error): Failure => {
    ctx.warn(event, error);
    return {
      error,
      condition: {
        status: 'False',
        reason: event === 'SelectorRequired' ? 'InvalidSelector' : event,
        message,
      },
    };
  };
  if (text === '')
    return refuse('SelectorRequired', 'selector is required', "the HPA target's scale is missing a selector");
  let selector: Selector;
  try {
    selector = parse(text);
  } catch (err) {
    return refuse(
      'InvalidSelector',
      `couldn't convert selector into a corresponding internal selector object: ${messageOf(err)}`,
    );
  }
  ctx.selectors.put(ctx.namespace, ctx.name, selector);
  const selecting = ctx.selectors.hpasMatching(ctx.namespace, ctx.podsMatching(selector), 2);
  if (selecting.length > 1) {
    const names = selecting.map((n) => `${ctx.namespace}/${n}`).join(' ');
    return refuse(
      'AmbiguousSelector',
      `pods by selector ${text} are controlled by more than one HPA (e.g. [${names}])`,
    );
  }
  return selector;
}

const isFailure = (x: unknown): x is Failure => typeof x === 'object' && x !== null && 'condition' in x;

/** Every metric's proposal, and the count to scale to (Kubernetes' computeReplicasForMetrics). */
export async function computeReplicasForMetrics(
  ctx: MetricsContext,
  specs: readonly MetricSpec[],
  scaleSelector: string,
): Promise<MetricsOutcome> {
  const selector = targetSelector(ctx, scaleSelector);
  if (isFailure(selector)) {
    return {
      replicas: -1,
      metricName: '',
      statuses: [],
      error: selector.error,
      scalingActive: selector.condition,
    };
  }
  const statuses = specs.map(() => MetricStatus.fromPartial({}));
  let replicas = 0;
  let metricName = '';
  let invalid = 0;
  let firstFailure: Failure | undefined;
  for (const [i, spec] of specs.entries()) {
    const result = await computeReplicasForMetric(ctx, spec, selector);
    if (isFailure(result)) {
      firstFailure ??= result;
      invalid++;
      continue;
    }
    statuses[i] = result.status;
    if (replicas === 0 || result.replicas > replicas) {
      replicas = result.replicas;
      metricName = result.metricName;
    }
  }
  const error =
    firstFailure &&
    `invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstFailure.error}`;
  if (firstFailure && (invalid >= specs.length || replicas < ctx.specReplicas)) {
    return { replicas: -1, metricName: '', statuses, error, scalingActive: firstFailure.condition };
  }
  return {
    replicas,
    metricName,
    statuses,
    ...(error ? { error } : {}),
    scalingActive: {
      status: 'True',
      reason: 'ValidMetricFound',
      message: `the HPA was able to successfully calculate a replica count from ${metricName}`,
    },
  };
}
