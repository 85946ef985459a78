/**
 * What the scheduler knows of the cluster between cycles (kube-scheduler's cache):
 * a NodeInfo per node with the pods on it, kept from the Node and Pod informers, plus
 * the pods the scheduler itself has placed and not yet seen bound ("assumed").
 *
 * Assume: the moment a node is chosen the pod is added to it, so the next cycle sees
 * the room it took even though the bind is still in flight. The informer's Add of
 * the bound pod confirms it; a failed bind forgets it; an assumed pod whose bind
 * finished but was never seen is dropped after `assumedPodTtlMs` (one timer, armed
 * only while such pods exist).
 */
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../sdk/logger.js';
import { type Clock, realClock } from '../../sdk/workqueue/clock.js';
import { type ImageState, NodeInfo, newPodInfo, type PodInfo } from '../framework/node-info.js';
import { keyOf } from '../queue/scheduling-queue.js';
import { sameSchedulingFields } from './scheduling-fields.js';
import type { Snapshot } from './snapshot.js';

interface PodState {
  pod: Pod;
  /** Its entry in its node's NodeInfo (shared with the snapshot's copies of that node). */
  info: PodInfo;
  assumed: boolean;
  /** Set once the bind finished: after it, an unconfirmed assumption expires. */
  deadline: number | undefined;
}

export interface SchedulerCacheOptions {
  readonly clock?: Clock;
  /** How long an assumed pod whose bind finished waits to be seen bound (default 30 s). */
  readonly assumedPodTtlMs?: number;
  readonly logger?: Logger;
}

/** Never written: NodeInfo.imageStates is only read by plugins (and replaced by the cache). */
const noImages: Map<string, ImageState> = new Map();

export class SchedulerCache {
  private readonly nodes = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private readonly images = new Map<string, { sizeBytes: number; nodes: Set<string> }>();
  /** Nodes changed since the last snapshot update. */
  private readonly dirty = new Set<string>();
  /** Assumed pods whose bind finished → their deadline; deadlines only grow, so the first is the earliest. */
  private readonly expiring = new Map<string, number>();
  private readonly clock: Clock;
  private readonly ttlMs: number;
  private readonly logger: Logger | undefined;
  private expiryTimer: { at: number; cancel: () => void } | undefined;

  constructor(opts: SchedulerCacheOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.ttlMs = opts.assumedPodTtlMs ?? 30_000;
    this.logger = opts.logger;
  }

  get nodeCount(): number {
    let n = 0;
    for (const ni of this.nodes.values()) if (ni.node !== undefined) n++;
    return n;
  }

  get podCount(): number {
    return this.podStates.size;
  }

  /** The NodeInfo the cache keeps (not a copy: for tests and diagnostics). */
  nodeInfo(name: string): NodeInfo | undefined {
    return this.nodes.get(name);
  }

  addNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    let ni = this.nodes.get(name);
    if (ni === undefined) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    } else {
      this.removeNodeImages(ni.node);
    }
    ni.setNode(node);
    this.addNodeImages(node);
    this.dirty.add(name);
  }

  updateNode(_old: Node, node: Node): void {
    this.addNode(node);
  }

  /** The node is gone; its pods stay counted until they are deleted (as in kube). */
  removeNode(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ni = this.nodes.get(name);
    if (ni === undefined) return;
    this.removeNodeImages(ni.node);
    if (ni.pods.length === 0) this.nodes.delete(name);
    else ni.node = undefined;
    this.dirty.add(name);
  }

  /**
   * A pod bound to a node, seen by the informer: confirms an assumption, or adds it, or
   * (through updatePod) replaces the cached object. The informer's copy is the truth.
   */
  addPod(pod: Pod): void {
    const key = keyOf(pod);
    const state = this.podStates.get(key);
    if (state === undefined) {
      this.podStates.set(key, { pod, info: this.addToNode(pod), assumed: false, deadline: undefined });
      return;
    }
    if (this.expiring.delete(key)) this.expiryDropped();
    state.assumed = false;
    state.deadline = undefined;
    if (sameSchedulingFields(state.pod, pod)) {
      // Nothing that the node's sums and indexes or any plugin reads changed (the
      // binding's confirmation, a kubelet's status report): the new object replaces the
      // old in place, in the cache's NodeInfo and the snapshot's copies alike, and the
      // node is not copied again.
      state.pod = pod;
      state.info.pod = pod;
      return;
    }
    // Changed, or bound elsewhere than assumed: re-indexed on its (new) node.
    this.removeFromNode(state.pod);
    state.pod = pod;
    state.info = this.addToNode(pod);
  }

  updatePod(_old: Pod, pod: Pod): void {
    this.addPod(pod);
  }

  removePod(pod: Pod): void {
    const key = keyOf(pod);
    const state = this.podStates.get(key);
    if (state === undefined) return;
    this.removeFromNode(state.pod);
    this.podStates.delete(key);
    if (this.expiring.delete(key)) this.expiryDropped();
  }

  /** Places `pod` (with spec.nodeName set to the chosen node) before its bind. */
  assumePod(pod: Pod): void {
    const key = keyOf(pod);
    if (this.podStates.has(key))
      throw new Error(`pod ${key} is already in the scheduler cache; it cannot be assumed`);
    this.podStates.set(key, { pod, info: this.addToNode(pod), assumed: true, deadline: undefined });
  }

  /** The bind call returned: the assumption now waits at most the TTL to be confirmed. */
  finishBinding(pod: Pod): void {
    const state = this.podStates.get(keyOf(pod));
    if (state === undefined || !state.assumed) return;
    state.deadline = this.clock.now() + this.ttlMs;
    this.expiring.set(keyOf(pod), state.deadline);
    // Deadlines only grow: an armed timer is at the earliest, or earlier (for an entry
    // gone since, when it then re-arms at the first left).
    if (this.expiryTimer === undefined) this.armExpiry();
  }

  /** The bind failed (or a later step): undoes assumePod. */
  forgetPod(pod: Pod): void {
    const key = keyOf(pod);
    const state = this.podStates.get(key);
    if (state === undefined || !state.assumed) return;
    this.removeFromNode(state.pod);
    this.podStates.delete(key);
    if (this.expiring.delete(key)) this.expiryDropped();
  }

  isAssumedPod(pod: Pod): boolean {
    return this.podStates.get(keyOf(pod))?.assumed ?? false;
  }

  /** Whether the cache holds this pod (assumed or bound). */
  hasPod(pod: Pod): boolean {
    return this.podStates.has(keyOf(pod));
  }

  /**
   * Brings `snapshot` up to date: copies only the nodes changed since the last call,
   * and rebuilds its lists only when nodes came or went or affinity pods moved.
   */
  updateSnapshot(snapshot: Snapshot): void {
    if (this.dirty.size === 0) return;
    let membership = false;
    let affinity = false;
    const replaced = new Map<string, NodeInfo>();
    for (const name of this.dirty) {
      const ni = this.nodes.get(name);
      const before = snapshot.nodeInfoMap.get(name);
      if (
        before !== undefined &&
        (before.podsWithAffinity.length > 0 || before.podsWithRequiredAntiAffinity.length > 0)
      )
        affinity = true;
      if (ni === undefined || ni.node === undefined) {
        if (before !== undefined) {
          snapshot.nodeInfoMap.delete(name);
          snapshot.replaceByController(name, before, undefined);
          membership = true;
        }
        continue;
      }
      const copy = ni.clone();
      copy.imageStates = this.imageStatesOf(ni.node);
      if (copy.podsWithAffinity.length > 0 || copy.podsWithRequiredAntiAffinity.length > 0) affinity = true;
      if (before === undefined) membership = true;
      else replaced.set(name, copy);
      snapshot.nodeInfoMap.set(name, copy);
      snapshot.replaceByController(name, before, copy);
    }
    this.dirty.clear();
    if (membership) {
      snapshot.setList([...snapshot.nodeInfoMap.values()]);
    } else {
      // Per pod this is the one or two nodes it changed, never a walk over every node.
      for (const [name, copy] of replaced) snapshot.replace(name, copy);
    }
    if (membership || affinity) {
      snapshot.affinityList = snapshot.nodeInfoList.filter((n) => n.podsWithAffinity.length > 0);
      snapshot.antiAffinityList = snapshot.nodeInfoList.filter(
        (n) => n.podsWithRequiredAntiAffinity.length > 0,
      );
    }
  }

  close(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
  }

  private addToNode(pod: Pod): PodInfo {
    const name = pod.spec?.nodeName ?? '';
    let ni = this.nodes.get(name);
    if (ni === undefined) {
      ni = new NodeInfo();
      this.nodes.set(name, ni);
    }
    const info = newPodInfo(pod);
    ni.addPod(info);
    this.dirty.add(name);
    return info;
  }

  private removeFromNode(pod: Pod): void {
    const name = pod.spec?.nodeName ?? '';
    const ni = this.nodes.get(name);
    if (ni === undefined) return;
    ni.removePod(pod);
    if (ni.node === undefined && ni.pods.length === 0) this.nodes.delete(name);
    this.dirty.add(name);
  }

  private addNodeImages(node: Node): void {
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names) {
        let s = this.images.get(imageName);
        if (s === undefined) {
          s = { sizeBytes: Number(image.sizeBytes), nodes: new Set() };
          this.images.set(imageName, s);
        }
        s.nodes.add(name);
      }
    }
  }

  private removeNodeImages(node: Node | undefined): void {
    if (node === undefined) return;
    const name = node.metadata?.name ?? '';
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names) {
        const s = this.images.get(imageName);
        s?.nodes.delete(name);
        if (s?.nodes.size === 0) this.images.delete(imageName);
      }
    }
  }

  private imageStatesOf(node: Node): Map<string, ImageState> {
    // Nodes that report no images share one empty map: ImageLocality's PreScore asks
    // every node of every cycle whether it holds anything, and a shared map stays cached.
    if ((node.status?.images.length ?? 0) === 0) return noImages;
    const out = new Map<string, ImageState>();
    for (const image of node.status?.images ?? []) {
      for (const imageName of image.names) {
        const s = this.images.get(imageName);
        if (s !== undefined) out.set(imageName, { sizeBytes: s.sizeBytes, numNodes: s.nodes.size });
      }
    }
    return out;
  }

  /**
   * An entry left `expiring`: the timer stays armed (it fires at most once early, then
   * re-arms at the first deadline left) unless nothing is left to expire. Re-arming on
   * every confirmation had the Map's first live entry found each time, past the holes
   * that deletions at its head leave.
   */
  private expiryDropped(): void {
    if (this.expiring.size > 0) return;
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
  }

  private armExpiry(): void {
    let at: number | undefined;
    for (const deadline of this.expiring.values()) {
      at = deadline;
      break;
    }
    if (at === undefined) {
      this.expiryTimer?.cancel();
      this.expiryTimer = undefined;
      return;
    }
    if (this.expiryTimer?.at === at) return;
    this.expiryTimer?.cancel();
    this.expiryTimer = {
      at,
      cancel: this.clock.setTimer(
        () => {
          this.expiryTimer = undefined;
          this.cleanupExpiredAssumedPods();
        },
        Math.max(0, at - this.clock.now()),
      ),
    };
  }

  /** Drops assumptions whose bind finished but were never confirmed by the informer. */
  cleanupExpiredAssumedPods(): void {
    const now = this.clock.now();
    for (const [key, deadline] of [...this.expiring]) {
      if (deadline > now) break;
      this.expiring.delete(key);
      const s = this.podStates.get(key);
      if (s === undefined || !s.assumed) continue;
      this.logger?.warn(
        { pod: key, node: s.pod.spec?.nodeName },
        'assumed pod expired: its binding was never seen',
      );
      this.removeFromNode(s.pod);
      this.podStates.delete(key);
    }
    this.armExpiry();
  }
}
