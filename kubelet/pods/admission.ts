/**
 * The kubelet's admission of a pod: does it fit what the node has left, counting the
 * pods already admitted? Refused pods fail with Kubernetes' reasons (`OutOfcpu`,
 * `OutOfmemory`, `OutOfpods`, `OutOf<resource>`) and a message naming the numbers.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { parseQuantity, Quantity } from '../../sdk/quantity.js';
import { addInto, podTotal, type ResourceList } from '../../sdk/resources/resource-list.js';

export interface AdmissionRefusal {
  readonly reason: string;
  readonly message: string;
}

export function admitPod(
  pod: Pod,
  admitted: readonly Pod[],
  allocatable: Readonly<Record<string, string>>,
): AdmissionRefusal | undefined {
  const maxPods = Number(allocatable.pods ?? '110');
  if (admitted.length + 1 > maxPods) {
    return {
      reason: 'OutOfpods',
      message: `Node didn't have enough resource: pods, requested: 1, used: ${admitted.length}, capacity: ${maxPods}`,
    };
  }
  const used: ResourceList = new Map();
  for (const p of admitted) if (p.spec) addInto(used, podTotal(p.spec, 'requests'));
  if (!pod.spec) return undefined;
  for (const [name, requested] of podTotal(pod.spec, 'requests')) {
    if (requested.isZero()) continue;
    const capacity =
      allocatable[name] !== undefined ? parseQuantity(allocatable[name] ?? '0') : Quantity.zero;
    const inUse = used.get(name) ?? Quantity.zero;
    if (inUse.add(requested).cmp(capacity) > 0) {
      return {
        reason: `OutOf${name}`,
        message: `Node didn't have enough resource: ${name}, requested: ${requested.milliValue() / (name === 'cpu' ? 1n : 1000n)}, used: ${inUse.milliValue() / (name === 'cpu' ? 1n : 1000n)}, capacity: ${capacity.milliValue() / (name === 'cpu' ? 1n : 1000n)}`,
      };
    }
  }
  return undefined;
}
