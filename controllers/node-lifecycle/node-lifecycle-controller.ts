/**
 * The node lifecycle controller (Kubernetes' pkg/controller/nodelifecycle), every
 * `--node-monitor-period`:
 *
 * - a node not heard from (Lease in `kube-node-lease` renewed, or Ready heartbeat) for
 *   `--node-monitor-grace-period` (`--node-startup-grace-period` before it ever posted
 *   Ready) gets Ready, MemoryPressure, DiskPressure and PIDPressure `Unknown`;
 * - NoSchedule taints mirror the conditions (`not-ready`, `unreachable`, the pressures)
 *   and cordoning (`unschedulable`), at once;
 * - the NoExecute taint `unreachable` (Ready Unknown) or `not-ready` (Ready False) is
 *   added at the rate of the node's zone, and removed at once when the node is Ready;
 * - a node that stops being Ready gets a NodeNotReady Event;
 * - each node the controller comes to know gets a RegisteredNode Event, and a node that
 *   is gone (or came back as another object) a RemovingNode one — as Kubernetes, once
 *   per node each time the controller starts, so a restart shows in `describe node`.
 *
 * Evicting the pods of NoExecute-tainted nodes is the taint eviction controller's job.
 */

import { sleep } from '../../sdk/backoff.js';
import type { ComponentContext } from '../../sdk/component/index.js';
import type { Lease } from '../../sdk/gen/wheelhouse/coordination/v1/lease.js';
import type { Node, NodeCondition, Taint } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { type KindInfo, kinds } from '../../sdk/kinds.js';
import {
  TAINT_EFFECT_NO_EXECUTE,
  TAINT_NODE_NOT_READY,
  TAINT_NODE_UNREACHABLE,
} from '../../sdk/scheduling/index.js';
import { updateLive } from '../garbage-collector/live-object.js';
import { NodeHealthTracker } from './node-health.js';
import {
  conditionOf,
  desiredNoExecuteTaint,
  desiredNoScheduleTaints,
  hasNoExecuteTaint,
  withNoExecuteTaint,
  withNoScheduleTaints,
} from './node-taints.js';
import { computeZoneState, type EvictionRates, ZoneLimiters, zoneOf, zoneRate } from './zone-state.js';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeLifecycleOptions extends EvictionRates {
  readonly monitorPeriodMs: number;
  readonly monitorGracePeriodMs: number;
  readonly startupGracePeriodMs: number;
}

const noExecuteKeys = [TAINT_NODE_NOT_READY, TAINT_NODE_UNREACHABLE];
const monitoredConditions = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/** The conditions of a node not heard from: Unknown, saying why. */
export function unknownConditions(
  conditions: readonly NodeCondition[],
  now: Date,
): NodeCondition[] | undefined {
  let changed = false;
  const out = conditions.map((c) => ({ ...c }));
  for (const type of monitoredConditions) {
    const c = out.find((x) => x.type === type);
    if (!c) {
      out.push({
        type,
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: now,
        lastTransitionTime: now,
      });
      changed = true;
    } else if (c.status !== 'Unknown') {
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = now;
      changed = true;
    }
  }
  return changed ? out : undefined;
}

/**
 * The taints `taints` become for `node`'s conditions and spec: NoSchedule ones at once,
 * the NoExecute one `noExecute` (none when undefined) at once when removing or swapping,
 * only when `mayTaint` when adding; undefined when nothing changes.
 */
export function taintsToWrite(
  taints: readonly Taint[],
  node: Node,
  noExecute: string | undefined,
  mayTaint: boolean,
  now: Date,
): Taint[] | undefined {
  const noSchedule = withNoScheduleTaints(taints, desiredNoScheduleTaints(node), now);
  const afterNoSchedule = noSchedule ?? taints;
  const swapping =
    noExecute !== undefined &&
    afterNoSchedule.some((t) => t.effect === TAINT_EFFECT_NO_EXECUTE && noExecuteKeys.includes(t.key));
  const next =
    noExecute === undefined || swapping || mayTaint
      ? withNoExecuteTaint(afterNoSchedule, noExecute, now)
      : undefined;
  return next ?? noSchedule;
}

export function createNodeLifecycleController(ctx: ComponentContext, opts: NodeLifecycleOptions) {
  const { clients, informers, logger, events, signal } = ctx;
  const api = clients.api;
  const found = kinds.find((k) => k.kind === 'Node');
  if (!found) throw new Error('the kind table has no Node');
  const nodeInfo: KindInfo = found;
  const nodes = informers.informerFor<Node>(nodeInfo);
  const leases = informers.informerFor<Lease>('Lease', { namespace: NODE_LEASE_NAMESPACE });
  const health = new NodeHealthTracker();
  const limiters = new ZoneLimiters();
  const lastReady = new Map<string, string>();
  /** The nodes the controller has registered, by name (Kubernetes' knownNodeSet): what an Event names of each. */
  const known = new Map<string, KindObject>();

  const identity = (node: Node) => ({
    info: nodeInfo,
    namespace: '',
    name: node.metadata?.name ?? '',
    uid: node.metadata?.uid ?? '',
  });

  /** Marks a silent node's conditions Unknown; returns the node as it now is. */
  async function updateHealth(node: Node, now: number): Promise<Node> {
    const name = node.metadata?.name ?? '';
    const heardAt = health.observe(node, leases.indexer.get(`${NODE_LEASE_NAMESPACE}/${name}`), now);
    const grace = conditionOf(node, 'Ready') ? opts.monitorGracePeriodMs : opts.startupGracePeriodMs;
    if (now - heardAt <= grace) return node;
    const conditions = unknownConditions(node.status?.conditions ?? [], new Date(now));
    if (!conditions || !node.status) return node;
    logger.info({ node: name, silentForMs: now - heardAt }, 'node stopped posting status');
    const copy: Node = { ...node, status: { ...node.status, conditions } };
    return (await api.updateStatus(nodeInfo, copy)) as Node;
  }

  function recordReadyChange(node: Node): void {
    const name = node.metadata?.name ?? '';
    const ready = conditionOf(node, 'Ready')?.status ?? '';
    const before = lastReady.get(name);
    lastReady.set(name, ready);
    if (before === 'True' && ready !== 'True') {
      events.event(
        { ...node, apiVersion: 'v1', kind: 'Node' },
        'Normal',
        'NodeNotReady',
        `Node ${name} status is now: NodeNotReady`,
      );
    } else if (before !== undefined && before !== 'True' && ready === 'True') {
      events.event(
        { ...node, apiVersion: 'v1', kind: 'Node' },
        'Normal',
        'NodeReady',
        `Node ${name} status is now: NodeReady`,
      );
    }
  }

  function nodeEvent(node: KindObject, reason: string, what: string): void {
    const name = node.metadata?.name ?? '';
    events.event(node, 'Normal', reason, `Node ${name} event: ${what}`);
  }

  /** RegisteredNode for each node new to the controller, RemovingNode for each it lost. */
  function recordMembership(present: ReadonlyMap<string, Node>): void {
    for (const [name, node] of known) {
      if (present.get(name)?.metadata?.uid === node.metadata?.uid) continue;
      known.delete(name);
      lastReady.delete(name);
      nodeEvent(node, 'RemovingNode', `Removing Node ${name} from Controller`);
    }
    for (const [name, node] of present) {
      if (known.has(name)) continue;
      const ref: KindObject = {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: ObjectMeta.fromPartial({ name, uid: node.metadata?.uid ?? '' }),
      };
      known.set(name, ref);
      nodeEvent(ref, 'RegisteredNode', `Registered Node ${name} in Controller`);
    }
  }

  /**
   * Brings the node's taints in line: NoSchedule at once; the NoExecute taint `noExecute`
   * (none when undefined) at once when removing or swapping, only `mayTaint` when adding.
   * The cached Node decides whether anything is to be done: a node whose taints are
   * already right (nearly every node, every period) costs no call. Only a change reads
   * the live Node and applies the change to it, as Kubernetes does from its lister.
   */
  async function updateTaints(node: Node, noExecute: string | undefined, mayTaint: boolean): Promise<void> {
    if (!node.spec || !taintsToWrite(node.spec.taints, node, noExecute, mayTaint, new Date())) return;
    await updateLive(api, identity(node), (obj) => {
      const fresh = obj as Node;
      if (!fresh.spec) return false;
      const taints = taintsToWrite(fresh.spec.taints, node, noExecute, mayTaint, new Date());
      if (!taints) return false;
      fresh.spec.taints = taints;
      return true;
    });
  }

  async function monitorOnce(): Promise<void> {
    const now = Date.now();
    const all = nodes.indexer.list();
    const byName = new Map(all.map((n) => [n.metadata?.name ?? '', n]));
    health.retain(byName);
    recordMembership(byName);
    const current = await Promise.all(
      all.map((n) =>
        updateHealth(n, now).catch((err: unknown) => {
          logger.warn({ err, node: n.metadata?.name }, 'could not update node status; retrying next period');
          return n;
        }),
      ),
    );
    for (const n of current) recordReadyChange(n);

    const zones = new Map<string, Node[]>();
    for (const n of current) {
      const z = zoneOf(n);
      const inZone = zones.get(z);
      if (inZone) inZone.push(n);
      else zones.set(z, [n]);
    }
    const states = new Map(
      [...zones].map(([z, ns]) => [
        z,
        computeZoneState(
          ns.map((n) => conditionOf(n, 'Ready')?.status ?? ''),
          opts.unhealthyZoneThreshold,
        ),
      ]),
    );
    const allFullyDisrupted = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    for (const [z, ns] of zones)
      limiters.setRate(z, zoneRate(states.get(z) ?? 'Normal', ns.length, allFullyDisrupted, opts));

    await Promise.all(
      current.map(async (n) => {
        // With every zone down the controller is the likelier one cut off: it evicts nobody.
        const want = allFullyDisrupted ? undefined : desiredNoExecuteTaint(n);
        const mayTaint = want !== undefined && !hasNoExecuteTaint(n, want) && limiters.tryAccept(zoneOf(n));
        try {
          await updateTaints(n, want, mayTaint);
        } catch (err) {
          logger.warn({ err, node: n.metadata?.name }, 'could not update node taints; retrying next period');
        }
      }),
    );
  }

  return {
    async run(): Promise<void> {
      const synced = await Promise.all([nodes.waitForSync(signal), leases.waitForSync(signal)]);
      if (!synced.every(Boolean)) return;
      while (!signal.aborted) {
        await monitorOnce();
        await sleep(opts.monitorPeriodMs, signal).catch(() => undefined);
      }
    },
  };
}
