/**
 * Resource lists (`{cpu: "500m", memory: "1Gi"}`) as quantities, and what a Pod asks
 * for as a whole: for admission (LimitRanger, ResourceQuota), the scheduler and the kubelet.
 */
import type { Container, ResourceRequirements } from '../gen/wheelhouse/core/v1/container.js';
import type { PodSpec } from '../gen/wheelhouse/core/v1/pod.js';
import { Quantity } from '../quantity.js';
import { tryParseQuantity } from './quantity-cache.js';

export type ResourceList = Map<string, Quantity>;

/** Parses a list; entries that do not parse are left out (validation has refused them already). */
export function parseList(list: Readonly<Record<string, string>> | undefined): ResourceList {
  const out: ResourceList = new Map();
  for (const [name, text] of Object.entries(list ?? {})) {
    const parsed = tryParseQuantity(text);
    if (parsed.ok) out.set(name, parsed.quantity);
  }
  return out;
}

export function addInto(into: ResourceList, list: ResourceList): void {
  for (const [name, q] of list) into.set(name, (into.get(name) ?? Quantity.zero).add(q));
}

export function maxInto(into: ResourceList, list: ResourceList): void {
  for (const [name, q] of list) {
    const have = into.get(name);
    if (have === undefined || q.cmp(have) > 0) into.set(name, q);
  }
}

/**
 * What a Pod asks for as a whole, as Kubernetes counts it: the sum of its containers,
 * or the largest init container when that is more (they run one at a time, before the
 * others), plus the pod overhead.
 */
export function podTotal(
  spec: PodSpec,
  side: keyof Pick<ResourceRequirements, 'requests' | 'limits'>,
): ResourceList {
  const sum: ResourceList = new Map();
  for (const c of spec.containers) addInto(sum, parseList(c.resources?.[side]));
  const init: ResourceList = new Map();
  for (const c of spec.initContainers) maxInto(init, parseList(c.resources?.[side]));
  maxInto(sum, init);
  addInto(sum, parseList(spec.overhead));
  return sum;
}

/** Every container of a pod with the field path of its list: `spec.containers[0]`. */
export function containersOf(spec: PodSpec): { container: Container; path: string }[] {
  return [
    ...spec.initContainers.map((container, i) => ({ container, path: `spec.initContainers[${i}]` })),
    ...spec.containers.map((container, i) => ({ container, path: `spec.containers[${i}]` })),
  ];
}
