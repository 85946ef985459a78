/**
 * The scheduling queue, after kube-scheduler's PriorityQueue: where every pod without
 * a node waits for its turn.
 *
 * - activeQ: pods ready to be tried, highest priority first, then the longest waiting.
 * - backoffQ: pods that failed recently, until their backoff (initial, doubling per
 *   attempt, up to max) has passed; one timer, armed only while it holds pods.
 * - unschedulable: pods no node fits. They leave only when a cluster event arrives
 *   that a plugin which rejected them registered (EnqueueExtensions, with its
 *   QueueingHint saying Queue), or after `maxUnschedulableMs` as a safety net (one
 *   timer, armed only while the set holds pods).
 * - gated: pods a PreEnqueue plugin holds back (scheduling gates); an update of the
 *   pod runs PreEnqueue again.
 *
 * A pod popped is in flight until `done`: events that arrive meanwhile are kept for it,
 * so that a pod failing after the event that would have freed it is not parked.
 */
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { type Clock, realClock } from '../../sdk/workqueue/clock.js';
import type {
  ClusterEventAction,
  ClusterEventResource,
  ClusterEventWithHint,
  QueueingHint,
} from '../framework/interface.js';
import { newPodInfo, type PodInfo, podKey } from '../framework/node-info.js';
import type { Status } from '../framework/status.js';
import { KeyedHeap } from './keyed-heap.js';

/** A pod in the queue with what the queue knows of its attempts. */
export interface QueuedPodInfo {
  pod: Pod;
  readonly key: string;
  /** When it last entered a queue (ordering within a priority, and the start of its backoff). */
  timestamp: number;
  /** When it was first popped; undefined until then. */
  initialAttemptTimestamp: number | undefined;
  /** Scheduling attempts so far. */
  attempts: number;
  /** The plugins that rejected it in its last attempt. */
  unschedulablePlugins: Set<string>;
  /** The PreEnqueue plugin that holds it back, while gated. */
  gatedBy: string | undefined;
}

export interface ClusterEventOccurrence {
  readonly resource: ClusterEventResource;
  /** Every action the change amounts to (a node update may change labels and taints at once). */
  readonly actions: readonly ClusterEventAction[];
  readonly oldObj: unknown;
  readonly newObj: unknown;
}

export interface SchedulingQueueOptions {
  readonly clock?: Clock;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** How long a pod stays unschedulable without an event before it is tried again (default 5 min). */
  readonly maxUnschedulableMs?: number;
  /** PreEnqueue: a non-success keeps the pod gated. */
  readonly preEnqueue?: (pod: Pod) => Status;
  /** Plugin name → the events it registered (undefined: any event may help). */
  readonly eventsToRegister?: ReadonlyMap<string, readonly ClusterEventWithHint[] | undefined>;
}

export type QueueName = 'active' | 'backoff' | 'unschedulable' | 'gated';

/** Events kept per in-flight pod before the queue gives up tracking them and retries the pod anyway. */
const maxInFlightEvents = 1000;

interface InFlight {
  events: ClusterEventOccurrence[] | 'overflow';
  /** The pod changed while in flight: try it again whatever the outcome. */
  updated: boolean;
  deleted: boolean;
  latest: Pod | undefined;
}

/** Shared by every node without nominated pods: asked once per node per cycle. */
const noPods: readonly PodInfo[] = [];

export class SchedulingQueue {
  private readonly clock: Clock;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly maxUnschedulableMs: number;
  private readonly preEnqueue: (pod: Pod) => Status | undefined;
  private readonly events: ReadonlyMap<string, readonly ClusterEventWithHint[] | undefined>;

  private readonly activeQ = new KeyedHeap<QueuedPodInfo>((a, b) => {
    const pa = a.pod.spec?.priority ?? 0;
    const pb = b.pod.spec?.priority ?? 0;
    return pa > pb || (pa === pb && a.timestamp < b.timestamp);
  });
  private readonly backoffQ = new KeyedHeap<QueuedPodInfo>(
    (a, b) => this.backoffExpiry(a) < this.backoffExpiry(b),
  );
  private readonly unschedulable = new Map<string, QueuedPodInfo>();
  private readonly gated = new Map<string, QueuedPodInfo>();
  private readonly inFlight = new Map<string, InFlight>();
  /** Pods nominated to nodes by preemption, by node. */
  private readonly nominated = new Map<string, Map<string, PodInfo>>();
  private readonly nominatedNodeOf = new Map<string, string>();

  private readonly waiters: ((q: QueuedPodInfo | undefined) => void)[] = [];
  private backoffTimer: { at: number; cancel: () => void } | undefined;
  private flushTimer: { at: number; cancel: () => void } | undefined;
  private closed = false;

  constructor(opts: SchedulingQueueOptions = {}) {
    this.clock = opts.clock ?? realClock;
    this.initialBackoffMs = opts.initialBackoffMs ?? 1000;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.maxUnschedulableMs = opts.maxUnschedulableMs ?? 5 * 60_000;
    this.preEnqueue = opts.preEnqueue ?? (() => undefined);
    this.events = opts.eventsToRegister ?? new Map();
  }

  /** How many pods wait in each part of the queue (scheduler_pending_pods). */
  sizes(): Record<QueueName, number> {
    return {
      active: this.activeQ.size,
      backoff: this.backoffQ.size,
      unschedulable: this.unschedulable.size,
      gated: this.gated.size,
    };
  }

  /** Timers armed (0 when idle; tests check that an idle queue has none). */
  get armedTimers(): number {
    return (this.backoffTimer ? 1 : 0) + (this.flushTimer ? 1 : 0);
  }

  /** A new pod without a node: gated or active. An already queued pod is updated instead. */
  add(pod: Pod): void {
    const key = keyOf(pod);
    if (this.find(key) !== undefined || this.inFlight.has(key)) {
      this.update(undefined, pod);
      return;
    }
    const q: QueuedPodInfo = {
      pod,
      key,
      timestamp: this.clock.now(),
      initialAttemptTimestamp: undefined,
      attempts: 0,
      unschedulablePlugins: new Set(),
      gatedBy: undefined,
    };
    this.addNominatedFromStatus(pod);
    this.enqueueActiveOrGated(q);
  }

  /** The pod changed (its spec, labels, gates): it may fit now. */
  update(oldPod: Pod | undefined, pod: Pod): void {
    const key = keyOf(pod);
    this.addNominatedFromStatus(pod);
    const flight = this.inFlight.get(key);
    if (flight !== undefined) {
      flight.latest = pod;
      if (oldPod === undefined || specChanged(oldPod, pod)) flight.updated = true;
      return;
    }
    const active = this.activeQ.get(key);
    if (active !== undefined) {
      active.pod = pod;
      this.activeQ.addOrUpdate(key, active);
      return;
    }
    const backoff = this.backoffQ.get(key);
    if (backoff !== undefined) {
      backoff.pod = pod;
      this.backoffQ.addOrUpdate(key, backoff);
      return;
    }
    const gated = this.gated.get(key);
    if (gated !== undefined) {
      gated.pod = pod;
      this.gated.delete(key);
      this.enqueueActiveOrGated(gated);
      return;
    }
    const parked = this.unschedulable.get(key);
    if (parked !== undefined) {
      parked.pod = pod;
      if (oldPod === undefined || specChanged(oldPod, pod)) {
        this.unschedulable.delete(key);
        this.requeue(parked);
      }
      return;
    }
    this.add(pod);
  }

  /** The pod is gone, or bound by someone: it leaves the queue quietly. */
  delete(pod: Pod): void {
    const key = keyOf(pod);
    this.activeQ.delete(key);
    this.backoffQ.delete(key);
    this.unschedulable.delete(key);
    this.gated.delete(key);
    const flight = this.inFlight.get(key);
    if (flight !== undefined) flight.deleted = true;
    this.deleteNominatedPod(pod);
    this.armTimers();
  }

  /** The next pod to schedule; waits while none is active; undefined once closed. */
  pop(): Promise<QueuedPodInfo | undefined> {
    const q = this.takeActive();
    if (q !== undefined || this.closed) return Promise.resolve(q);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Whether a pod is ready to be popped at once. */
  hasActive(): boolean {
    return this.activeQ.size > 0;
  }

  /** The pod popped last has finished its scheduling cycle (it is bound, assumed, or requeued). */
  done(key: string): void {
    this.inFlight.delete(key);
  }

  /**
   * A pod failed its attempt: back to the backoff queue when it might fit soon (an
   * error, an event during the attempt that could help it, a change of the pod),
   * else to the unschedulable set until such an event.
   */
  addUnschedulableIfNotPresent(q: QueuedPodInfo): void {
    const flight = this.inFlight.get(q.key);
    this.inFlight.delete(q.key);
    if (flight?.deleted) return;
    if (flight?.latest !== undefined) q.pod = flight.latest;
    if (this.find(q.key) !== undefined) return;
    q.timestamp = this.clock.now();
    const helped =
      flight !== undefined &&
      (flight.updated ||
        flight.events === 'overflow' ||
        flight.events.some((e) => this.podMatchesEvent(q, e)));
    if (helped || q.unschedulablePlugins.size === 0) {
      this.requeue(q);
      return;
    }
    this.unschedulable.set(q.key, q);
    this.armTimers();
  }

  /**
   * Something changed in the cluster: unschedulable pods that a plugin which rejected
   * them says could now fit move to the backoff or active queue.
   */
  onClusterEvent(e: ClusterEventOccurrence): void {
    for (const flight of this.inFlight.values()) {
      if (flight.events === 'overflow') continue;
      if (flight.events.length >= maxInFlightEvents) flight.events = 'overflow';
      else flight.events.push(e);
    }
    if (this.unschedulable.size === 0) return;
    const moved: QueuedPodInfo[] = [];
    for (const q of this.unschedulable.values()) if (this.podMatchesEvent(q, e)) moved.push(q);
    for (const q of moved) {
      this.unschedulable.delete(q.key);
      this.requeue(q);
    }
    if (moved.length > 0) this.armTimers();
  }

  /** Every unschedulable pod is tried again (used when the cluster view was rebuilt). */
  moveAllToActiveOrBackoff(): void {
    const all = [...this.unschedulable.values()];
    this.unschedulable.clear();
    for (const q of all) this.requeue(q);
    this.armTimers();
  }

  /** Wakes every waiting pop with undefined and cancels the timers. */
  close(): void {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w(undefined);
    this.backoffTimer?.cancel();
    this.flushTimer?.cancel();
    this.backoffTimer = undefined;
    this.flushTimer = undefined;
  }

  // ---- nominated pods (preemptors waiting for room) ----

  addNominatedPod(pod: Pod, nodeName: string): void {
    this.deleteNominatedPod(pod);
    if (nodeName === '') return;
    const key = keyOf(pod);
    let byNode = this.nominated.get(nodeName);
    if (byNode === undefined) {
      byNode = new Map();
      this.nominated.set(nodeName, byNode);
    }
    byNode.set(key, newPodInfo(pod));
    this.nominatedNodeOf.set(key, nodeName);
  }

  deleteNominatedPod(pod: Pod): void {
    const key = keyOf(pod);
    const node = this.nominatedNodeOf.get(key);
    if (node === undefined) return;
    this.nominatedNodeOf.delete(key);
    const byNode = this.nominated.get(node);
    byNode?.delete(key);
    if (byNode?.size === 0) this.nominated.delete(node);
  }

  /** Whether any pod is nominated to any node. */
  hasNominatedPods(): boolean {
    return this.nominated.size > 0;
  }

  /** Highest priority first. */
  nominatedPodsForNode(nodeName: string): readonly PodInfo[] {
    // Asked for every node of every cycle, and almost always with nothing nominated:
    // looking the name up would read each node's name string (its hash) for nothing.
    if (this.nominated.size === 0) return noPods;
    const byNode = this.nominated.get(nodeName);
    if (byNode === undefined) return noPods;
    return [...byNode.values()].sort((a, b) => (b.pod.spec?.priority ?? 0) - (a.pod.spec?.priority ?? 0));
  }

  // ---- internals ----

  private addNominatedFromStatus(pod: Pod): void {
    const node = pod.status?.nominatedNodeName ?? '';
    if (node !== '') this.addNominatedPod(pod, node);
    else if (this.nominatedNodeOf.has(keyOf(pod))) this.deleteNominatedPod(pod);
  }

  private find(key: string): QueuedPodInfo | undefined {
    return (
      this.activeQ.get(key) ?? this.backoffQ.get(key) ?? this.unschedulable.get(key) ?? this.gated.get(key)
    );
  }

  private enqueueActiveOrGated(q: QueuedPodInfo): void {
    const s = this.preEnqueue(q.pod);
    if (s !== undefined && !s.isSuccess()) {
      q.gatedBy = s.plugin;
      this.gated.set(q.key, q);
      return;
    }
    q.gatedBy = undefined;
    this.pushActive(q);
  }

  private pushActive(q: QueuedPodInfo): void {
    const w = this.waiters.shift();
    if (w !== undefined && this.activeQ.size === 0) {
      this.markInFlight(q);
      w(q);
      return;
    }
    if (w !== undefined) this.waiters.unshift(w);
    this.activeQ.addOrUpdate(q.key, q);
    this.wake();
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.activeQ.size > 0) {
      const w = this.waiters.shift() as (q: QueuedPodInfo | undefined) => void;
      w(this.takeActive());
    }
  }

  private takeActive(): QueuedPodInfo | undefined {
    const q = this.activeQ.pop();
    if (q !== undefined) this.markInFlight(q);
    return q;
  }

  private markInFlight(q: QueuedPodInfo): void {
    q.attempts++;
    q.initialAttemptTimestamp ??= this.clock.now();
    this.inFlight.set(q.key, { events: [], updated: false, deleted: false, latest: undefined });
  }

  /** To the backoff queue while its backoff lasts, else active. */
  private requeue(q: QueuedPodInfo): void {
    if (this.backoffExpiry(q) > this.clock.now()) {
      this.backoffQ.addOrUpdate(q.key, q);
      this.armTimers();
    } else {
      this.pushActive(q);
    }
  }

  backoffDurationMs(attempts: number): number {
    if (attempts <= 0) return 0;
    let d = this.initialBackoffMs;
    for (let i = 1; i < attempts && d < this.maxBackoffMs; i++) d *= 2;
    return Math.min(d, this.maxBackoffMs);
  }

  private backoffExpiry(q: QueuedPodInfo): number {
    return q.timestamp + this.backoffDurationMs(q.attempts);
  }

  private podMatchesEvent(q: QueuedPodInfo, e: ClusterEventOccurrence): boolean {
    if (q.unschedulablePlugins.size === 0) return true;
    for (const plugin of q.unschedulablePlugins) {
      if (!this.events.has(plugin)) return true;
      const registered = this.events.get(plugin);
      if (registered === undefined) return true;
      for (const r of registered) {
        if (r.event.resource !== e.resource) continue;
        if (!e.actions.some((a) => actionMatches(r.event.action, a))) continue;
        let hint: QueueingHint = 'Queue';
        try {
          hint = r.hint?.(q.pod, e.oldObj, e.newObj) ?? 'Queue';
        } catch {
          hint = 'Queue';
        }
        if (hint === 'Queue') return true;
      }
    }
    return false;
  }

  /** One backoff timer at the earliest expiry, one flush timer at the oldest unschedulable pod's deadline. */
  private armTimers(): void {
    const head = this.backoffQ.peek();
    const backoffAt = head === undefined ? undefined : this.backoffExpiry(head);
    this.backoffTimer = this.rearm(this.backoffTimer, backoffAt, () => {
      this.backoffTimer = undefined;
      this.flushBackoffCompleted();
    });
    // Pods enter the set with the current time, so the first in insertion order is the oldest.
    let oldest: number | undefined;
    for (const q of this.unschedulable.values()) {
      oldest = q.timestamp;
      break;
    }
    const flushAt = oldest === undefined ? undefined : oldest + this.maxUnschedulableMs;
    this.flushTimer = this.rearm(this.flushTimer, flushAt, () => {
      this.flushTimer = undefined;
      this.flushUnschedulableLeftover();
    });
  }

  private rearm(
    current: { at: number; cancel: () => void } | undefined,
    at: number | undefined,
    fire: () => void,
  ): { at: number; cancel: () => void } | undefined {
    if (this.closed) {
      current?.cancel();
      return undefined;
    }
    if (at === undefined) {
      current?.cancel();
      return undefined;
    }
    if (current !== undefined && current.at === at) return current;
    current?.cancel();
    return { at, cancel: this.clock.setTimer(fire, Math.max(0, at - this.clock.now())) };
  }

  private flushBackoffCompleted(): void {
    const now = this.clock.now();
    for (
      let head = this.backoffQ.peek();
      head !== undefined && this.backoffExpiry(head) <= now;
      head = this.backoffQ.peek()
    ) {
      this.backoffQ.pop();
      this.pushActive(head);
    }
    this.armTimers();
  }

  private flushUnschedulableLeftover(): void {
    const now = this.clock.now();
    const due: QueuedPodInfo[] = [];
    for (const q of this.unschedulable.values()) {
      if (now - q.timestamp < this.maxUnschedulableMs) break;
      due.push(q);
    }
    for (const q of due) {
      this.unschedulable.delete(q.key);
      this.requeue(q);
    }
    this.armTimers();
  }
}

/** The queue's key of a pod: its uid (a pod recreated under its name is another pod). */
export function keyOf(pod: Pod): string {
  return pod.metadata?.uid || podKey(pod);
}

function actionMatches(registered: ClusterEventAction, happened: ClusterEventAction): boolean {
  if (registered === happened) return true;
  if (registered === 'Update') return happened.startsWith('Update');
  if (happened === 'Update') return registered.startsWith('Update');
  return false;
}

/** Whether what the scheduler reads of a pod changed (not only its status or resourceVersion). */
function specChanged(a: Pod, b: Pod): boolean {
  return (
    JSON.stringify(a.spec) !== JSON.stringify(b.spec) ||
    JSON.stringify(a.metadata?.labels) !== JSON.stringify(b.metadata?.labels) ||
    JSON.stringify(a.metadata?.annotations) !== JSON.stringify(b.metadata?.annotations)
  );
}
