/**
 * What the scheduler knows of one node: the Node, the pods on it (bound or assumed)
 * and their sums, kept incrementally by the cache and copied into each cycle's
 * snapshot. Plugins read it and never change it; preemption changes clones only.
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { controllerOf } from '../../sdk/owner-references.js';
import { parseList } from '../../sdk/resources/resource-list.js';
import type { TaintLike } from '../../sdk/scheduling/index.js';
import { effectiveTaints, hasPreferNoSchedule, NO_TAINTS } from './node-taints.js';
import { podNonZeroRequests, podRequests, Resource } from './resource.js';

/** A pod with what the scheduler derives from it once. */
export interface PodInfo {
  /**
   * The latest object. The cache replaces it in place when an update leaves every field
   * the scheduler reads of a placed pod as it was (cache/scheduling-fields.ts), so the
   * amounts below, derived from an earlier object, still hold; plugins never write it.
   */
  pod: Pod;
  /** `namespace/name`. */
  readonly key: string;
  readonly requests: Resource;
  /** Requests as scoring counts them (defaults for containers without requests). */
  readonly nonZeroRequests: Resource;
  /** Has pod affinity or anti-affinity terms (required or preferred). */
  readonly hasAffinity: boolean;
  /** Has required anti-affinity terms. */
  readonly hasRequiredAntiAffinity: boolean;
  /** The uid of the pod's controller, when it has one and is not being deleted (what spreading by owner counts). */
  readonly countedController: string | undefined;
}

export function podKey(pod: Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

export function newPodInfo(pod: Pod): PodInfo {
  const a = pod.spec?.affinity;
  const anti = a?.podAntiAffinity;
  const aff = a?.podAffinity;
  const hasRequiredAntiAffinity = (anti?.requiredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0;
  const controller = controllerOf(pod)?.uid;
  return {
    pod,
    key: podKey(pod),
    countedController: controller && pod.metadata?.deletionTimestamp === undefined ? controller : undefined,
    requests: podRequests(pod),
    nonZeroRequests: podNonZeroRequests(pod),
    hasRequiredAntiAffinity,
    hasAffinity:
      hasRequiredAntiAffinity ||
      (anti?.preferredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0 ||
      (aff?.requiredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0 ||
      (aff?.preferredDuringSchedulingIgnoredDuringExecution.length ?? 0) > 0,
  };
}

/** The host ports a pod's containers ask for, as `protocol/port` → host IPs ('0.0.0.0' for every address). */
export function hostPortsOf(pod: Pod): { protocol: string; port: number; ip: string }[] {
  const out: { protocol: string; port: number; ip: string }[] = [];
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const p of c.ports) {
      if (!p.hostPort) continue;
      out.push({ protocol: p.protocol || 'TCP', port: p.hostPort, ip: p.hostIp || '0.0.0.0' });
    }
  }
  return out;
}

/** How an image is held across the cluster, for ImageLocality. */
export interface ImageState {
  readonly sizeBytes: number;
  /** How many nodes hold it. */
  readonly numNodes: number;
}

/** Never written (a node without a Node, or before setNode); NodeInfo.allocatable's default. */
const NO_RESOURCES = new Resource();
/** Every NodeInfo's images until the cache sets them; never written. */
const NO_IMAGES: ReadonlyMap<string, ImageState> = new Map();

export class NodeInfo {
  node: Node | undefined;
  readonly pods: PodInfo[] = [];
  readonly podsWithAffinity: PodInfo[] = [];
  readonly podsWithRequiredAntiAffinity: PodInfo[] = [];
  /**
   * Controller uid → how many of its pods (not being deleted) are here: spreading a
   * replicated pod by owner reads a count instead of walking every pod of every node.
   */
  readonly podsByController = new Map<string, number>();
  /** `protocol/port` → host IP → how many pods use it. */
  readonly usedPorts = new Map<string, Map<string, number>>();
  /** Sum of the pods' requests. */
  readonly requested = new Resource();
  /** Sum of the pods' non-zero requests (for scoring). */
  readonly nonZeroRequested = new Resource();
  /**
   * From the Node, replaced whole by setNode and never changed in place, so that copies
   * share it.
   */
  allocatable: Resource = NO_RESOURCES;
  /** Images on this node by every name the node reports; set by the cache, read by plugins. */
  imageStates: ReadonlyMap<string, ImageState> = NO_IMAGES;
  /** Bumped on every change, so that snapshots copy only changed nodes. */
  generation = 0;
  // Derived from the Node once, in setNode: Filter reads them for every node of every
  // cycle, and reading them here touches this object only, not the Node's spec, status
  // and conditions.
  /** The taints scheduling sees (node-taints.ts): the Node's own plus its readiness taint. */
  taints: readonly TaintLike[] = NO_TAINTS;
  /** Some of `taints` are PreferNoSchedule. */
  hasPreferNoScheduleTaint = false;
  /** `spec.unschedulable` (cordoned). */
  unschedulable = false;

  // Inline copies of the amounts NodeResourcesFit and BalancedAllocation read for every
  // node of every cycle: reading them touches this object (and its number fields) only,
  // not three Resources and the pods array, which the GC lays out apart from it.
  // Invariant: equal to pods.length and the allocatable, requested and nonZeroRequested
  // Resources' fields; setNode, addPod, removePod and clone — the only writers of those —
  // keep them so.
  numPods = 0;
  allowedPodNumber = 0;
  allocatableMilliCpu = 0;
  allocatableMemory = 0;
  allocatableEphemeralStorage = 0;
  requestedMilliCpu = 0;
  requestedMemory = 0;
  requestedEphemeralStorage = 0;
  nonZeroMilliCpu = 0;
  nonZeroMemory = 0;

  constructor(node?: Node) {
    if (node !== undefined) this.setNode(node);
  }

  /**
   * The node's name, kept as a field: every plugin reads it for every node of every
   * cycle. It stays after the Node is gone (`node` undefined) while pods remain on it.
   */
  name = '';

  setNode(node: Node): void {
    this.node = node;
    this.name = node.metadata?.name ?? '';
    const a = Resource.fromList(parseList(node.status?.allocatable));
    this.allocatable = a;
    this.allowedPodNumber = a.allowedPodNumber;
    this.allocatableMilliCpu = a.milliCpu;
    this.allocatableMemory = a.memory;
    this.allocatableEphemeralStorage = a.ephemeralStorage;
    this.taints = effectiveTaints(node);
    this.hasPreferNoScheduleTaint = hasPreferNoSchedule(this.taints);
    this.unschedulable = node.spec?.unschedulable ?? false;
    this.generation++;
  }

  addPod(info: PodInfo): void {
    this.pods.push(info);
    if (info.hasAffinity) this.podsWithAffinity.push(info);
    if (info.hasRequiredAntiAffinity) this.podsWithRequiredAntiAffinity.push(info);
    this.requested.add(info.requests);
    this.nonZeroRequested.add(info.nonZeroRequests);
    this.syncRequested();
    this.updatePorts(info.pod, 1);
    this.countController(info, 1);
    this.generation++;
  }

  /** Removes the pod with this uid (or key, for pods without one); false when it was not here. */
  removePod(pod: Pod): boolean {
    const match = (p: PodInfo) =>
      pod.metadata?.uid ? p.pod.metadata?.uid === pod.metadata.uid : p.key === podKey(pod);
    const i = this.pods.findIndex(match);
    if (i < 0) return false;
    const [info] = this.pods.splice(i, 1);
    if (info === undefined) return false;
    for (const list of [this.podsWithAffinity, this.podsWithRequiredAntiAffinity]) {
      const j = list.findIndex(match);
      if (j >= 0) list.splice(j, 1);
    }
    this.requested.add(info.requests, -1);
    this.nonZeroRequested.add(info.nonZeroRequests, -1);
    this.syncRequested();
    this.updatePorts(info.pod, -1);
    this.countController(info, -1);
    this.generation++;
    return true;
  }

  clone(): NodeInfo {
    const c = new NodeInfo();
    c.node = this.node;
    c.name = this.name;
    c.pods.push(...this.pods);
    c.podsWithAffinity.push(...this.podsWithAffinity);
    c.podsWithRequiredAntiAffinity.push(...this.podsWithRequiredAntiAffinity);
    for (const [k, ips] of this.usedPorts) c.usedPorts.set(k, new Map(ips));
    for (const [uid, n] of this.podsByController) c.podsByController.set(uid, n);
    c.requested.add(this.requested);
    c.nonZeroRequested.add(this.nonZeroRequested);
    c.allocatable = this.allocatable;
    c.imageStates = this.imageStates;
    c.generation = this.generation;
    c.numPods = this.numPods;
    c.allowedPodNumber = this.allowedPodNumber;
    c.allocatableMilliCpu = this.allocatableMilliCpu;
    c.allocatableMemory = this.allocatableMemory;
    c.allocatableEphemeralStorage = this.allocatableEphemeralStorage;
    c.requestedMilliCpu = this.requestedMilliCpu;
    c.requestedMemory = this.requestedMemory;
    c.requestedEphemeralStorage = this.requestedEphemeralStorage;
    c.nonZeroMilliCpu = this.nonZeroMilliCpu;
    c.nonZeroMemory = this.nonZeroMemory;
    c.taints = this.taints;
    c.hasPreferNoScheduleTaint = this.hasPreferNoScheduleTaint;
    c.unschedulable = this.unschedulable;
    return c;
  }

  private countController(info: PodInfo, delta: 1 | -1): void {
    const uid = info.countedController;
    if (uid === undefined) return;
    const n = (this.podsByController.get(uid) ?? 0) + delta;
    if (n > 0) this.podsByController.set(uid, n);
    else this.podsByController.delete(uid);
  }

  private syncRequested(): void {
    this.numPods = this.pods.length;
    this.requestedMilliCpu = this.requested.milliCpu;
    this.requestedMemory = this.requested.memory;
    this.requestedEphemeralStorage = this.requested.ephemeralStorage;
    this.nonZeroMilliCpu = this.nonZeroRequested.milliCpu;
    this.nonZeroMemory = this.nonZeroRequested.memory;
  }

  private updatePorts(pod: Pod, delta: 1 | -1): void {
    for (const { protocol, port, ip } of hostPortsOf(pod)) {
      const key = `${protocol}/${port}`;
      const ips = this.usedPorts.get(key) ?? new Map<string, number>();
      const n = (ips.get(ip) ?? 0) + delta;
      if (n > 0) ips.set(ip, n);
      else ips.delete(ip);
      if (ips.size > 0) this.usedPorts.set(key, ips);
      else this.usedPorts.delete(key);
    }
  }
}
