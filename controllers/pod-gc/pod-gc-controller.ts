/**
 * The pod garbage collector (Kubernetes' pkg/controller/podgc), every `--pod-gc-period`:
 *
 * - terminated pods (Succeeded, Failed) beyond `--terminated-pod-gc-threshold` are
 *   deleted, oldest first (0 keeps them all);
 * - pods bound to a node that no longer exists are deleted, once a live GET a quarantine
 *   after the node vanished from the cache confirms it is gone;
 * - terminating pods on a vanished node, or on a not-Ready node once their grace period
 *   is over, are force-deleted: no kubelet is there to finish them;
 * - terminating pods that were never scheduled are deleted.
 *
 * Every deletion is forced (grace period 0), as no kubelet will act on a graceful one.
 */

import { sleep } from '../../sdk/backoff.js';
import type { ComponentContext } from '../../sdk/component/index.js';
import { ApiError, Code } from '../../sdk/errors.js';
import type { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';

export interface PodGcOptions {
  readonly periodMs: number;
  /** Terminated pods kept; 0 disables that rule. */
  readonly terminatedThreshold: number;
  /** How long a node must be missing from the cache before a live GET decides. */
  readonly quarantineMs: number;
}

const isTerminated = (p: Pod) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
const created = (p: Pod) => p.metadata?.creationTimestamp?.getTime() ?? 0;

/** The terminated pods to delete to get down to `threshold`, oldest first. */
export function terminatedToDelete(pods: readonly Pod[], threshold: number): Pod[] {
  if (threshold <= 0) return [];
  const terminated = pods.filter((p) => isTerminated(p) && p.metadata?.deletionTimestamp === undefined);
  const excess = terminated.length - threshold;
  if (excess <= 0) return [];
  return [...terminated]
    .sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))
    .slice(0, excess);
}

export function createPodGcController(ctx: ComponentContext, opts: PodGcOptions) {
  const { clients, informers, logger, signal } = ctx;
  const pods = informers.informerFor<Pod>('Pod');
  const nodes = informers.informerFor<Node>('Node');
  const podClient = clients.kind<Pod>('Pod');
  const nodeClient = clients.kind<Node>('Node');
  /** Node names missing from the cache, and since when. */
  const missingSince = new Map<string, number>();

  async function forceDelete(pod: Pod, why: string): Promise<void> {
    const ns = pod.metadata?.namespace ?? '';
    const name = pod.metadata?.name ?? '';
    logger.info({ pod: `${ns}/${name}`, why }, 'deleting pod');
    try {
      await podClient.delete(ns, name, {
        gracePeriodSeconds: '0',
        preconditions: { uid: pod.metadata?.uid ?? '', resourceVersion: '' },
      });
    } catch (err) {
      if (err instanceof ApiError && (err.code === Code.NOT_FOUND || err.code === Code.ABORTED)) return;
      logger.warn({ err, pod: `${ns}/${name}` }, 'could not delete pod; retrying next period');
    }
  }

  /** Whether the apiserver confirms the node is gone (after the quarantine). */
  async function nodeGone(name: string, now: number): Promise<boolean> {
    const since = missingSince.get(name) ?? now;
    missingSince.set(name, since);
    if (now - since < opts.quarantineMs) return false;
    try {
      await nodeClient.get('', name);
      return false;
    } catch (err) {
      if (err instanceof ApiError && err.code === Code.NOT_FOUND) return true;
      throw err;
    }
  }

  async function gcOnce(): Promise<void> {
    const now = Date.now();
    const all = pods.indexer.list();
    const deletions: Promise<void>[] = [];
    for (const p of terminatedToDelete(all, opts.terminatedThreshold))
      deletions.push(forceDelete(p, 'terminated pods above --terminated-pod-gc-threshold'));

    const known = new Set(nodes.indexer.keys());
    for (const name of missingSince.keys()) if (known.has(name)) missingSince.delete(name);
    const byNode = new Map<string, Pod[]>();
    for (const p of all) {
      const node = p.spec?.nodeName ?? '';
      if (node === '') {
        if (p.metadata?.deletionTimestamp !== undefined)
          deletions.push(forceDelete(p, 'terminating and never scheduled'));
        continue;
      }
      byNode.set(node, [...(byNode.get(node) ?? []), p]);
    }
    for (const [nodeName, onNode] of byNode) {
      const node = nodes.indexer.get(nodeName);
      if (!node) {
        if (await nodeGone(nodeName, now).catch(() => false))
          for (const p of onNode)
            deletions.push(forceDelete(p, `bound to node ${nodeName}, which no longer exists`));
        continue;
      }
      const ready = node.status?.conditions.find((c) => c.type === 'Ready')?.status === 'True';
      if (ready) continue;
      for (const p of onNode) {
        const deadline = p.metadata?.deletionTimestamp?.getTime();
        if (deadline !== undefined && deadline <= now)
          deletions.push(
            forceDelete(p, `terminating past its grace period on node ${nodeName}, which is not Ready`),
          );
      }
    }
    await Promise.all(deletions);
  }

  return {
    async run(): Promise<void> {
      const synced = await Promise.all([pods.waitForSync(signal), nodes.waitForSync(signal)]);
      if (!synced.every(Boolean)) return;
      while (!signal.aborted) {
        await gcOnce().catch((err: unknown) =>
          logger.warn({ err }, 'pod garbage collection failed; retrying next period'),
        );
        await sleep(opts.periodMs, signal);
      }
    },
  };
}
