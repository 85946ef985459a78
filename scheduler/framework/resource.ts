/**
 * Resource amounts as plain numbers, the way the scheduler adds and compares them
 * many times per cycle: cpu in millicores, memory and ephemeral-storage in bytes,
 * every other (extended) resource by its integer value. Parsing from quantity
 * strings happens once per pod spec and once per node.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { parseList, podTotal, type ResourceList } from '../../sdk/resources/resource-list.js';

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';

/** What scoring assumes a container without requests uses (kube-scheduler's non-zero defaults). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

export class Resource {
  milliCpu = 0;
  memory = 0;
  ephemeralStorage = 0;
  /** Only on allocatable: how many pods the node takes. */
  allowedPodNumber = 0;
  /** Extended resources (`example.com/gpu`, `hugepages-2Mi`, ...) by name. */
  readonly scalar = new Map<string, number>();

  static fromList(list: ResourceList): Resource {
    const r = new Resource();
    for (const [name, q] of list) {
      if (name === CPU) r.milliCpu = Number(q.milliValue());
      else if (name === MEMORY) r.memory = Number(q.value());
      else if (name === EPHEMERAL_STORAGE) r.ephemeralStorage = Number(q.value());
      else if (name === PODS) r.allowedPodNumber = Number(q.value());
      else r.scalar.set(name, Number(q.value()));
    }
    return r;
  }

  /** The named resource's amount (cpu in millicores). */
  get(name: string): number {
    switch (name) {
      case CPU:
        return this.milliCpu;
      case MEMORY:
        return this.memory;
      case EPHEMERAL_STORAGE:
        return this.ephemeralStorage;
      case PODS:
        return this.allowedPodNumber;
      default:
        return this.scalar.get(name) ?? 0;
    }
  }

  add(other: Resource, sign: 1 | -1 = 1): void {
    this.milliCpu += sign * other.milliCpu;
    this.memory += sign * other.memory;
    this.ephemeralStorage += sign * other.ephemeralStorage;
    this.allowedPodNumber += sign * other.allowedPodNumber;
    for (const [name, v] of other.scalar) this.scalar.set(name, (this.scalar.get(name) ?? 0) + sign * v);
  }

  clone(): Resource {
    const r = new Resource();
    r.add(this);
    return r;
  }
}

/**
 * Both are kept per pod spec: the informer's objects are replaced on change, never
 * mutated, and a pod's requests are read by the cache, PreFilter, scoring and the queue's
 * event checks, each of which used to parse the quantity strings again. The Resources
 * answered are shared: callers must not change them.
 */
type PodSpec = NonNullable<Pod['spec']>;
const requestsBySpec = new WeakMap<PodSpec, Resource>();
const nonZeroBySpec = new WeakMap<PodSpec, Resource>();
const NONE = new Resource();

/** A pod's effective requests: containers summed, the largest init container, plus overhead. */
export function podRequests(pod: Pod): Resource {
  const spec = pod.spec;
  if (spec === undefined) return NONE;
  let r = requestsBySpec.get(spec);
  if (r === undefined) {
    r = Resource.fromList(podTotal(spec, 'requests'));
    requestsBySpec.set(spec, r);
  }
  return r;
}

/**
 * The requests scoring counts: as podRequests, but a container (or init container)
 * that requests no cpu or memory counts the defaults above, so that many
 * best-effort pods do not all land on one node.
 */
export function podNonZeroRequests(pod: Pod): Resource {
  const spec = pod.spec;
  if (spec === undefined) return NONE;
  let r = nonZeroBySpec.get(spec);
  if (r === undefined) {
    r = nonZeroRequestsOf(spec);
    nonZeroBySpec.set(spec, r);
  }
  return r;
}

function nonZeroRequestsOf(spec: PodSpec): Resource {
  const r = new Resource();
  const one = (requests: Readonly<Record<string, string>> | undefined) => {
    const c = Resource.fromList(parseList(requests));
    if (requests?.[CPU] === undefined) c.milliCpu = DEFAULT_MILLI_CPU_REQUEST;
    if (requests?.[MEMORY] === undefined) c.memory = DEFAULT_MEMORY_REQUEST;
    return c;
  };
  for (const c of spec.containers) r.add(one(c.resources?.requests));
  for (const c of spec.initContainers) {
    const i = one(c.resources?.requests);
    r.milliCpu = Math.max(r.milliCpu, i.milliCpu);
    r.memory = Math.max(r.memory, i.memory);
  }
  const overhead = Resource.fromList(parseList(spec.overhead));
  r.milliCpu += overhead.milliCpu;
  r.memory += overhead.memory;
  return r;
}
