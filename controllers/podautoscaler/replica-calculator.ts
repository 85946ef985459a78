/**
 * The replica calculator of Kubernetes' HPA (pkg/controller/podautoscaler,
 * replica_calculator.go) for the metrics served here, resource metrics of the pods: from
 * the target's pods and their metrics, how many replicas bring the metric to its target.
 * Pure: the pods, the metrics and the time come in, a count (or an error whose message is
 * Kubernetes') goes out.
 *
 * Pods are grouped first. Pods being deleted and Failed pods are ignored. Pending pods
 * are unready; so are, for CPU, pods whose samples cannot be trusted yet: within
 * --horizontal-pod-autoscaler-cpu-initialization-period of their start, a pod not Ready
 * or whose sample window began before it turned Ready; after it, a pod not Ready that
 * never was (it turned unready within --horizontal-pod-autoscaler-initial-readiness-delay
 * of its start). Pods without a sample are missing. The ratio is computed from the ready
 * pods alone; when pods were left out it is computed again as the direction calls for —
 * scaling down, missing pods count as using their whole request (or the target value);
 * scaling up, missing and unready pods count as using nothing — and the count stays as
 * it is when the second ratio is within tolerance or points the other way.
 */
import type { Container } from '../../sdk/gen/wheelhouse/core/v1/container.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { tryParseQuantity } from '../../sdk/resources/quantity-cache.js';
import { readyCondition } from '../shared/pod-state.js';

/** One pod's sample of a metric. */
export interface PodMetric {
  /** When it was taken. */
  readonly timestamp: Date;
  /** The span a rate (CPU) was measured over, in ms. */
  readonly windowMs: number;
  /** In thousandths of the unit (millicores, millibytes), as Kubernetes' MilliValue. */
  readonly value: number;
}

/** Pod name → its sample. */
export type PodMetricsInfo = Map<string, PodMetric>;

export interface ReplicaCalculatorOptions {
  /** How far from 1 the usage ratio may be without a change (--horizontal-pod-autoscaler-tolerance). */
  readonly tolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period, in ms. */
  readonly cpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay, in ms. */
  readonly delayOfInitialReadinessStatusMs: number;
}

export interface PodGroups {
  /** Pods counted as they are: running, sampled, and (for CPU) ready. */
  readonly readyPodCount: number;
  /** Pending pods, and for CPU pods whose samples are not trusted yet. */
  readonly unready: ReadonlySet<string>;
  /** Pods without a sample. */
  readonly missing: ReadonlySet<string>;
  /** Pods being deleted and Failed pods. */
  readonly ignored: ReadonlySet<string>;
}

/** The milli-value of a quantity's text (rounded up, as Kubernetes' MilliValue), or undefined when it is not one. */
export function milliValueOf(text: string): number | undefined {
  const parsed = tryParseQuantity(text);
  return parsed.ok ? Number(parsed.quantity.milliValue()) : undefined;
}

export function groupPods(
  pods: readonly Pod[],
  metrics: PodMetricsInfo,
  resource: string,
  opts: Pick<ReplicaCalculatorOptions, 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs'>,
  now: Date,
): PodGroups {
  const unready = new Set<string>();
  const missing = new Set<string>();
  const ignored = new Set<string>();
  let readyPodCount = 0;
  for (const pod of pods) {
    const name = pod.metadata?.name ?? '';
    const phase = pod.status?.phase ?? '';
    if (pod.metadata?.deletionTimestamp !== undefined || phase === 'Failed') {
      ignored.add(name);
      continue;
    }
    if (phase === 'Pending') {
      unready.add(name);
      continue;
    }
    const metric = metrics.get(name);
    if (metric === undefined) {
      missing.add(name);
      continue;
    }
    if (resource === 'cpu' && cpuSampleUntrusted(pod, metric, opts, now)) {
      unready.add(name);
      continue;
    }
    readyPodCount++;
  }
  return { readyPodCount, unready, missing, ignored };
}

/**
 * Whether a running pod's CPU sample is left out: a pod starting up burns CPU that says
 * nothing about its load, so within the initialization period only a sample taken a whole
 * window after the pod turned Ready counts; later, only a pod that never became Ready
 * (unready since within the readiness delay of its start) is left out.
 */
function cpuSampleUntrusted(
  pod: Pod,
  metric: PodMetric,
  opts: Pick<ReplicaCalculatorOptions, 'cpuInitializationPeriodMs' | 'delayOfInitialReadinessStatusMs'>,
  now: Date,
): boolean {
  const ready = readyCondition(pod);
  const started = pod.status?.startTime;
  if (ready === undefined || started === undefined) return true;
  // Kubernetes reads a missing transition time as the zero time.
  const transition = ready.lastTransitionTime?.getTime() ?? 0;
  if (started.getTime() + opts.cpuInitializationPeriodMs > now.getTime()) {
    return ready.status === 'False' || metric.timestamp.getTime() < transition + metric.windowMs;
  }
  return ready.status === 'False' && started.getTime() + opts.delayOfInitialReadinessStatusMs > transition;
}

/** The containers whose requests make a pod's: the regular ones and the sidecars (restartable init containers). */
function requestingContainers(pod: Pod): Container[] {
  const sidecars = (pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always');
  return [...(pod.spec?.containers ?? []), ...sidecars];
}

/**
 * Each pod's request of `resource` in milli-units: the sum over its containers, or the
 * one named `container`. A container without the request is an error, as is a pod
 * without the named container.
 */
export function podRequests(pods: readonly Pod[], resource: string, container = ''): Map<string, number> {
  const requests = new Map<string, number>();
  for (const pod of pods) {
    const podName = pod.metadata?.name ?? '';
    let request = 0;
    let found = false;
    for (const c of requestingContainers(pod)) {
      if (container !== '' && c.name !== container) continue;
      const text = c.resources?.requests?.[resource];
      const value = text === undefined ? undefined : milliValueOf(text);
      if (value === undefined) {
        throw new Error(`missing request for ${resource} in container ${c.name} of Pod ${podName}`);
      }
      request += value;
      found = true;
      // Container names are unique within a pod.
      if (container !== '') break;
    }
    if (container !== '' && !found) throw new Error(`container ${container} not found in Pod ${podName}`);
    requests.set(podName, request);
  }
  return requests;
}

/** Integer division truncating toward zero, as Go's on int64. */
const div = (a: number, b: number) => Math.trunc(a / b);

export interface UtilizationRatio {
  readonly usageRatio: number;
  /** Whole percent of the requests in use: int32(usage × 100 / requests). */
  readonly utilization: number;
  /** The average usage per pod, in milli-units. */
  readonly rawUtilization: number;
}

/**
 * Usage over requests of the pods that have both, against a target percentage. Samples of
 * pods without a known request are taken as extraneous and skipped.
 */
export function resourceUtilizationRatio(
  metrics: PodMetricsInfo,
  requests: ReadonlyMap<string, number>,
  targetUtilization: number,
): UtilizationRatio {
  let usageTotal = 0;
  let requestsTotal = 0;
  let entries = 0;
  for (const [pod, metric] of metrics) {
    const request = requests.get(pod);
    if (request === undefined) continue;
    usageTotal += metric.value;
    requestsTotal += request;
    entries++;
  }
  // Requests disjoint from the samples would leave nothing to divide by.
  if (requestsTotal === 0) throw new Error('no metrics returned matched known pods');
  const utilization = div(usageTotal * 100, requestsTotal);
  return {
    usageRatio: utilization / targetUtilization,
    utilization,
    rawUtilization: div(usageTotal, entries),
  };
}

/** The average of the samples against a target average, both in milli-units. */
export function metricUsageRatio(
  metrics: PodMetricsInfo,
  targetUsage: number,
): { usageRatio: number; usage: number } {
  let total = 0;
  for (const metric of metrics.values()) total += metric.value;
  const usage = div(total, metrics.size);
  return { usageRatio: usage / targetUsage, usage };
}

const withinTolerance = (ratio: number, tolerance: number) => Math.abs(1 - ratio) <= tolerance;

/** A sample of `value` for each pod of `pods`, taken as given (what a pod left out is assumed to use). */
function assume(metrics: Map<string, PodMetric>, pods: Iterable<string>, value: (pod: string) => number) {
  for (const pod of pods) metrics.set(pod, { timestamp: new Date(0), windowMs: 0, value: value(pod) });
}

/**
 * The second look when pods were left out: the new ratio decides, unless it is within
 * tolerance or points the other way, or the count it gives would move against the
 * direction the ratio says.
 */
function rebalanced(
  currentReplicas: number,
  usageRatio: number,
  newUsageRatio: number,
  count: number,
  tolerance: number,
) {
  if (
    withinTolerance(newUsageRatio, tolerance) ||
    (usageRatio < 1 && newUsageRatio > 1) ||
    (usageRatio > 1 && newUsageRatio < 1)
  ) {
    return currentReplicas;
  }
  const replicas = Math.ceil(newUsageRatio * count);
  if (
    (newUsageRatio < 1 && replicas > currentReplicas) ||
    (newUsageRatio > 1 && replicas < currentReplicas)
  ) {
    return currentReplicas;
  }
  return replicas;
}

export interface ResourceReplicasInput {
  readonly currentReplicas: number;
  /** The target, a percentage of the pods' requests. */
  readonly targetUtilization: number;
  readonly resource: string;
  /** One container's request and usage (ContainerResource), or '' for the whole pod. */
  readonly container: string;
  /** The pods the target's selector picks. */
  readonly pods: readonly Pod[];
  readonly metrics: PodMetricsInfo;
  readonly now: Date;
}

export interface ResourceReplicas {
  readonly replicas: number;
  readonly utilization: number;
  readonly rawUtilization: number;
}

/** Replicas for a target utilization (Kubernetes' GetResourceReplicas). */
export function resourceReplicas(
  input: ResourceReplicasInput,
  opts: ReplicaCalculatorOptions,
): ResourceReplicas {
  const { currentReplicas, targetUtilization, resource, pods } = input;
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(input.metrics);
  const groups = groupPods(pods, metrics, resource, opts, input.now);
  for (const pod of [...groups.ignored, ...groups.unready]) metrics.delete(pod);
  const requests = podRequests(pods, resource, input.container);
  if (metrics.size === 0) {
    throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  }
  const { usageRatio, utilization, rawUtilization } = resourceUtilizationRatio(
    metrics,
    requests,
    targetUtilization,
  );
  const result = (replicas: number) => ({ replicas, utilization, rawUtilization });
  const scaleUpWithUnready = groups.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (withinTolerance(usageRatio, opts.tolerance)) return result(currentReplicas);
    return result(Math.ceil(usageRatio * groups.readyPodCount));
  }
  if (usageRatio < 1) assume(metrics, groups.missing, (pod) => requests.get(pod) ?? 0);
  else if (usageRatio > 1) assume(metrics, groups.missing, () => 0);
  if (scaleUpWithUnready) assume(metrics, groups.unready, () => 0);
  const { usageRatio: newUsageRatio } = resourceUtilizationRatio(metrics, requests, targetUtilization);
  return result(rebalanced(currentReplicas, usageRatio, newUsageRatio, metrics.size, opts.tolerance));
}

export interface PlainMetricReplicasInput {
  readonly currentReplicas: number;
  /** The target average per pod, in milli-units. */
  readonly targetUsage: number;
  /** The resource sampled ('cpu' applies the CPU readiness rules). */
  readonly resource: string;
  readonly pods: readonly Pod[];
  readonly metrics: PodMetricsInfo;
  readonly now: Date;
}

/**
 * Replicas for a target average value per pod (Kubernetes' calcPlainMetricReplicas, used
 * for resource metrics with an AverageValue target): missing pods count as using the
 * target when scaling down.
 */
export function plainMetricReplicas(
  input: PlainMetricReplicasInput,
  opts: ReplicaCalculatorOptions,
): { replicas: number; usage: number } {
  const { currentReplicas, targetUsage, pods } = input;
  if (pods.length === 0) throw new Error('no pods returned by selector while calculating replica count');
  const metrics = new Map(input.metrics);
  const groups = groupPods(pods, metrics, input.resource, opts, input.now);
  for (const pod of [...groups.ignored, ...groups.unready]) metrics.delete(pod);
  if (metrics.size === 0) {
    throw new Error('did not receive metrics for targeted pods (pods might be unready)');
  }
  const { usageRatio, usage } = metricUsageRatio(metrics, targetUsage);
  const scaleUpWithUnready = groups.unready.size > 0 && usageRatio > 1;
  if (!scaleUpWithUnready && groups.missing.size === 0) {
    if (withinTolerance(usageRatio, opts.tolerance)) return { replicas: currentReplicas, usage };
    return { replicas: Math.ceil(usageRatio * groups.readyPodCount), usage };
  }
  if (usageRatio < 1) assume(metrics, groups.missing, () => targetUsage);
  else if (usageRatio > 1) assume(metrics, groups.missing, () => 0);
  if (scaleUpWithUnready) assume(metrics, groups.unready, () => 0);
  const { usageRatio: newUsageRatio } = metricUsageRatio(metrics, targetUsage);
  return {
    replicas: rebalanced(currentReplicas, usageRatio, newUsageRatio, metrics.size, opts.tolerance),
    usage,
  };
}
