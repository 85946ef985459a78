/**
 * The resource metrics client of the HPA: the pods' samples from PodService.ListPodMetrics
 * (what metrics.k8s.io's PodMetrics list is in Kubernetes, served here by the apiserver
 * from the kubelets' stats), per pod summed over its containers or taken from one.
 * A pod with a container that reports no usage of the resource is left out (missing),
 * as Kubernetes' metrics client leaves it out.
 */
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import type { Duration } from '../../sdk/gen/google/protobuf/duration.js';
import type { PodMetrics } from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import { ListOptions } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { kinds } from '../../sdk/kinds.js';
import { milliValueOf, type PodMetric, type PodMetricsInfo } from './replica-calculator.js';

export interface ResourceMetrics {
  readonly metrics: PodMetricsInfo;
  /** When the first pod's sample was taken. */
  readonly timestamp: Date;
}

/** Reads the resource samples of the pods a selector picks in a namespace. */
export type ResourceMetricsClient = (
  resource: string,
  namespace: string,
  selector: string,
  container: string,
) => Promise<ResourceMetrics>;

const podInfo = kinds.find((k) => k.kind === 'Pod');

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

const millisOf = (d: Duration | undefined) => (d ? Number(d.seconds) * 1000 + d.nanos / 1e6 : 0);

/** The resource metrics client over the apiserver's ListPodMetrics. */
export function podMetricsClient(api: ApiClient): ResourceMetricsClient {
  return async (resource, namespace, selector, container) => {
    let items: PodMetrics[];
    try {
      if (!podInfo) throw new Error('the kind table has no Pod');
      const response = await api.call(podInfo, 'listPodMetrics', {
        namespace,
        options: ListOptions.fromPartial({ labelSelector: selector }),
      });
      items = (response.items ?? []) as PodMetrics[];
    } catch (err) {
      throw new Error(`unable to fetch metrics from resource metrics API: ${messageOf(err)}`);
    }
    return resourceMetricsOf(items, resource, container);
  };
}

/** The samples of `resource` in milli-units, by pod name: the sum of its containers', or `container`'s. */
export function resourceMetricsOf(
  items: readonly PodMetrics[],
  resource: string,
  container: string,
): ResourceMetrics {
  const first = items[0];
  if (first === undefined) throw new Error('no metrics returned from resource metrics API');
  const metrics: PodMetricsInfo = new Map();
  for (const item of items) {
    const name = item.metadata?.name ?? '';
    const sample = (value: number): PodMetric => ({
      timestamp: item.timestamp ?? new Date(0),
      windowMs: millisOf(item.window),
      value,
    });
    if (container !== '') {
      const c = item.containers.find((x) => x.name === container);
      if (c === undefined) {
        throw new Error(
          `failed to get container metrics: container ${container} not present in metrics for pod ${item.metadata?.namespace ?? ''}/${name}`,
        );
      }
      const value = c.usage[resource] === undefined ? undefined : milliValueOf(c.usage[resource]);
      if (value !== undefined) metrics.set(name, sample(value));
      continue;
    }
    let sum = 0;
    let complete = item.containers.length > 0;
    for (const c of item.containers) {
      const text = c.usage[resource];
      const value = text === undefined ? undefined : milliValueOf(text);
      if (value === undefined) {
        complete = false;
        break;
      }
      sum += value;
    }
    if (complete) metrics.set(name, sample(sum));
  }
  return { metrics, timestamp: first.timestamp ?? new Date(0) };
}
