/**
 * A Pod's quality-of-service class (Kubernetes' GetPodQOS), set in its status
 * on create: the kubelet evicts BestEffort Pods first and Guaranteed Pods last.
 */
import type { PodSpec } from '../gen/wheelhouse/core/v1/pod.js';
import type { Quantity } from '../quantity.js';
import { tryParseQuantity } from './quantity-cache.js';

export type QosClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

const computeResources = ['cpu', 'memory'] as const;

function quantity(list: Readonly<Record<string, string>>, name: string): Quantity | undefined {
  const value = list[name];
  if (value === undefined) return undefined;
  const parsed = tryParseQuantity(value);
  return parsed.ok && !parsed.quantity.isZero() ? parsed.quantity : undefined;
}

/**
 * BestEffort: no container requests or limits cpu or memory. Guaranteed: every
 * container limits both, with requests equal to limits. Burstable otherwise.
 */
export function qosClassOf(spec: PodSpec | undefined): QosClass {
  const containers = [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const limits = c.resources?.limits ?? {};
    const requests = c.resources?.requests ?? {};
    for (const name of computeResources) {
      const limit = quantity(limits, name);
      const request = quantity(requests, name) ?? limit;
      if (limit !== undefined || request !== undefined) any = true;
      if (limit === undefined || request === undefined || !limit.equals(request)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
