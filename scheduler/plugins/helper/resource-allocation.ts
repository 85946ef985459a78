/**
 * What NodeResourcesFit's scoring strategies and NodeResourcesBalancedAllocation share
 * (kube-scheduler's noderesources/resource_allocation.go): for each configured resource,
 * the node's allocatable and what would be requested on it with the pod added, handed to
 * a strategy that turns the lists into one score.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { NodeInfo } from '../../framework/node-info.js';
import { CPU, EPHEMERAL_STORAGE, MEMORY, podNonZeroRequests, podRequests } from '../../framework/resource.js';

export interface ResourceSpec {
  readonly name: string;
  readonly weight: number;
}

/** cpu and memory, weight 1 each: what both plugins score when args name no resources. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = [
  { name: CPU, weight: 1 },
  { name: MEMORY, weight: 1 },
];

/**
 * Turns requested and allocatable (same order as the resources; allocatable 0 = not
 * scored) into a score. It must not keep the arrays: they are reused for the next node.
 */
export type ResourceScorer = (requested: readonly number[], allocatable: readonly number[]) => number;

/**
 * Parses `resources: [{name, weight}]` from plugin args; absent or empty means the
 * defaults, and a weight left out (or 0) counts 1, as kube's defaulting does.
 */
export function resourcesFromArgs(value: unknown, plugin: string): ResourceSpec[] {
  if (value === undefined || value === null) return [...DEFAULT_RESOURCES];
  if (!Array.isArray(value)) throw new Error(`${plugin}: resources must be a list of {name, weight}`);
  if (value.length === 0) return [...DEFAULT_RESOURCES];
  return value.map((r: unknown, i) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as { name?: unknown; weight?: unknown };
    if (typeof o.name !== 'string' || o.name === '')
      throw new Error(`${plugin}: resources[${i}].name must name a resource such as cpu or memory`);
    const weight = o.weight === undefined || o.weight === 0 ? 1 : o.weight;
    if (typeof weight !== 'number' || !Number.isInteger(weight) || weight < 1 || weight > 100)
      throw new Error(
        `${plugin}: resources[${i}].weight must be an integer from 1 to 100, not ${String(o.weight)}`,
      );
    return { name: o.name, weight };
  });
}

/**
 * Whether `resources` are cpu then memory (with weight 1 each, when `weighted`): the
 * defaults, which the plugins score from NodeInfo's inline amounts directly.
 */
export function isCpuThenMemory(resources: readonly ResourceSpec[], weighted: boolean): boolean {
  const [a, b] = resources;
  return (
    resources.length === 2 &&
    a?.name === CPU &&
    b?.name === MEMORY &&
    (!weighted || (a.weight === 1 && b.weight === 1))
  );
}

function isScalarResource(name: string): boolean {
  return name !== CPU && name !== MEMORY && name !== EPHEMERAL_STORAGE;
}

/**
 * The pod's request of each resource. With `useRequested` false (NodeResourcesFit),
 * containers that request no cpu or memory count kube's defaults (100m, 200Mi), so that
 * best-effort pods spread; with it true (BalancedAllocation) requests are taken as written.
 */
export function podRequestList(
  pod: Pod,
  resources: readonly ResourceSpec[],
  useRequested: boolean,
): number[] {
  const exact = podRequests(pod);
  const nonZero = useRequested ? exact : podNonZeroRequests(pod);
  return resources.map(({ name }) => (name === CPU || name === MEMORY ? nonZero.get(name) : exact.get(name)));
}

/**
 * Scores one node: per resource, allocatable and the node's requests plus the pod's.
 * A resource the node does not offer, or an extended resource the pod does not ask for,
 * is left out (allocatable 0), so that it neither helps nor hurts.
 */
export function scoreResourceAllocation(
  nodeInfo: NodeInfo,
  resources: readonly ResourceSpec[],
  podRequestsList: readonly number[],
  useRequested: boolean,
  scorer: ResourceScorer,
): number {
  const requested = scratch(requestedScratch, resources.length);
  const allocatable = scratch(allocatableScratch, resources.length);
  // cpu, memory and ephemeral-storage from NodeInfo's inline amounts (one object per
  // node per cycle); only extended resources read its Resources.
  for (let i = 0; i < resources.length; i++) {
    const name = (resources[i] as ResourceSpec).name;
    const podRequest = podRequestsList[i] ?? 0;
    let alloc = 0;
    let req = 0;
    if (name === CPU) {
      alloc = nodeInfo.allocatableMilliCpu;
      req = (useRequested ? nodeInfo.requestedMilliCpu : nodeInfo.nonZeroMilliCpu) + podRequest;
    } else if (name === MEMORY) {
      alloc = nodeInfo.allocatableMemory;
      req = (useRequested ? nodeInfo.requestedMemory : nodeInfo.nonZeroMemory) + podRequest;
    } else if (name === EPHEMERAL_STORAGE) {
      alloc = nodeInfo.allocatableEphemeralStorage;
      req = nodeInfo.requestedEphemeralStorage + podRequest;
    } else if (isScalarResource(name) && podRequest !== 0 && nodeInfo.allocatable.scalar.has(name)) {
      alloc = nodeInfo.allocatable.get(name);
      req = nodeInfo.requested.get(name) + podRequest;
    }
    if (alloc === 0) continue;
    allocatable[i] = alloc;
    requested[i] = req;
  }
  return scorer(requested, allocatable);
}

/**
 * Scoring runs for every node of every cycle, and scorers only read their arrays while
 * called (the ResourceScorer contract): two arrays reused across calls, zeroed to the
 * length asked, spare the allocations.
 */
const requestedScratch: number[] = [];
const allocatableScratch: number[] = [];

function scratch(a: number[], length: number): number[] {
  if (a.length !== length) a.length = length;
  // A loop, not fill(): for two or three elements the builtin call costs more than the stores.
  for (let i = 0; i < length; i++) a[i] = 0;
  return a;
}
